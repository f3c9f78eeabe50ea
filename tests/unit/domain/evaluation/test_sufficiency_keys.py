"""The data-sufficiency keys in slo.yaml: parsed and typed, typos and bad values reported by path."""

from __future__ import annotations

import pytest

from slogate.domain.evaluation.lint import lint_slo
from slogate.domain.evaluation.slo import DataPolicy, TrafficFloor
from slogate.domain.problems import Problem, Severity
from tests.unit.conftest import parse_with_notes, yaml_slo

HEAD = (
    "comparison: {compare_with: several_results, number_of_comparison_results: 3}\n"
    "objectives:\n  - sli: request_count\n  - sli: p95\n    pass: [{criteria: ['<=+10%', '<600']}]\n"
)
TAIL = "total_score: {pass: '90%'}\n"


def doc(policy: str, top: str = "") -> str:
    return HEAD + "".join(f"    {line}\n" for line in policy.split("\n") if line) + TAIL + top


def test_keys_are_parsed_typed() -> None:
    slo = yaml_slo(
        doc(
            "on_no_data: warning\nmin_comparison_results: 3\n"
            "traffic_floor: {sli: request_count, min: 100}\non_insufficient: fail",
            "sufficiency: {on_insufficient: fail}\n",
        )
    )
    assert slo.objectives[1].policy == DataPolicy("warning", 3, TrafficFloor("request_count", 100.0), "fail")
    assert slo.on_insufficient == "fail"


def test_defaults() -> None:
    """Without keys: no policy (Keptn); with any key the others default to Keptn's behaviour,
    on_insufficient to informational and the SLO's rule to warning."""
    plain = yaml_slo(doc(""))
    assert [o.policy for o in plain.objectives] == [None, None]
    assert plain.on_insufficient == "warning"
    some = yaml_slo(doc("min_comparison_results: 2", "sufficiency: {}\n"))
    assert some.objectives[1].policy == DataPolicy(None, 2, None, "informational")
    assert some.on_insufficient == "warning"
    assert yaml_slo(doc("on_no_data: ~\nmin_comparison_results: 2.0")).objectives[1].policy == DataPolicy(
        min_comparison_results=2
    )


def test_keys_are_not_unknown() -> None:
    _, notes = parse_with_notes(
        doc(
            "on_no_data: pass\nmin_comparison_results: 1\ntraffic_floor: {sli: request_count, min: 0}\n"
            "on_insufficient: pass",
            "sufficiency: {on_insufficient: pass}\n",
        )
    )
    assert notes == ()


@pytest.mark.parametrize(
    ("policy", "top", "expected"),
    [
        pytest.param(
            "on_nodata: pass", "", "objectives[1].on_nodata: unknown key 'on_nodata'", id="on_nodata"
        ),
        pytest.param(
            "traffic_flor: {sli: request_count, min: 1}",
            "",
            "(did you mean 'traffic_floor'?)",
            id="traffic_flor",
        ),
        pytest.param(
            "traffic_floor: {sli: request_count, min: 1, mins: 2}",
            "",
            "objectives[1].traffic_floor.mins: unknown key 'mins' is ignored by Keptn (did you mean 'min'?)",
            id="floor-key",
        ),
        pytest.param(
            "", "sufficency: {on_insufficient: pass}\n", "(did you mean 'sufficiency'?)", id="sufficency"
        ),
        pytest.param(
            "",
            "sufficiency: {on_insuficient: pass}\n",
            "(did you mean 'on_insufficient'?)",
            id="on_insuficient",
        ),
    ],
)
def test_typos_are_noted_with_a_suggestion(policy: str, top: str, expected: str) -> None:
    _, notes = parse_with_notes(doc(policy, top))
    assert len(notes) == 1
    assert expected in str(notes[0])
    assert notes[0].severity == Severity.ERROR  # slo lint rejects it


