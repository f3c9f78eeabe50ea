"""Per-objective evaluation (§3.1, §3.2, §5.1-5.4): statuses, scores, targets and key-SLI failures."""

from __future__ import annotations

import pytest

from slogate.domain.evaluation.criteria import parse_criterion
from slogate.domain.evaluation.objectives import (
    NO_VALUE_MESSAGE,
    InvalidPassCriterionError,
    KeySLIFailure,
    ObjectiveOutcome,
    ValuePool,
    evaluate_objective,
    judge,
)
from slogate.domain.evaluation.slo import CriteriaSet, Objective
from slogate.domain.protocol.gate_events import SLIValue, Target
from tests.unit.conftest import failed, ok


def objective(
    passing: list[list[str]] | None = None,
    warning: list[list[str]] | None = None,
    *,
    sli: str = "rt",
    display_name: str = "",
    weight: int = 1,
    key_sli: bool = False,
) -> Objective:
    """An objective with pass/warning items given as lists of criteria strings."""
    return Objective(
        sli=sli,
        display_name=display_name,
        pass_sets=tuple(CriteriaSet(tuple(item)) for item in passing or []),
        warning_sets=tuple(CriteriaSet(tuple(item)) for item in warning or []),
        weight=weight,
        key_sli=key_sli,
    )


def evaluate(obj: Objective, value: SLIValue | None, baseline: float | None = None) -> ObjectiveOutcome:
    """Shorthand for evaluate_objective."""
    return evaluate_objective(obj, value, baseline)


# --- §5.1 value pool ----------------------------------------------------------------------------------


def test_pool_takes_the_first_matching_value() -> None:
    """The first unused value with the objective's metric is taken, exactly by name."""
    pool = ValuePool([ok("rt", 1.0), ok("rt", 2.0), ok("RT", 3.0)])
    first = pool.take("rt")
    assert first is not None
    assert first.value == 1.0


def test_pool_value_feeds_only_one_objective() -> None:
    """A consumed value is gone: a second objective on the same SLI finds nothing."""
    pool = ValuePool([ok("rt", 1.0)])
    assert pool.take("rt") == ok("rt", 1.0)
    assert pool.take("rt") is None


def test_pool_replaces_a_taken_value_by_the_last() -> None:
    """Removal moves the last value into the freed place, so the remaining order changes."""
    pool = ValuePool([ok("a", 1), ok("b", 2), ok("c", 3), ok("d", 4)])
    pool.take("a")
    assert pool.remaining() == ["d", "b", "c"]
    pool.take("c")
    assert pool.remaining() == ["d", "b"]


def test_pool_remaining_when_nothing_taken() -> None:
    """Without removals the remaining names keep delivery order; unknown names take nothing."""
    pool = ValuePool([ok("a", 1), ok("b", 2)])
    assert pool.take("zzz") is None
    assert pool.remaining() == ["a", "b"]


# --- §5.2 informational objectives -----------------------------------------------------------------


def test_informational_objective_reports_value_as_delivered() -> None:
    """No pass criteria: status info, score 0, value as delivered (comparedValue kept), [] pass targets."""
    value = ok("rt", 7.0, compared_value=42.0)
    outcome = evaluate(objective(display_name="Response time"), value, baseline=3.0)
    result = outcome.result
    assert (result.status, result.score, result.display_name, result.value) == (
        "info",
        0.0,
        "Response time",
        value,
    )
    assert result.pass_targets == ()
    assert result.warning_targets == ()
    assert outcome.key_failure is None


def test_informational_objective_without_value_reports_null() -> None:
    """An informational objective whose SLI is missing reports value null and no failure."""
    outcome = evaluate(objective(key_sli=True), None)
    assert outcome.result.value is None
    assert outcome.result.status == "info"
    assert outcome.key_failure is None


def test_informational_key_sli_is_reported_false_and_never_fails() -> None:
    """key_sli on an informational objective is reported false and never fails, even with a failed value."""
    outcome = evaluate(objective(key_sli=True), failed("rt"))
    assert outcome.result.key_sli is False
    assert outcome.key_failure is None


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [
        pytest.param(None, [("<=800", 800.0), ("<=+10%", 0.0), (">=-5", 0.0)], id="no-history"),
        pytest.param(200.0, [("<=800", 800.0), ("<=+10%", 200.0), (">=-5", 200.0)], id="raw-baseline"),
    ],
)
def test_informational_warning_targets_are_listed_violated(
    baseline: float | None, expected: list[tuple[str, float]]
) -> None:
    """Info objectives list warning criteria violated, unevaluated; relative ones show the baseline."""
    obj = objective(warning=[["<=800", "<=+10%"], [">=-5", "bogus"]])
    result = evaluate(obj, ok("rt", 1.0), baseline).result
    assert result.warning_targets == tuple(Target(c, t, True) for c, t in expected)


