"""The gate end to end: evaluate_gate + encoding give Keptn's exact payloads (§5.6, §7, §8.1)."""

from __future__ import annotations

import base64
import textwrap
from typing import Any

import pytest

from slogate.domain.evaluation.gate import NO_OBJECTIVES_MESSAGE, SLOFile, evaluate_gate
from slogate.domain.protocol.gate_events import SLIValue
from slogate.domain.protocol.gate_json import encode_evaluation_finished
from tests.unit.conftest import TOTAL_90_75, failed, gate, sli_results, stored

START, END = "2024-01-01T10:00:00.000Z", "2024-01-01T10:05:00.000Z"

FULL_SLO = """
spec_version: "1.0"
comparison:
  compare_with: single_result
  include_result_with_score: pass
  aggregate_function: avg
objectives:
  - sli: response_time_p95
    displayName: Response time P95
    pass:
      - criteria:
          - "<=+10%"
          - "<600"
    warning:
      - criteria:
          - "<=800"
  - sli: throughput
  - sli: error_rate
    weight: 2
    key_sli: true
    pass:
      - criteria: ["<=1"]
total_score:
  pass: "90%"
  warning: "75%"
"""

SIMPLE_SLO = (
    """
objectives:
  - sli: rt
    displayName: Response time
    pass:
      - criteria: ["<100"]
    warning:
      - criteria: ["<200"]
  - sli: errors
    pass:
      - criteria: ["<1"]
"""
    + TOTAL_90_75
)


def b64(text: str) -> str:
    """Base64 of a text, as sloFileContent carries it."""
    return base64.b64encode(textwrap.dedent(text).encode()).decode()


def errored_payload(message: str, evaluation_result: str, content: str = "") -> dict[str, Any]:
    """An errored evaluation.finished of the demo service (built fresh, §8.1)."""
    return {
        "project": "sockshop",
        "stage": "staging",
        "service": "carts",
        "status": "errored",
        "result": "fail",
        "message": message,
        "evaluation": {
            "timeStart": START,
            "timeEnd": END,
            "result": evaluation_result,
            "score": 0.0,
            "sloFileContent": content,
            "indicatorResults": None,
        },
    }


def test_full_payload() -> None:
    """A complete evaluation: labels, warning verdict, info objective, key SLI, comparedEvents, base64 SLO."""
    payload = gate(
        FULL_SLO,
        ("response_time_p95", 560.0),
        ("throughput", 20.0),
        ("error_rate", 0.0),
        history=(stored("prev", ("response_time_p95", 500.0)),),
        labels=(("buildId", "1"),),
    )
    assert payload == {
        "project": "sockshop",
        "stage": "staging",
        "service": "carts",
        "labels": {"buildId": "1"},
        "status": "succeeded",
        "result": "warning",
        "message": "Evaluation returned a warning: the calculated score of 83.33333333333334 "
        "is close to the warning target value of 75",
        "evaluation": {
            "timeStart": START,
            "timeEnd": END,
            "result": "warning",
            "score": 83.33333333333334,
            "sloFileContent": b64(FULL_SLO),
            "indicatorResults": [
                {
                    "score": 0.5,
                    "value": {
                        "metric": "response_time_p95",
                        "value": 560.0,
                        "comparedValue": 500.0,
                        "success": True,
                    },
                    "displayName": "Response time P95",
                    "passTargets": [
                        {"criteria": "<=+10%", "targetValue": 550.0, "violated": True},
                        {"criteria": "<600", "targetValue": 600.0, "violated": False},
                    ],
                    "warningTargets": [{"criteria": "<=800", "targetValue": 800.0, "violated": False}],
                    "keySli": False,
                    "status": "warning",
                },
                {
                    "score": 0.0,
                    "value": {"metric": "throughput", "value": 20.0, "comparedValue": 0.0, "success": True},
                    "displayName": "",
                    "passTargets": [],
                    "warningTargets": [],
                    "keySli": False,
                    "status": "info",
                },
                {
                    "score": 2.0,
                    "value": {"metric": "error_rate", "value": 0.0, "comparedValue": 0.0, "success": True},
                    "displayName": "",
                    "passTargets": [{"criteria": "<=1", "targetValue": 1.0, "violated": False}],
                    "warningTargets": None,
                    "keySli": True,
                    "status": "pass",
                },
            ],
            "comparedEvents": ["prev"],
        },
    }


