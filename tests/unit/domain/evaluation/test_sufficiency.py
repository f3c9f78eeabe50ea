"""Data sufficiency (slogate's SLO extension): each rule, each default, Keptn's results without the keys."""

from __future__ import annotations

from typing import Any

import pytest

from slogate.domain.evaluation.explain import explain
from slogate.domain.evaluation.gate import evaluate_gate
from slogate.domain.protocol.gate_events import SLIValue, StoredEvaluation
from slogate.domain.protocol.gate_json import decode_evaluation_finished, encode_evaluation_finished
from tests.unit.conftest import ValueSpec, failed, gate, sli_results, slo_file, stored

FLOOR = "traffic_floor: {sli: request_count, min: 100}"
NO_VALUE = "no value received from SLI provider"


def slo(policy: str = "", top: str = "", key: bool = False) -> str:
    """request_count (informational), p95 (with ``policy`` lines) and errors; pass 90 %, warning 50 %."""
    extra = "".join(f"\n    {line}" for line in policy.split("\n") if line)
    key_line = "\n    key_sli: true" if key else ""
    return (
        "comparison: {compare_with: several_results, number_of_comparison_results: 3}\n"
        "objectives:\n"
        "  - sli: request_count\n"
        "  - sli: p95\n"
        "    pass: [{criteria: ['<=+10%', '<600']}]\n"
        f"    warning: [{{criteria: ['<800']}}]{key_line}{extra}\n"
        "  - sli: errors\n"
        "    pass: [{criteria: ['<1']}]\n"
        "total_score: {pass: '90%', warning: '50%'}\n" + top
    )


def history(*p95: float) -> tuple[StoredEvaluation, ...]:
    """Previous evaluations (newest first) with these p95 values."""
    return tuple(stored(f"e{i}", ("p95", v)) for i, v in enumerate(p95))


def run(text: str, *values: ValueSpec, previous: tuple[StoredEvaluation, ...] = ()) -> dict[str, Any]:
    return gate(text, ("errors", 0.0), *values, history=previous)