# --- §5.3 missing or unsuccessful values ------------------------------------------------------------


def test_missing_value_is_synthesized() -> None:
    """A missing SLI value becomes {metric: sli, value 0, success false, 'no value received ...'}."""
    result = evaluate(objective([["<5"]]), None).result
    assert result.value == SLIValue("rt", 0.0, False, NO_VALUE_MESSAGE)
    assert NO_VALUE_MESSAGE == "no value received from SLI provider"
    assert (result.status, result.score) == ("fail", 0.0)


def test_unsuccessful_value_is_reported_unchanged() -> None:
    """A value the provider marked unsuccessful is reported as delivered."""
    value = SLIValue("rt", 12.0, False, "timeout", 3.0)
    result = evaluate(objective([["<5"]]), value, 8.0).result
    assert result.value == value
    assert (result.status, result.score) == ("fail", 0.0)


@pytest.mark.parametrize(
    ("baseline", "expected_pass", "expected_warning"),
    [
        pytest.param(
            None,
            [("<=+10%", 0.0), ("<600", 600.0), ("=-1", 0.0)],
            [("<=800", 800.0)],
            id="skipped-history-shows-0",
        ),
        pytest.param(
            250.0,
            [("<=+10%", 250.0), ("<600", 600.0), ("=-1", 250.0)],
            [("<=800", 800.0)],
            id="raw-baseline-not-adjusted",
        ),
    ],
)
def test_failed_value_targets_are_all_violated(
    baseline: float | None,
    expected_pass: list[tuple[str, float]],
    expected_warning: list[tuple[str, float]],
) -> None:
    """Parsable criteria are listed violated (relative: the raw baseline); invalid ones are left out."""
    obj = objective([["<=+10%", "<600"], ["=-1", "nonsense"]], [["<=800"], ["<=x"]])
    result = evaluate(obj, None, baseline).result
    assert result.pass_targets == tuple(Target(c, t, True) for c, t in expected_pass)
    assert result.warning_targets == tuple(Target(c, t, True) for c, t in expected_warning)


def test_failed_value_without_warning_criteria_reports_empty_list() -> None:
    """warning_targets is [] (not null) on the failed-value path when there are no warning criteria."""
    assert evaluate(objective([["<5"]]), None).result.warning_targets == ()


def test_failed_value_invalid_pass_criterion_causes_no_error() -> None:
    """With a missing value, criteria are not evaluated: an unparsable pass criterion is just left out."""
    result = evaluate(objective([["<5", "junk"]]), None).result
    assert result.pass_targets == (Target("<5", 5.0, True),)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param(None, "no value received from SLI provider", id="missing"),
        pytest.param(failed("rt", "prometheus unreachable"), "prometheus unreachable", id="unsuccessful"),
    ],
)
def test_failed_value_of_key_sli_fails_with_its_message(value: SLIValue | None, reason: str) -> None:
    """A key SLI without usable value is a key-SLI failure quoting the value's message; keySli reads false."""
    outcome = evaluate(objective([["<5"]], display_name="Response time", key_sli=True), value)
    assert outcome.key_failure == KeySLIFailure("Response time", reason)
    assert outcome.result.key_sli is False


def test_failed_value_keeps_incoming_compared_value() -> None:
    """comparedValue of a failed value is the one that came in, not the baseline."""
    value = SLIValue("rt", 0.0, False, "x", 9.0)
    result = evaluate(objective([["<5"]]), value, 3.0).result
    assert result.value is not None
    assert result.value.compared_value == 9.0


def test_failed_value_of_non_key_sli_is_no_key_failure() -> None:
    """A failed value of an ordinary objective only scores 0."""
    assert evaluate(objective([["<5"]]), None).key_failure is None