def test_passing_evaluation_has_no_message() -> None:
    """A pass without additional SLIs carries no message field; no comparedEvents without history."""
    payload = gate(SIMPLE_SLO, ("rt", 50.0), ("errors", 0.0))
    assert (payload["status"], payload["result"], payload["evaluation"]["result"]) == (
        "succeeded",
        "pass",
        "pass",
    )
    assert payload["evaluation"]["score"] == 100.0
    assert "message" not in payload
    assert "comparedEvents" not in payload["evaluation"]
    assert "labels" not in payload


def test_slo_file_content_is_the_raw_text() -> None:
    """sloFileContent is base64 of the text as written (comments and spacing kept), not a re-serialisation."""
    text = "# my gate\nobjectives:\n  - sli:   rt   # trailing comment\ntotal_score: {pass: '90%'}\n"
    event = evaluate_gate(sli_results(("rt", 1.0)), SLOFile(text, None), ())
    slo_payload = gate(text, ("rt", 1.0))
    assert base64.b64decode(slo_payload["evaluation"]["sloFileContent"]).decode() == text
    assert event.evaluation.slo_file_content == ""


# --- §8.1 rows ---------------------------------------------------------------------------------------


def test_get_sli_aborted() -> None:
    """get-sli status aborted: errored, data.result fail, evaluation.result pass, score 0."""
    payload = gate(SIMPLE_SLO, ("rt", 1.0), status="aborted")
    assert payload == errored_payload("evaluation performed by lighthouse was aborted", "pass")


def test_get_sli_errored() -> None:
    """get-sli status errored: errored, fail, evaluation.result pass, message quotes the get-sli message."""
    payload = gate(SIMPLE_SLO, status="errored", result="fail", message="prometheus down")
    assert payload == errored_payload(
        "evaluation performed by lighthouse received an unexpected error: prometheus down", "pass"
    )


def test_get_sli_abort_is_checked_before_the_slo() -> None:
    """An aborted get-sli wins over a missing SLO file."""
    assert gate(None, status="aborted")["message"] == "evaluation performed by lighthouse was aborted"


def test_no_slo_file() -> None:
    """No SLO file: succeeded, pass, evaluation pass/0, no indicator results, empty sloFileContent."""
    payload = gate(None, ("rt", 1.0))
    assert payload == {
        "project": "sockshop",
        "stage": "staging",
        "service": "carts",
        "status": "succeeded",
        "result": "pass",
        "message": "no evaluation performed by lighthouse because no SLO file configured "
        "for project sockshop",
        "evaluation": {
            "timeStart": START,
            "timeEnd": END,
            "result": "pass",
            "score": 0.0,
            "sloFileContent": "",
            "indicatorResults": None,
        },
    }


def test_no_slo_file_with_failed_get_sli_still_passes() -> None:
    """The no-SLO row comes before the get-sli result override: the result stays pass."""
    assert gate(None, result="fail", message="x")["result"] == "pass"


def test_unparsable_slo() -> None:
    """An SLO text that does not parse: errored, fail, fail/0, empty sloFileContent."""
    event = evaluate_gate(sli_results(("rt", 1.0)), SLOFile("invalid", None), ())
    assert encode_evaluation_finished(event) == errored_payload(
        "Could not parse SLO file for service carts in stage staging in project sockshop", "fail"
    )


def test_invalid_pass_criterion() -> None:
    """An unparsable pass criterion: status succeeded, result fail, fail/0, no indicator results."""
    slo = "objectives:\n  - sli: rt\n    pass:\n      - criteria: ['<10abc']\n" + TOTAL_90_75
    payload = gate(slo, ("rt", 1.0))
    assert payload == {
        "project": "sockshop",
        "stage": "staging",
        "service": "carts",
        "status": "succeeded",
        "result": "fail",
        "message": "error with rt: could not parse criteria target value",
        "evaluation": {
            "timeStart": START,
            "timeEnd": END,
            "result": "fail",
            "score": 0.0,
            "sloFileContent": "",
            "indicatorResults": None,
        },
    }


