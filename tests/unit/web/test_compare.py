"""Two evaluations side by side: values, delta, verdicts and the criteria that flipped."""

from __future__ import annotations

from slogate.web.compare import compare_rows, compare_values, delta_text
from slogate.web.heatmap import score_text
from tests.unit.web.test_heatmap import _evaluated, _result


def test_each_sli_shows_both_values_the_change_both_verdicts_and_what_flipped() -> None:
    older = _evaluated(
        1, "pass", [_result("Latency", "pass", 1.0), _result("Errors", "pass", 0.0)], build="b1"
    )
    newer = _evaluated(
        2, "fail", [_result("Latency", "fail", 2.0, violated=True), _result("Info", "info", 5.0)]
    )
    score, latency, info, errors = compare_rows(older, newer)
    assert (score.value_a, score.value_b, score.delta, score.status_a, score.status_b) == (
        "100",
        "0",
        "-100 (-100.0%)",
        "pass",
        "fail",
    )
    assert (latency.value_a, latency.value_b, latency.delta) == ("1", "2", "+1 (+100.0%)")
    assert latency.flipped == ("pass <=+10%: met → violated",)
    assert latency.changed
    assert (info.value_a, info.status_a, info.value_b, info.status_b) == ("absent", "", "5", "info")
    assert (errors.value_b, errors.delta, errors.flipped) == ("absent", "", ())
    values = compare_values(older, newer)
    assert (values["a"].label, values["b"].label, values["changed"]) == ("b1", "2026-11-26 12:02", 3)
    assert values["same_scope"]


def test_criteria_present_on_one_side_only_and_unreadable_values_are_named() -> None:
    before = _result("Latency", "pass", 1.0)
    after = _result("Latency", "warning", 1.0)
    after["passTargets"] = None
    after["warningTargets"] = [{"criteria": "<=2", "targetValue": 2, "violated": False}]
    after["value"]["success"] = False
    (_, row) = compare_rows(_evaluated(1, "pass", [before]), _evaluated(2, "warning", [after]))
    assert row.value_b == "no value"
    assert row.flipped == ("pass <=+10%: met → absent", "warning <=2: absent → met")


def test_the_delta_is_signed_with_a_percentage_unless_it_starts_at_zero() -> None:
    assert delta_text(0.004, 0.41) == "+0.406 (+10150.0%)"
    assert delta_text(2.0, 2.0) == "0 (+0.0%)"
    assert delta_text(0.0, 3.0) == "+3"
    assert delta_text(None, 3.0) == ""
    assert delta_text(100.0, 66.666666, score_text) == "-33.33 (-33.3%)"  # scores: two decimals
