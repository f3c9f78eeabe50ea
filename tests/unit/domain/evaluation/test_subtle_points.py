"""The ten subtle points of §10, one end-to-end test each."""

from __future__ import annotations

from typing import Any

from tests.unit.conftest import TOTAL_90_75, failed, gate, stored


def _results(payload: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = payload["evaluation"]["indicatorResults"]
    return results


RELATIVE_SLO = (
    """
comparison:
  compare_with: several_results
  number_of_comparison_results: 3
objectives:
  - sli: rt
    pass:
      - criteria: ["<=+10%"]
  - sli: errors
    pass:
      - criteria: ["<=-5"]
"""
    + TOTAL_90_75
)


def test_subtle_01_relative_criteria_without_usable_history_pass() -> None:
    """Relative criteria pass (target 0) when no history has a successful value of that SLI."""
    history = (stored("h1", ("errors", 10.0), failed("rt")), stored("h2", ("other", 1.0)))
    payload = gate(RELATIVE_SLO, ("rt", 1000.0), ("errors", 7.0), history=history)
    rt, errors = _results(payload)
    assert rt["status"] == "pass"
    assert rt["passTargets"] == [{"criteria": "<=+10%", "targetValue": 0.0, "violated": False}]
    assert rt["value"]["comparedValue"] == 0.0
    # the other objective does have history: 7 > 10 - 5 fails
    assert errors["status"] == "fail"
    assert errors["passTargets"] == [{"criteria": "<=-5", "targetValue": 5.0, "violated": True}]
    assert payload["evaluation"]["comparedEvents"] == ["h1", "h2"]
    assert gate(RELATIVE_SLO, ("rt", 1000.0), ("errors", 1000.0))["result"] == "pass"


def test_subtle_02_history_filter_uses_event_result_and_slots() -> None:
    """pass filter uses data.result; invalidated events are dropped; value-less events still take a slot."""
    slo = RELATIVE_SLO.replace("number_of_comparison_results: 3", "number_of_comparison_results: 2").replace(
        "comparison:\n", "comparison:\n  include_result_with_score: pass\n"
    )
    history = (
        stored("invalidated", ("rt", 1.0), invalidated=True),
        stored("sli-failed", ("rt", 2.0), result="fail"),
        stored("no-slo-file"),
        stored("used-never", ("rt", 100.0)),
    )
    payload = gate(slo, ("rt", 1000.0), ("errors", 0.0), history=history)
    assert payload["evaluation"]["comparedEvents"] == ["no-slo-file", "used-never"]
    assert _results(payload)[0]["passTargets"][0]["targetValue"] == 110.0
    everything = slo.replace("include_result_with_score: pass", "include_result_with_score: all")
    payload = gate(everything, ("rt", 1.0), ("errors", 0.0), history=history)
    assert payload["evaluation"]["comparedEvents"] == ["sli-failed", "no-slo-file"]


def test_subtle_03_comparison_defaults_depend_on_block_presence() -> None:
    """No comparison block compares with 1 result; a partial block with 3, even without compare_with."""
    objectives = "objectives:\n  - sli: rt\n    pass: [{criteria: ['<=+10%']}]\n" + TOTAL_90_75
    history = tuple(stored(f"h{i}", ("rt", 10.0 * (i + 1))) for i in range(5))
    absent = gate(objectives, ("rt", 1.0), history=history)
    assert absent["evaluation"]["comparedEvents"] == ["h0"]
    assert _results(absent)[0]["value"]["comparedValue"] == 10.0
    partial = gate(
        "comparison:\n  number_of_comparison_results: 1\n" + objectives, ("rt", 1.0), history=history
    )
    assert partial["evaluation"]["comparedEvents"] == ["h0", "h1", "h2"]
    assert _results(partial)[0]["value"]["comparedValue"] == 20.0
    several = gate(
        "comparison:\n  compare_with: several_results\n" + objectives, ("rt", 1.0), history=history
    )
    assert several["evaluation"]["comparedEvents"] == ["h0", "h1", "h2"]


def test_subtle_04_unknown_aggregate_function_is_baseline_zero() -> None:
    """An unknown aggregate function (AVG) gives baseline 0, not an error and not a skip."""
    slo = RELATIVE_SLO.replace("number_of_comparison_results: 3", "aggregate_function: AVG")
    payload = gate(slo, ("rt", 1.0), ("errors", 0.0), history=(stored("h", ("rt", 50.0), ("errors", 0.0)),))
    rt, errors = _results(payload)
    assert rt["passTargets"] == [{"criteria": "<=+10%", "targetValue": 0.0, "violated": True}]
    assert rt["status"] == "fail"
    assert errors["passTargets"] == [{"criteria": "<=-5", "targetValue": -5.0, "violated": True}]
    assert payload["status"] == "succeeded"


def test_subtle_05_unevaluated_targets_are_violated() -> None:
    """Failed SLIs list relative targets as the raw baseline, all violated; info warnings too."""
    slo = (
        "objectives:\n"
        "  - sli: rt\n    pass: [{criteria: ['<=+10%', '<600']}]\n    warning: [{criteria: ['<=-5']}]\n"
        "  - sli: info\n    warning: [{criteria: ['>=+10%', '<1']}]\n" + TOTAL_90_75
    )
    history = (stored("h", ("rt", 200.0), ("info", 40.0)),)
    rt, info = _results(gate(slo, failed("rt", "timeout"), ("info", 0.0), history=history))
    assert rt["status"] == "fail"
    assert rt["passTargets"] == [
        {"criteria": "<=+10%", "targetValue": 200.0, "violated": True},
        {"criteria": "<600", "targetValue": 600.0, "violated": True},
    ]
    assert rt["warningTargets"] == [{"criteria": "<=-5", "targetValue": 200.0, "violated": True}]
    assert info["status"] == "info"
    assert info["passTargets"] == []
    assert info["warningTargets"] == [
        {"criteria": ">=+10%", "targetValue": 40.0, "violated": True},
        {"criteria": "<1", "targetValue": 1.0, "violated": True},
    ]


def test_subtle_06_one_sli_value_feeds_one_objective() -> None:
    """Two objectives on one SLI: only the first gets the value; the second fails without one."""
    slo = (
        "objectives:\n  - sli: rt\n    displayName: A\n    pass: [{criteria: ['<5']}]\n"
        "  - sli: rt\n    displayName: B\n    pass: [{criteria: ['<5']}]\n" + TOTAL_90_75
    )
    payload = gate(slo, ("rt", 1.0))
    first, second = _results(payload)
    assert (first["status"], second["status"]) == ("pass", "fail")
    assert second["value"]["message"] == "no value received from SLI provider"
    assert payload["evaluation"]["score"] == 50.0
    both = gate(slo, ("rt", 1.0), ("rt", 2.0))
    assert [r["value"]["value"] for r in _results(both)] == [1.0, 2.0]


def test_subtle_07_invalid_criteria_and_total_score_outcomes() -> None:
    """Invalid pass -> fail/succeeded; invalid warning -> ignored; invalid total_score -> errored."""
    bad_pass = "objectives:\n  - sli: rt\n    pass: [{criteria: ['<=10 ms']}]\n" + TOTAL_90_75
    payload = gate(bad_pass, ("rt", 1.0))
    assert (payload["status"], payload["result"]) == ("succeeded", "fail")
    assert payload["message"] == "error with rt: could not parse criteria target value"
    bad_warning = (
        "objectives:\n  - sli: rt\n    pass: [{criteria: ['<1']}]\n    warning: [{criteria: ['<=10 ms']}]\n"
        + TOTAL_90_75
    )
    payload = gate(bad_warning, ("rt", 5.0))
    assert (payload["status"], payload["result"]) == ("succeeded", "fail")
    assert _results(payload)[0]["warningTargets"] == []
    bad_total = "objectives:\n  - sli: rt\n    pass: [{criteria: ['<1']}]\ntotal_score: {pass: bla}\n"
    payload = gate(bad_total, ("rt", 0.0))
    assert (payload["status"], payload["result"]) == ("errored", "fail")
    assert payload["message"] == "could not parse pass target percentage"


def test_subtle_08_get_sli_outcomes_and_evaluation_result() -> None:
    """get-sli fail flips only data.result; aborted/errored get-sli leave evaluation.result at pass."""
    slo = "objectives:\n  - sli: rt\n    pass: [{criteria: ['<1']}]\n" + TOTAL_90_75
    failed_sli = gate(slo, ("rt", 0.0), result="fail", message="boom")
    assert (failed_sli["result"], failed_sli["evaluation"]["result"], failed_sli["evaluation"]["score"]) == (
        "fail",
        "pass",
        100.0,
    )
    for status in ("aborted", "errored"):
        payload = gate(slo, ("rt", 0.0), status=status)
        assert (payload["status"], payload["result"]) == ("errored", "fail")
        assert (payload["evaluation"]["result"], payload["evaluation"]["score"]) == ("pass", 0.0)


def test_subtle_09_key_sli_rules() -> None:
    """Key-SLI failure beats any score; key SLI in warning is fine; a missing one names its displayName."""
    slo = (
        "objectives:\n"
        "  - sli: big\n    weight: 100\n    pass: [{criteria: ['<1']}]\n"
        "  - sli: key\n    key_sli: true\n    pass: [{criteria: ['<1']}]\n    warning: [{criteria: ['<5']}]\n"
        "total_score: {pass: 50}\n"
    )
    failing = gate(slo, ("big", 0.0), ("key", 9.0))
    assert failing["evaluation"]["score"] == 100.0 * (100.0 / 101.0)
    assert failing["result"] == "fail"
    assert (
        failing["message"]
        == "Evaluation failed due to key_sli objective '': failed evaluation with score 0.000000"
    )
    warning = gate(slo, ("big", 0.0), ("key", 3.0))
    assert warning["result"] == "pass"
    missing = gate(slo.replace("key_sli: true", "key_sli: true\n    displayName: Key"), ("big", 0.0))
    assert missing["result"] == "fail"
    assert (
        missing["message"]
        == "Evaluation failed due to key_sli objective 'Key': no value received from SLI provider"
    )
    assert _results(missing)[1]["keySli"] is False
    no_name = gate(slo, ("big", 0.0))
    assert (
        no_name["message"]
        == "Evaluation failed due to key_sli objective '': no value received from SLI provider"
    )


def test_subtle_10_scores_are_unrounded_and_printed_go_style() -> None:
    """Scores stay unrounded doubles (66.66666666666666) and messages print them Go-style (50, not 50.0)."""
    three = "objectives:\n" + "".join(f"  - sli: s{i}\n    pass: [{{criteria: ['<1']}}]\n" for i in range(3))
    thirds = gate(three + "total_score: {pass: 90, warning: 50.0}\n", ("s0", 0.0), ("s1", 0.0), ("s2", 5.0))
    assert thirds["evaluation"]["score"] == 66.66666666666666
    assert thirds["message"] == (
        "Evaluation returned a warning: the calculated score of 66.66666666666666 "
        "is close to the warning target value of 50"
    )
    two = "objectives:\n" + "".join(f"  - sli: s{i}\n    pass: [{{criteria: ['<1']}}]\n" for i in range(2))
    half = gate(two + "total_score: {pass: 90.0}\n", ("s0", 0.0), ("s1", 5.0))
    assert half["evaluation"]["score"] == 50.0
    assert (
        half["message"]
        == "Evaluation failed since the calculated score of 50 is below the target value of 90"
    )