@pytest.mark.parametrize(
    ("policy", "top", "expected"),
    [
        pytest.param(
            "on_no_data: warn",
            "",
            "objectives[1].on_no_data: 'warn' is not one of fail, warning, pass, informational "
            "(did you mean 'warning'?)",
            id="rule-word",
        ),
        pytest.param(
            "on_insufficient: ignore",
            "",
            "objectives[1].on_insufficient: 'ignore' is not one of fail, warning, pass, informational",
            id="insufficient-word",
        ),
        pytest.param(
            "",
            "sufficiency: {on_insufficient: informational}\n",
            "sufficiency.on_insufficient: 'informational' is not one of pass, warning, fail",
            id="overall-word",
        ),
        pytest.param(
            "min_comparison_results: -1",
            "",
            "objectives[1].min_comparison_results: -1 is negative; "
            "write how many previous results a relative criterion needs, e.g. 3 (0 or no key: no minimum)",
            id="negative-comparisons",
        ),
        pytest.param(
            "min_comparison_results: many",
            "",
            "objectives[1].min_comparison_results: must be an integer, found a string 'many'",
            id="comparisons-type",
        ),
        pytest.param(
            "traffic_floor: {sli: request_count, min: -5}",
            "",
            "objectives[1].traffic_floor.min: -5 is negative; the floor is a minimum such as 100",
            id="negative-floor",
        ),
        pytest.param(
            "traffic_floor: {sli: request_count, min: lots}",
            "",
            "objectives[1].traffic_floor.min: must be a number such as 100, found a string 'lots'",
            id="floor-type",
        ),
        pytest.param(
            "traffic_floor: {sli: request_count}",
            "",
            "objectives[1].traffic_floor.min: missing: the floor needs a minimum, e.g. 'min: 100'",
            id="floor-min-missing",
        ),
        pytest.param(
            "traffic_floor: {min: 5}",
            "",
            "objectives[1].traffic_floor.sli: missing: "
            "name the SLI that counts the traffic, e.g. 'sli: request_count'",
            id="floor-sli-missing",
        ),
        pytest.param(
            "traffic_floor: 100",
            "",
            "objectives[1].traffic_floor: must be a mapping, found a number",
            id="floor-scalar",
        ),
        pytest.param(
            "",
            "sufficiency: warning\n",
            "sufficiency: must be a mapping, found a string",
            id="overall-scalar",
        ),
        pytest.param(
            "traffic_floor: {sli: request_count, min: .nan}",
            "",
            "objectives[1].traffic_floor.min: must be a number such as 100, found a number '.nan'",
            id="floor-nan",
        ),
        pytest.param(
            "traffic_floor: {sli: request_count, min: -.inf}",
            "",
            "objectives[1].traffic_floor.min: must be a number such as 100, found a number '-.inf'",
            id="floor-inf",
        ),
        pytest.param(
            "on_no_data: [pass]",
            "",
            "objectives[1].on_no_data: must be one of fail, warning, pass, informational, found a list",
            id="rule-list",
        ),
        pytest.param(
            "min_comparison_results: 1.0e+300",
            "",
            "objectives[1].min_comparison_results: must be an integer, found a number '1.0e+300'",
            id="comparisons-huge",
        ),
        pytest.param(
            "on_no_data: true", "", "objectives[1].on_no_data: 'true' is not one of", id="rule-boolean"
        ),
    ],
)
def test_bad_values_are_errors_naming_the_path(policy: str, top: str, expected: str) -> None:
    """A wrong value is a lint error naming the path; the file still parses (Keptn ignores the key) and
    the wrong key is ignored: its default applies."""
    slo, notes = parse_with_notes(doc(policy, top))
    assert len(notes) == 1
    assert str(notes[0]).startswith(expected.removesuffix("; ignored until fixed"))
    assert str(notes[0]).endswith("; ignored until fixed")
    assert notes[0].severity == Severity.ERROR
    policy_read = slo.objectives[1].policy
    assert policy_read is None or policy_read == DataPolicy()
    assert slo.on_insufficient == "warning"


def test_a_wrong_value_leaves_the_other_keys() -> None:
    slo, notes = parse_with_notes(doc("on_no_data: pass\non_insufficient: skip\nmin_comparison_results: 2"))
    assert slo.objectives[1].policy == DataPolicy("pass", 2, None, "informational")
    assert len(notes) == 1


def _lint(policy: str, head: str = HEAD) -> list[Problem]:
    return lint_slo(yaml_slo(head + "".join(f"    {line}\n" for line in policy.split("\n")) + TAIL))


def test_lint_accepts_a_sound_policy() -> None:
    assert (
        _lint(
            "on_no_data: warning\nmin_comparison_results: 3\ntraffic_floor: {sli: request_count, min: 100}\n"
            "on_insufficient: warning"
        )
        == []
    )