# --- §5.4 scored objectives ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measured", "status", "score"),
    [
        pytest.param(100.0, "pass", 4.0, id="pass-scores-weight"),
        pytest.param(300.0, "warning", 2.0, id="warning-scores-half-weight"),
        pytest.param(900.0, "fail", 0.0, id="fail-scores-zero"),
    ],
)
def test_status_and_score(measured: float, status: str, score: float) -> None:
    """pass -> weight, warning -> weight/2, fail -> 0."""
    obj = objective([["<200"]], [["<500"]], weight=4)
    result = evaluate(obj, ok("rt", measured)).result
    assert (result.status, result.score) == (status, score)


def test_warning_weight_half_of_odd_weight() -> None:
    """A warning scores 0.5 * weight, unrounded (weight 3 -> 1.5)."""
    assert evaluate(objective([["<1"]], [["<5"]], weight=3), ok("rt", 2.0)).result.score == 1.5


@pytest.mark.parametrize(
    ("measured", "satisfied"),
    [
        pytest.param(5.0, True, id="first-item-all-hold"),
        pytest.param(50.0, True, id="second-item-holds"),
        pytest.param(150.0, False, id="no-item-holds"),
    ],
)
def test_items_are_or_criteria_are_and(measured: float, satisfied: bool) -> None:
    """Criteria inside an item must all hold (AND); any item holding is enough (OR)."""
    obj = objective([["<10", ">1"], ["<100", ">20"]])
    assert (evaluate(obj, ok("rt", measured)).result.status == "pass") is satisfied


def test_every_criterion_is_evaluated_and_reported_in_order() -> None:
    """No short-circuit: targets are all criteria of all items in file order, each flagged individually."""
    obj = objective([["<10", ">1"], ["<100", ">20"]], [["<=200"], [">=300"]])
    result = evaluate(obj, ok("rt", 5.0)).result
    assert result.pass_targets == (
        Target("<10", 10.0, False),
        Target(">1", 1.0, False),
        Target("<100", 100.0, False),
        Target(">20", 20.0, True),
    )
    assert result.warning_targets == (Target("<=200", 200.0, False), Target(">=300", 300.0, True))


def test_warning_targets_are_null_without_warning_criteria() -> None:
    """A scored objective with a valid value and no warning criteria reports warning targets null."""
    assert evaluate(objective([["<5"]]), ok("rt", 1.0)).result.warning_targets is None


def test_warning_item_without_criteria_always_holds() -> None:
    """An empty warning item holds; it contributes no targets (null target list)."""
    result = evaluate(objective([["<1"]], [[]]), ok("rt", 5.0)).result
    assert result.status == "warning"
    assert result.warning_targets is None


def test_pass_items_without_criteria_hold_but_report_null_targets() -> None:
    """A pass list whose items are all empty holds, with a null pass-target list."""
    result = evaluate(objective([[]]), ok("rt", 5.0)).result
    assert (result.status, result.score, result.pass_targets) == ("pass", 1.0, None)
    assert result.value is not None
    assert result.value.compared_value == 0.0


def test_invalid_warning_criterion_disables_the_whole_warning_check() -> None:
    """An unparsable warning criterion is swallowed: no warning (even if another item holds), targets []."""
    obj = objective([["<1"]], [["<100"], ["<=10 ms"]])
    result = evaluate(obj, ok("rt", 5.0)).result
    assert (result.status, result.score) == ("fail", 0.0)
    assert result.warning_targets == ()


@pytest.mark.parametrize(
    ("passing", "display_name", "message"),
    [
        pytest.param(
            [["<10abc"]], "Response time", "error with Response time: could not parse criteria target value"
        ),
        pytest.param([["invalid"]], "", "error with rt: invalid criteria string"),
        pytest.param([["<10"], ["<5", "?"]], "", "error with rt: invalid criteria string"),
    ],
    ids=["display-name", "sli-name-when-no-display-name", "anywhere-in-a-later-item"],
)
def test_invalid_pass_criterion_aborts(passing: list[list[str]], display_name: str, message: str) -> None:
    """An unparsable pass criterion (valid SLI value) aborts with 'error with <name>: <parse error>'."""
    with pytest.raises(InvalidPassCriterionError) as raised:
        evaluate(objective(passing, display_name=display_name), ok("rt", 1.0))
    assert str(raised.value) == message