def p95_result(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = data["evaluation"]["indicatorResults"][1]
    return result


TRAFFIC_12 = ("request_count", 12.0)
TRAFFIC_OK = ("request_count", 500.0)
FLOOR_NOTE = "insufficient data: request_count 12 < 100 (traffic floor of p95)"
CAPPED = f"Evaluation returned a warning: {FLOOR_NOTE}"


@pytest.mark.parametrize(
    ("policy", "top", "values", "previous", "expected"),
    [
        # on_no_data: Keptn fails an objective without a value; each rule word, and its default
        pytest.param("", "", [], (), ("warning", "warning", 50, "fail", None), id="no-keys-no-data-is-keptn"),
        pytest.param(
            "on_no_data: fail",
            "",
            [],
            (),
            ("warning", "warning", 50, "fail", f"no data: {NO_VALUE} (on_no_data of p95)"),
            id="on-no-data-fail",
        ),
        pytest.param(
            "on_no_data: warning",
            "",
            [],
            (),
            ("warning", "warning", 75, "warning", "no data"),
            id="on-no-data-warning",
        ),
        pytest.param(
            "on_no_data: pass", "", [], (), ("pass", "pass", 100, "pass", "no data"), id="on-no-data-pass"
        ),
        pytest.param(
            "on_no_data: informational",
            "",
            [],
            (),
            ("pass", "pass", 100, "info", "no data"),
            id="on-no-data-info",
        ),
        pytest.param(
            "on_no_data: pass",
            "",
            [failed("p95", "query timed out")],
            (),
            ("pass", "pass", 100, "pass", "no data: query timed out (on_no_data of p95)"),
            id="on-no-data-failed-query",
        ),
        pytest.param(  # no data is decided by on_no_data, not by the traffic floor
            FLOOR, "", [TRAFFIC_12], (), ("warning", "warning", 50, "fail", None), id="floor-no-data-is-keptn"
        ),
        # traffic floor: default rule informational, default overall rule warning
        pytest.param(
            FLOOR,
            "",
            [TRAFFIC_12, ("p95", 300.0)],
            (),
            ("warning", "pass", 100, "info", FLOOR_NOTE),
            id="floor-low",
        ),
        pytest.param(  # a value that would fail is not judged below the floor either
            FLOOR,
            "",
            [TRAFFIC_12, ("p95", 900.0)],
            (),
            ("warning", "pass", 100, "info", FLOOR_NOTE),
            id="floor-hides",
        ),
        pytest.param(
            FLOOR,
            "",
            [("request_count", 100.0), ("p95", 300.0)],
            (),
            ("pass", "pass", 100, "pass", None),
            id="floor-met",
        ),
        pytest.param(
            FLOOR,
            "",
            [TRAFFIC_OK, ("p95", 700.0)],
            (),
            ("warning", "warning", 75, "warning", None),
            id="floor-judged",
        ),
        pytest.param(
            FLOOR,
            "",
            [("p95", 300.0)],
            (),
            (
                "warning",
                "pass",
                100,
                "info",
                "insufficient data: no value for request_count (traffic floor of p95)",
            ),
            id="floor-sli-missing",
        ),
        pytest.param(
            FLOOR,
            "",
            [failed("request_count"), ("p95", 300.0)],
            (),
            ("warning", "pass", 100, "info", "no value for request_count"),
            id="floor-sli-failed",
        ),
        pytest.param(
            f"{FLOOR}\non_insufficient: warning",
            "",
            [TRAFFIC_12, ("p95", 300.0)],
            (),
            ("warning", "warning", 75, "warning", FLOOR_NOTE),
            id="floor-counts-warning",
        ),
        pytest.param(
            f"{FLOOR}\non_insufficient: fail",
            "",
            [TRAFFIC_12, ("p95", 300.0)],
            (),
            ("warning", "warning", 50, "fail", FLOOR_NOTE),
            id="floor-counts-fail",
        ),
        pytest.param(
            f"{FLOOR}\non_insufficient: pass",
            "sufficiency: {on_insufficient: pass}\n",
            [TRAFFIC_12, ("p95", 900.0)],
            (),
            ("pass", "pass", 100, "pass", FLOOR_NOTE),
            id="floor-counts-pass-no-cap",
        ),
        pytest.param(
            FLOOR,
            "sufficiency: {on_insufficient: fail}\n",
            [TRAFFIC_12, ("p95", 300.0)],
            (),
            ("fail", "pass", 100, "info", FLOOR_NOTE),
            id="overall-fail",
        ),
        # min_comparison_results: relative criteria need enough previous values
        pytest.param(
            "",
            "",
            [("p95", 400.0)],
            history(300, 300),
            ("warning", "warning", 75, "warning", None),
            id="keptn-2-results",
        ),
        pytest.param(
            "min_comparison_results: 3",
            "",
            [("p95", 400.0)],
            history(300, 300),
            (
                "warning",
                "pass",
                100,
                "info",
                "insufficient data: 2 comparison results < 3 (min_comparison_results of p95)",
            ),
            id="comparisons-short",
        ),
        pytest.param(
            "min_comparison_results: 3",
            "",
            [("p95", 400.0)],
            history(300, 300, 300),
            ("warning", "warning", 75, "warning", None),
            id="comparisons-enough",
        ),
        pytest.param(
            "min_comparison_results: 1\non_insufficient: warning",
            "",
            [("p95", 400.0)],
            (),
            ("warning", "warning", 75, "warning", "insufficient data: 0 comparison results < 1"),
            id="first-build",
        ),
        pytest.param(
            "min_comparison_results: 3\non_insufficient: pass",
            "",
            [("p95", 700.0)],
            history(300),
            ("warning", "warning", 75, "warning", "1 comparison result < 3"),
            id="absolute-warning-stays",
        ),
        pytest.param(
            "min_comparison_results: 3\non_insufficient: pass",
            "",
            [("p95", 900.0)],
            history(300),
            ("warning", "warning", 50, "fail", "1 comparison result < 3"),
            id="absolute-fail-stays",
        ),
        pytest.param(
            "min_comparison_results: 3\non_insufficient: fail",
            "",
            [("p95", 300.0)],
            history(300),
            ("warning", "warning", 50, "fail", "1 comparison result < 3"),
            id="comparisons-count-fail",
        ),
        pytest.param(
            "min_comparison_results: 3\non_insufficient: pass",
            "",
            [("p95", 300.0)],
            history(300),
            ("warning", "pass", 100, "pass", "1 comparison result < 3"),
            id="comparisons-count-pass-capped",
        ),
    ],
)
def test_rules(
    policy: str,
    top: str,
    values: list[ValueSpec],
    previous: tuple[StoredEvaluation, ...],
    expected: tuple[Any, ...],
) -> None:
    """Each rule and each default: the result, the objectives' result, score, p95's status and note."""
    result, evaluation_result, score, status, note = expected
    data = run(slo(policy, top), *values, previous=previous)
    assert (data["result"], data["evaluation"]["result"]) == (result, evaluation_result)
    assert data["evaluation"]["score"] == score
    p95 = p95_result(data)
    assert p95["status"] == status
    if note is None:
        assert "dataSufficiency" not in p95
        assert "insufficient" not in data.get("message", "")
        assert "no data" not in data.get("message", "")
    else:
        assert note in p95["dataSufficiency"]
        assert p95["dataSufficiency"] in data["message"]  # Keptn clients see it in data.message


def test_capped_message_and_explanation() -> None:
    """A pass lowered to a warning says why in data.message, and the sentence names the floor."""
    file = slo_file(slo(FLOOR))
    event = evaluate_gate(sli_results(("errors", 0.0), TRAFFIC_12, ("p95", 300.0)), file, ())
    assert event.message == CAPPED
    assert explain(event, file.slo) == f"warning: {FLOOR_NOTE} (the objectives alone gave pass)"


def test_overall_fail_message() -> None:
    data = run(slo(FLOOR, "sufficiency: {on_insufficient: fail}\n"), TRAFFIC_12, ("p95", 300.0))
    assert data["message"] == f"Evaluation failed due to {FLOOR_NOTE}"


def test_notes_are_appended_to_keptns_message() -> None:
    """A result the rule does not lower keeps Keptn's message, followed by the note."""
    data = run(slo(f"{FLOOR}\non_insufficient: fail"), TRAFFIC_12, ("p95", 300.0))
    assert data["message"] == (
        "Evaluation returned a warning: the calculated score of 50 is close to the warning target value of 50"
        f"; {FLOOR_NOTE}"
    )


def test_no_data_note_does_not_cap() -> None:
    """on_no_data decides alone: a no-data objective counted as pass does not lower the result."""
    data = run(slo("on_no_data: pass"))
    assert data["result"] == "pass"
    assert data["message"] == f"no data: {NO_VALUE} (on_no_data of p95)"


def test_key_sli_failed_by_rule() -> None:
    """A key SLI counted as fail fails the evaluation, naming the reason."""
    file = slo_file(slo(f"{FLOOR}\non_insufficient: fail", key=True))
    event = evaluate_gate(sli_results(("errors", 0.0), TRAFFIC_12, ("p95", 300.0)), file, ())
    assert event.result == "fail"
    assert event.message == f"Evaluation failed due to key_sli objective '': {FLOOR_NOTE}"
    assert explain(event, file.slo) == f"fail: key SLI 'p95' failed (its data-sufficiency rule); {FLOOR_NOTE}"


def test_key_sli_counted_as_warning_is_no_key_failure() -> None:
    data = run(slo("on_no_data: warning", key=True))
    assert (data["result"], data["evaluation"]["score"]) == ("warning", 75)


def test_explanation_appends_notes_when_not_capped() -> None:
    file = slo_file(slo("on_no_data: pass"))
    event = evaluate_gate(sli_results(("errors", 0.0)), file, ())
    assert explain(event, file.slo) == (
        f"pass: score 100 reaches the pass target 90; no data: {NO_VALUE} (on_no_data of p95)"
    )


def test_sli_failure_still_wins() -> None:
    """get-sli.finished with result fail fails the evaluation as in Keptn; the rule does not touch it."""
    file = slo_file(slo(FLOOR))
    event = evaluate_gate(
        sli_results(("errors", 0.0), TRAFFIC_12, ("p95", 300.0), result="fail", message="boom"), file, ()
    )
    assert (event.result, event.message) == ("fail", "lighthouse failed because SLI failed with message boom")
    assert explain(event, file.slo).endswith(f"(the objectives alone gave pass); {FLOOR_NOTE}")


def test_floor_reads_the_value_without_taking_it() -> None:
    """The informational request_count objective still gets its value when a floor reads it."""
    data = run(slo(FLOOR), TRAFFIC_12, ("p95", 300.0))
    assert data["evaluation"]["indicatorResults"][0]["value"]["value"] == 12


def test_json_round_trip_keeps_the_note() -> None:
    file = slo_file(slo(FLOOR))
    event = evaluate_gate(sli_results(("errors", 0.0), TRAFFIC_12, ("p95", 300.0)), file, ())
    assert decode_evaluation_finished(encode_evaluation_finished(event)) == event


@pytest.mark.parametrize(
    ("policy", "values", "previous", "relative"),
    [
        pytest.param(FLOOR, [("p95", 700.0)], (), True, id="floor-met"),
        pytest.param(
            "min_comparison_results: 2", [("p95", 400.0)], history(300, 350), True, id="enough-comparisons"
        ),
        pytest.param(
            "min_comparison_results: 5", [("p95", 700.0)], history(300), False, id="no-relative-criterion"
        ),
        pytest.param("on_no_data: pass", [("p95", 650.0)], history(300), True, id="data-present"),
        pytest.param("on_insufficient: fail", [], (), True, id="rule-without-trigger"),
    ],
)
def test_keys_that_do_not_fire_change_nothing(
    policy: str, values: list[ValueSpec], previous: tuple[StoredEvaluation, ...], relative: bool
) -> None:
    """With sufficient data every byte but sloFileContent is Keptn's, as without the keys."""

    def text(lines: str) -> str:
        return slo(lines) if relative else slo(lines).replace("'<=+10%', ", "")

    with_keys = run(text(policy), TRAFFIC_OK, *values, previous=previous)
    without = run(text(""), TRAFFIC_OK, *values, previous=previous)
    for data in (with_keys, without):
        data["evaluation"].pop("sloFileContent")
    assert with_keys == without


def test_policy_on_informational_objective_is_ignored() -> None:
    text = slo().replace("  - sli: request_count\n", "  - sli: request_count\n    on_no_data: fail\n")
    data = run(text, ("p95", 300.0))
    assert data["evaluation"]["indicatorResults"][0]["status"] == "info"
    assert data["result"] == "pass"


def test_value_of_zero_weight_objective_does_not_divide_by_zero() -> None:
    """Every scored objective counted as informational: nothing is left to score (pass, 100), then capped."""
    text = (
        "objectives:\n  - sli: request_count\n  - sli: p95\n    pass: [{criteria: ['<600']}]\n"
        f"    {FLOOR}\ntotal_score: {{pass: '90%'}}\n"
    )
    data = gate(text, TRAFFIC_12, ("p95", 300.0))
    assert (data["result"], data["evaluation"]["score"], data["message"]) == ("warning", 100, CAPPED)


def test_unsuccessful_value_without_message() -> None:
    data = run(slo("on_no_data: warning"), SLIValue("p95", 0.0, False, ""))
    assert p95_result(data)["dataSufficiency"] == "no data: no value (on_no_data of p95)"


def test_relative_criterion_found_past_an_unparsable_one() -> None:
    """An unparsable criterion (Keptn ignores it in warning sets) does not hide a relative one."""
    from slogate.domain.evaluation.slo import CriteriaSet, Objective
    from slogate.domain.evaluation.sufficiency import has_relative_criterion

    pass_set, warning_set = CriteriaSet(("<600",)), CriteriaSet(("bogus", "<=+5%"))
    assert has_relative_criterion(Objective("p95", pass_sets=(pass_set,), warning_sets=(warning_set,)))
    assert not has_relative_criterion(
        Objective("p95", pass_sets=(pass_set,), warning_sets=(CriteriaSet(("x",)),))
    )


def test_nan_traffic_is_below_any_floor() -> None:
    data = run(slo(FLOOR), ("request_count", float("nan")), ("p95", 300.0))
    assert (
        p95_result(data)["dataSufficiency"]
        == "insufficient data: request_count NaN < 100 (traffic floor of p95)"
    )
    assert data["result"] == "warning"


def test_everything_informational_by_no_data_passes_as_keptn_without_pass_criteria() -> None:
    """Nothing left to score gives Keptn's pass with 100; on_no_data does not lower it."""
    text = "objectives:\n  - sli: p95\n    pass: [{criteria: ['<600']}]\n    on_no_data: informational\n"
    data = gate(text + "total_score: {pass: '90%'}\n")
    assert (data["result"], data["evaluation"]["score"]) == ("pass", 100)
    assert data["message"] == f"no data: {NO_VALUE} (on_no_data of p95)"