def test_invalid_pass_criterion_is_checked_before_total_score() -> None:
    """An invalid pass criterion fails the evaluation even when total_score is also missing."""
    slo = "objectives:\n  - sli: rt\n    displayName: RT\n    pass:\n      - criteria: ['?']\n"
    payload = gate(slo, ("rt", 1.0))
    assert (payload["status"], payload["message"]) == ("succeeded", "error with RT: invalid criteria string")


def test_invalid_pass_criterion_of_a_failed_value_is_ignored() -> None:
    """A pass criterion is only parsed for a valid value: with the SLI missing there is no error."""
    slo = "objectives:\n  - sli: rt\n    pass:\n      - criteria: ['<10abc', '<5']\n" + TOTAL_90_75
    payload = gate(slo)
    assert payload["status"] == "succeeded"
    assert payload["evaluation"]["indicatorResults"][0]["passTargets"] == [
        {"criteria": "<5", "targetValue": 5.0, "violated": True}
    ]


@pytest.mark.parametrize(
    ("total_score", "message"),
    [
        pytest.param("", "no target score defined", id="missing"),
        pytest.param("total_score:\n  warning: '75%'\n", "no target score defined", id="pass-missing"),
        pytest.param("total_score:\n  pass: bla\n", "could not parse pass target percentage", id="pass-bla"),
        pytest.param(
            "total_score:\n  pass: '90%'\n  warning: bla\n",
            "could not parse warning target percentage",
            id="warning-bla",
        ),
    ],
)
def test_total_score_problems_are_errored(total_score: str, message: str) -> None:
    """total_score problems: errored, fail, fail/0, no indicator results, sloFileContent set."""
    slo = "objectives:\n  - sli: rt\n    pass:\n      - criteria: ['<10']\n" + total_score
    assert gate(slo, ("rt", 1.0)) == errored_payload(message, "fail", b64(slo))


def test_total_score_problem_without_objectives_is_errored() -> None:
    """Step 7.1.1 comes before the no-objectives override: no objectives and no total_score is errored."""
    assert gate("objectives: []\n") == errored_payload(
        "no target score defined", "fail", b64("objectives: []\n")
    )


# --- §7.2 post-processing overrides ---------------------------------------------------------------------


def test_no_objectives() -> None:
    """No objectives: data.result fail with the fixed message; evaluation.result from score 0 of 100."""
    payload = gate("objectives: []\n" + TOTAL_90_75, ("rt", 1.0))
    assert payload["status"] == "succeeded"
    assert (payload["result"], payload["message"]) == ("fail", NO_OBJECTIVES_MESSAGE)
    assert NO_OBJECTIVES_MESSAGE == "lighthouse failed because no SLO objective was provided"
    assert (payload["evaluation"]["result"], payload["evaluation"]["score"]) == ("fail", 0.0)
    assert payload["evaluation"]["indicatorResults"] is None


def test_no_objectives_with_zero_pass_target_keeps_evaluation_pass() -> None:
    """With pass target 0 the computed evaluation.result of score 0 is pass; data.result is still fail."""
    payload = gate("total_score: {pass: '0'}\n")
    assert (payload["result"], payload["evaluation"]["result"]) == ("fail", "pass")


def test_no_objectives_beats_get_sli_failure() -> None:
    """The overrides apply in order, first match only: no objectives wins over get-sli fail."""
    payload = gate("objectives: []\n" + TOTAL_90_75, result="fail", message="x")
    assert payload["message"] == NO_OBJECTIVES_MESSAGE


def test_get_sli_result_fail_only_flips_data_result() -> None:
    """get-sli result fail: data.result fail with its message; evaluation.result and score keep pass/100."""
    payload = gate(SIMPLE_SLO, ("rt", 50.0), ("errors", 0.0), result="fail", message="2 of 3 queries failed")
    assert payload["status"] == "succeeded"
    assert payload["result"] == "fail"
    assert payload["message"] == "lighthouse failed because SLI failed with message 2 of 3 queries failed"
    assert (payload["evaluation"]["result"], payload["evaluation"]["score"]) == ("pass", 100.0)


def test_get_sli_result_warning_has_no_effect() -> None:
    """A get-sli result of warning changes nothing."""
    assert gate(SIMPLE_SLO, ("rt", 50.0), ("errors", 0.0), result="warning") == gate(
        SIMPLE_SLO, ("rt", 50.0), ("errors", 0.0)
    )