@pytest.mark.parametrize(
    ("policy", "head", "expected"),
    [
        pytest.param(
            "traffic_floor: {sli: request_cnt, min: 100}",
            HEAD,
            Problem(
                "objectives[1].traffic_floor.sli",
                "'request_cnt' is not the SLI of any objective, so it is never measured; did you mean "
                "'request_count'? add an objective for it (without pass criteria it is informational): "
                "'- sli: request_cnt'",
            ),
            id="unknown-floor-sli",
        ),
        pytest.param(
            "traffic_floor: {sli: zzz, min: 100}",
            HEAD,
            Problem(
                "objectives[1].traffic_floor.sli",
                "'zzz' is not the SLI of any objective, so it is never measured; add an objective for it "
                "(without pass criteria it is informational): '- sli: zzz'",
            ),
            id="unknown-floor-sli-no-hint",
        ),
        pytest.param(
            "traffic_floor: {sli: p95, min: 100}",
            HEAD,
            Problem(
                "objectives[1].traffic_floor.sli",
                "the traffic floor reads the objective's own SLI 'p95'; "
                "name the SLI that counts the traffic, e.g. request_count",
                Severity.WARNING,
            ),
            id="own-sli",
        ),
        pytest.param(
            "min_comparison_results: 4",
            HEAD,
            Problem(
                "objectives[1].min_comparison_results",
                "4 is more than the 3 previous evaluation(s) the comparison takes, "
                "so this objective's data is always insufficient; "
                "raise number_of_comparison_results to at least 4",
            ),
            id="more-than-compared",
        ),
        pytest.param(
            "min_comparison_results: 2",
            HEAD.replace("several_results, number_of_comparison_results: 3", "single_result"),
            Problem(
                "objectives[1].min_comparison_results",
                "2 is more than the 1 previous evaluation(s) the comparison takes, "
                "so this objective's data is always insufficient; "
                "use compare_with: several_results with number_of_comparison_results: 2 or more",
            ),
            id="single-result",
        ),
        pytest.param(
            "min_comparison_results: 2",
            HEAD.replace("'<=+10%', ", ""),
            Problem(
                "objectives[1].min_comparison_results",
                "the objective has no relative criterion (such as '<=+10%'), so this has no effect",
                Severity.WARNING,
            ),
            id="no-relative",
        ),
        pytest.param(
            "on_insufficient: fail",
            HEAD,
            Problem(
                "objectives[1].on_insufficient",
                "has no effect without traffic_floor or min_comparison_results",
                Severity.WARNING,
            ),
            id="rule-without-trigger",
        ),
        pytest.param(
            "",
            HEAD.replace("  - sli: request_count\n", "  - sli: request_count\n    on_no_data: pass\n"),
            Problem(
                "objectives[0]",
                "an objective without pass criteria is informational: "
                "its data-sufficiency keys have no effect",
                Severity.WARNING,
            ),
            id="informational",
        ),
    ],
)
def test_lint_checks_the_values(policy: str, head: str, expected: Problem) -> None:
    assert _lint(policy, head) == [expected]


@pytest.mark.parametrize(
    ("include", "rule", "fix"),
    [
        pytest.param("pass", "", "pass_or_warn", id="pass-only-default-rule"),
        pytest.param("pass", "sufficiency: {on_insufficient: fail}\n", "all", id="pass-only-fail"),
        pytest.param("pass_or_warn", "sufficiency: {on_insufficient: fail}\n", "all", id="warn-fail"),
    ],
)
def test_lint_finds_comparisons_that_never_become_sufficient(include: str, rule: str, fix: str) -> None:
    """The first evaluations end in the rule's result; a comparison that leaves that result out never
    gets the previous results the minimum asks for."""
    head = HEAD.replace(
        "number_of_comparison_results: 3",
        f"number_of_comparison_results: 3, include_result_with_score: {include}",
    )
    problems = lint_slo(yaml_slo(head + "    min_comparison_results: 2\n" + TAIL + rule))
    assert [p.path for p in problems] == ["sufficiency.on_insufficient"]
    assert problems[0].severity == Severity.ERROR
    assert problems[0].message.endswith(
        f"set sufficiency.on_insufficient: pass or include_result_with_score: {fix}"
    )


@pytest.mark.parametrize(
    ("include", "rule"),
    [
        pytest.param("pass", "sufficiency: {on_insufficient: pass}\n", id="rule-pass"),
        pytest.param("pass_or_warn", "", id="warning-kept"),
        pytest.param("all", "sufficiency: {on_insufficient: fail}\n", id="all-kept"),
    ],
)
def test_lint_accepts_comparisons_that_keep_the_rules_result(include: str, rule: str) -> None:
    head = HEAD.replace(
        "number_of_comparison_results: 3",
        f"number_of_comparison_results: 3, include_result_with_score: {include}",
    )
    assert lint_slo(yaml_slo(head + "    min_comparison_results: 2\n" + TAIL + rule)) == []