def test_key_sli_fail_is_a_key_failure_with_six_decimals() -> None:
    """A failing key SLI is a key-SLI failure 'failed evaluation with score 0.000000'; keySli reads true."""
    outcome = evaluate(objective([["<1"]], display_name="Errors", key_sli=True), ok("rt", 5.0))
    assert outcome.key_failure == KeySLIFailure("Errors", "failed evaluation with score 0.000000")
    assert outcome.result.key_sli is True


@pytest.mark.parametrize("measured", [pytest.param(0.5, id="pass"), pytest.param(3.0, id="warning")])
def test_key_sli_in_pass_or_warning_is_no_failure(measured: float) -> None:
    """A key SLI in pass or warning status is not a key-SLI failure."""
    outcome = evaluate(objective([["<1"]], [["<5"]], key_sli=True), ok("rt", measured))
    assert outcome.key_failure is None
    assert outcome.result.key_sli is True


@pytest.mark.parametrize(
    ("criteria", "baseline", "expected"),
    [
        pytest.param(["<600"], 5.0, 5.0, id="absolute-shows-baseline-for-display"),
        pytest.param(["<=+10%"], 5.0, 5.0, id="relative"),
        pytest.param(["<=+10%"], None, 0.0, id="skipped-is-0"),
    ],
)
def test_compared_value_is_the_baseline(criteria: list[str], baseline: float | None, expected: float) -> None:
    """comparedValue becomes the aggregate (0 when skipped) whenever a criterion is evaluated."""
    result = evaluate(objective([criteria]), ok("rt", 1.0, compared_value=77.0), baseline).result
    assert result.value is not None
    assert result.value.compared_value == expected


def test_compared_value_set_by_warning_criteria_alone() -> None:
    """When only warning items carry criteria, evaluating them still writes comparedValue."""
    result = evaluate(objective([[]], [["<5"]]), ok("rt", 1.0, compared_value=77.0), 4.0).result
    assert result.value is not None
    assert result.value.compared_value == 4.0


def test_targets_keep_criteria_text_as_written() -> None:
    """Each target's criteria is the string as written, spaces included."""
    result = evaluate(objective([["  <=+10   %"]]), ok("rt", 1.0), 10.0).result
    assert result.pass_targets == (Target("  <=+10   %", 11.0, False),)


@pytest.mark.parametrize(
    ("measured", "status", "pass_targets"),
    [
        pytest.param(
            5.4, "pass", (Target("<=+10%", 5.5, False), Target("<600", 600.0, False)), id="5.4-passes"
        ),
        pytest.param(
            5.6, "warning", (Target("<=+10%", 5.5, True), Target("<600", 600.0, False)), id="5.6-warning"
        ),
    ],
)
def test_worked_example_7_3(measured: float, status: str, pass_targets: tuple[Target, ...]) -> None:
    """§7.3: previous 5; 5.4 passes; 5.6 violates '<=+10%' (5.5) and warns at half weight with '<=800'."""
    obj = objective([["<=+10%", "<600"]], [["<=800"]], weight=2)
    result = evaluate(obj, ok("rt", measured), 5.0).result
    assert result.status == status
    assert result.score == {"pass": 2.0, "warning": 1.0}[status]
    assert result.pass_targets == pass_targets
    assert result.warning_targets == (Target("<=800", 800.0, False),)


# --- judge ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criterion", "measured", "baseline", "expected"),
    [
        pytest.param("<=+10%", 999.0, None, Target("<=+10%", 0.0, False), id="relative-no-history-holds"),
        pytest.param(">=-10%", -5.0, None, Target(">=-10%", 0.0, False), id="relative-decrease-no-history"),
        pytest.param("<600", 700.0, None, Target("<600", 600.0, True), id="absolute-no-history-judged"),
        pytest.param("<=+10%", 1.0, 0.0, Target("<=+10%", 0.0, True), id="baseline-zero-is-real"),
        pytest.param("=0%", 4.0, 4.0, Target("=0%", 4.0, False), id="equal-to-baseline"),
        pytest.param("<-5", 94.0, 100.0, Target("<-5", 95.0, False), id="delta-down"),
        pytest.param(">+5", 105.0, 100.0, Target(">+5", 105.0, True), id="strict-delta-up"),
    ],
)
def test_judge(criterion: str, measured: float, baseline: float | None, expected: Target) -> None:
    """A criterion is judged against its target; relative ones hold with target 0 without history."""
    assert judge(parse_criterion(criterion), measured, baseline) == expected