# --- §7.1 steps 2-6 end to end ---------------------------------------------------------------------------


def test_no_scored_objectives_pass_with_100() -> None:
    """Maximum achievable score 0 (only info objectives): pass, score 100, thresholds ignored."""
    payload = gate("objectives:\n  - sli: rt\n  - sli: other\ntotal_score: {pass: '101'}\n", ("rt", 1.0))
    assert (payload["result"], payload["evaluation"]["result"], payload["evaluation"]["score"]) == (
        "pass",
        "pass",
        100.0,
    )
    assert [r["status"] for r in payload["evaluation"]["indicatorResults"]] == ["info", "info"]
    assert payload["evaluation"]["indicatorResults"][1]["value"] is None


def test_weights_summing_to_zero_pass_with_100() -> None:
    """Negative weights are kept; a maximum of 0 is the 'no scored objectives' case: pass, 100."""
    slo = (
        "objectives:\n  - sli: a\n    pass: [{criteria: ['<1']}]\n"
        "  - sli: b\n    weight: -1\n    pass: [{criteria: ['<1']}]\n" + TOTAL_90_75
    )
    payload = gate(slo, ("a", 5.0), ("b", 5.0))
    assert (payload["result"], payload["evaluation"]["score"]) == ("pass", 100.0)


def test_negative_weight_lowers_the_maximum() -> None:
    """A negative weight is kept and lowers the maximum: weight 3 passing of maximum 3 - 1 scores 150."""
    slo = (
        "objectives:\n  - sli: a\n    weight: 3\n    pass: [{criteria: ['<1']}]\n"
        "  - sli: b\n    weight: -1\n    pass: [{criteria: ['<1']}]\n" + TOTAL_90_75
    )
    payload = gate(slo, ("a", 0.0), ("b", 5.0))
    assert payload["evaluation"]["score"] == 150.0
    assert payload["result"] == "pass"


def test_failed_value_objectives_count_in_the_maximum() -> None:
    """A failed-SLI objective is part of the maximum (score 0) while info objectives are not."""
    slo = (
        "objectives:\n  - sli: a\n    pass: [{criteria: ['<1']}]\n"
        "  - sli: b\n    pass: [{criteria: ['<1']}]\n  - sli: c\n" + TOTAL_90_75
    )
    payload = gate(slo, ("a", 0.0), ("c", 3.0))
    assert payload["evaluation"]["score"] == 50.0
    assert (
        payload["message"]
        == "Evaluation failed since the calculated score of 50 is below the warning value of 75"
    )


def test_fail_without_warning_threshold() -> None:
    """Without a warning threshold a low score fails 'below the target value'."""
    slo = "objectives:\n  - sli: a\n    pass: [{criteria: ['<1']}]\ntotal_score: {pass: 90}\n"
    payload = gate(slo, ("a", 5.0))
    assert payload["result"] == "fail"
    assert (
        payload["message"]
        == "Evaluation failed since the calculated score of 0 is below the target value of 90"
    )


def test_key_sli_failure_message_end_to_end() -> None:
    """A failed key SLI fails the gate even at a score above the pass target, naming its displayName."""
    slo = (
        "objectives:\n"
        + "".join(f"  - sli: s{i}\n    pass: [{{criteria: ['<1']}}]\n" for i in range(19))
        + "  - sli: key\n    displayName: Key one\n    key_sli: true\n    pass: [{criteria: ['<1']}]\n"
        + TOTAL_90_75
    )
    values = [(f"s{i}", 0.0) for i in range(19)] + [("key", 5.0)]
    payload = gate(slo, *values)
    assert payload["evaluation"]["score"] == 95.0
    assert (payload["result"], payload["evaluation"]["result"]) == ("fail", "fail")
    assert payload["message"] == (
        "Evaluation failed due to key_sli objective 'Key one': failed evaluation with score 0.000000"
    )


def test_last_failing_key_sli_is_named() -> None:
    """With several failing key SLIs the message names the last one in file order (slogate's decision)."""
    slo = (
        "objectives:\n"
        "  - sli: a\n    displayName: First\n    key_sli: true\n    pass: [{criteria: ['<1']}]\n"
        "  - sli: b\n    displayName: Second\n    key_sli: true\n    pass: [{criteria: ['<1']}]\n"
        "total_score: {pass: 90}\n"
    )
    assert gate(slo, ("a", 5.0))["message"] == (
        "Evaluation failed due to key_sli objective 'Second': no value received from SLI provider"
    )


# --- §5.6 additional SLIs --------------------------------------------------------------------------------

ADDITIONAL = (
    "Lighthouse received additional SLIs, which are not specified as SLO: {} . "
    "Please consider using them as an SLO."
)


def test_additional_slis_message_in_pool_order() -> None:
    """Unconsumed values are listed in pool order after removals (the last value fills a taken place)."""
    payload = gate(SIMPLE_SLO, ("rt", 50.0), ("x1", 1.0), ("x2", 1.0), ("errors", 0.0), ("x3", 1.0))
    assert payload["result"] == "pass"
    assert payload["message"] == ADDITIONAL.format("x3, x1, x2")


def test_additional_slis_message_survives_no_scored_objectives() -> None:
    """The additional-SLIs message is kept when the gate passes with maximum 0."""
    payload = gate("objectives:\n  - sli: rt\n" + TOTAL_90_75, ("rt", 1.0), ("extra", 1.0))
    assert payload["message"] == ADDITIONAL.format("extra")


@pytest.mark.parametrize(
    ("values", "fields", "message_start"),
    [
        pytest.param([("rt", 150.0), ("errors", 0.0)], {}, "Evaluation returned a warning", id="warning"),
        pytest.param([("rt", 500.0), ("errors", 5.0)], {}, "Evaluation failed since", id="fail"),
        pytest.param(
            [("rt", 50.0), ("errors", 0.0)],
            {"result": "fail"},
            "lighthouse failed because SLI",
            id="forced-fail",
        ),
    ],
)
def test_additional_slis_message_is_overwritten(
    values: list[tuple[str, float]], fields: dict[str, Any], message_start: str
) -> None:
    """Warning, fail and forced-fail messages replace the additional-SLIs message."""
    payload = gate(SIMPLE_SLO, *values, ("extra", 1.0), **fields)
    assert payload["message"].startswith(message_start)


# --- value matching and null vs [] (§5.1, §9) -------------------------------------------------------------


def test_second_objective_on_same_sli_gets_no_value() -> None:
    """Two objectives on one SLI: the second fails with 'no value received from SLI provider'."""
    slo = "objectives:\n" + "  - sli: rt\n    pass: [{criteria: ['<100']}]\n" * 2 + TOTAL_90_75
    results = gate(slo, ("rt", 1.0))["evaluation"]["indicatorResults"]
    assert [r["status"] for r in results] == ["pass", "fail"]
    assert results[1]["value"] == {
        "metric": "rt",
        "value": 0.0,
        "comparedValue": 0.0,
        "success": False,
        "message": "no value received from SLI provider",
    }


@pytest.mark.parametrize(
    ("objective", "value", "expected"),
    [
        pytest.param(
            "    pass: [{criteria: ['<5']}]\n", ("rt", 1.0), ([{}], None), id="scored-no-warning-null"
        ),
        pytest.param(
            "    pass: [{criteria: ['<5']}]\n    warning: [{criteria: ['<x']}]\n",
            ("rt", 1.0),
            ([{}], []),
            id="scored-invalid-warning-empty",
        ),
        pytest.param("    warning: [{criteria: ['<5']}]\n", ("rt", 1.0), ([], [{}]), id="info"),
        pytest.param("", ("rt", 1.0), ([], []), id="info-no-criteria"),
        pytest.param("    pass: [{criteria: ['<5']}]\n", failed("rt"), ([{}], []), id="failed-value"),
    ],
)
def test_null_versus_empty_target_lists(
    objective: str, value: tuple[str, float] | SLIValue, expected: tuple[list[Any], list[Any] | None]
) -> None:
    """§9: warningTargets null only for a scored objective with a valid value and no warning criteria."""
    result = gate("objectives:\n  - sli: rt\n" + objective + TOTAL_90_75, value)["evaluation"][
        "indicatorResults"
    ][0]
    shape: tuple[list[Any], list[Any] | None] = (
        [{} for _ in result["passTargets"]],
        None if result["warningTargets"] is None else [{} for _ in result["warningTargets"]],
    )
    assert shape == expected
