"""Keptn JSON shapes: get-sli.finished data and history in, evaluation.finished data out (§9)."""

from __future__ import annotations

from typing import Any

import pytest

from slogate.domain.protocol.gate_events import (
    EvaluationDetails,
    EvaluationFinished,
    IndicatorResult,
    SLIResults,
    SLIValue,
    StoredEvaluation,
    Target,
)
from slogate.domain.protocol.gate_json import (
    PayloadError,
    decode_evaluation_finished,
    decode_history,
    decode_sli_results,
    decode_sli_value,
    encode_evaluation_finished,
    encode_sli_value,
)
from tests.unit.conftest import gate, stored

GET_SLI_DATA: dict[str, Any] = {
    "project": "sockshop",
    "stage": "staging",
    "service": "carts",
    "labels": {"buildId": "42"},
    "status": "succeeded",
    "result": "warning",
    "message": "one query was slow",
    "get-sli": {
        "start": "2024-01-01T10:00:00.000Z",
        "end": "2024-01-01T10:05:00.000Z",
        "sliProvider": "prometheus",
        "indicatorValues": [
            {"metric": "rt", "value": 512.5, "success": True},
            {"metric": "errors", "value": 0, "success": False, "message": "no data", "comparedValue": 3},
        ],
    },
}


def test_decode_sli_results() -> None:
    """Every field of the get-sli.finished data is read; integer JSON numbers become floats."""
    assert decode_sli_results(GET_SLI_DATA) == SLIResults(
        project="sockshop",
        stage="staging",
        service="carts",
        labels=(("buildId", "42"),),
        status="succeeded",
        result="warning",
        message="one query was slow",
        start="2024-01-01T10:00:00.000Z",
        end="2024-01-01T10:05:00.000Z",
        values=(
            SLIValue("rt", 512.5, True, "", 0.0),
            SLIValue("errors", 0.0, False, "no data", 3.0),
        ),
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({}, id="empty-object"),
        pytest.param(None, id="null"),
        pytest.param({"status": "", "result": None, "get-sli": None, "labels": None}, id="empty-values"),
    ],
)
def test_decode_sli_results_defaults(data: object) -> None:
    """Missing fields default: status succeeded, result pass, no values."""
    assert decode_sli_results(data) == SLIResults(status="succeeded", result="pass")


def test_decode_value_defaults() -> None:
    """A value object without fields is metric '', value 0, unsuccessful."""
    assert decode_sli_value({}, "v") == SLIValue("", 0.0, False, "", 0.0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param([], "document: must be an object, found an array", id="document-array"),
        pytest.param({"project": 1}, "project: must be a string, found a number", id="project-number"),
        pytest.param({"labels": []}, "labels: must be an object, found an array", id="labels-array"),
        pytest.param({"labels": {"a": 1}}, "labels.a: must be a string, found a number", id="label-number"),
        pytest.param({"get-sli": "x"}, "get-sli: must be an object, found a string", id="get-sli-string"),
        pytest.param(
            {"get-sli": {"indicatorValues": {}}},
            "get-sli.indicatorValues: must be an array, found an object",
            id="values-object",
        ),
        pytest.param(
            {"get-sli": {"indicatorValues": [{"value": "1"}]}},
            "get-sli.indicatorValues[0].value: must be a number, found a string",
            id="value-string",
        ),
        pytest.param(
            {"get-sli": {"indicatorValues": [{"value": True}]}},
            "get-sli.indicatorValues[0].value: must be a number, found a boolean",
            id="value-boolean",
        ),
        pytest.param(
            {"get-sli": {"indicatorValues": [{"success": "true"}]}},
            "get-sli.indicatorValues[0].success: must be true or false, found a string",
            id="success-string",
        ),
        pytest.param(
            {"get-sli": {"indicatorValues": [1]}},
            "get-sli.indicatorValues[0]: must be an object, found a number",
            id="value-number",
        ),
    ],
)
def test_decode_sli_results_errors(data: object, message: str) -> None:
    """Wrongly typed fields raise PayloadError naming the JSON path."""
    with pytest.raises(PayloadError) as raised:
        decode_sli_results(data)
    assert str(raised.value) == message


def test_payload_error_keeps_the_path() -> None:
    """PayloadError exposes the offending path."""
    with pytest.raises(PayloadError) as raised:
        decode_sli_results({"stage": False})
    assert raised.value.path == "stage"


def _stored_entry(**data: Any) -> dict[str, Any]:
    return {"id": "e1", "type": "sh.keptn.event.evaluation.finished", "time": "t", "data": data}


def test_decode_history() -> None:
    """History entries keep id, type, time, scope, result and the values of their indicator results."""
    entry = _stored_entry(
        project="sockshop",
        stage="staging",
        service="carts",
        result="pass",
        evaluation={
            "indicatorResults": [
                {"value": {"metric": "rt", "value": 5, "success": True}},
                {"value": None},
                {"score": 0},
            ]
        },
    )
    assert decode_history([entry, {"id": "e2", "invalidated": True}]) == (
        StoredEvaluation(
            id="e1",
            time="t",
            project="sockshop",
            stage="staging",
            service="carts",
            result="pass",
            indicator_values=(SLIValue("rt", 5.0, True), None, None),
        ),
        StoredEvaluation(id="e2", invalidated=True),
    )


def test_decode_history_indicator_results_null() -> None:
    """An errored previous evaluation with indicatorResults null has no values."""
    entry = _stored_entry(result="fail", evaluation={"indicatorResults": None})
    assert decode_history([entry])[0].indicator_values == ()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("text", id="data-string"),
        pytest.param({"evaluation": []}, id="evaluation-array"),
        pytest.param({"evaluation": {"indicatorResults": [5]}}, id="indicator-number"),
        pytest.param({"evaluation": {"indicatorResults": [{"value": {"value": "x"}}]}}, id="bad-value"),
        pytest.param({"result": 1}, id="result-number"),
    ],
)
def test_undecodable_history_data_is_marked(data: object) -> None:
    """An entry whose data cannot be decoded is kept as undecodable (it takes a slot, §4.2)."""
    decoded = decode_history([{"id": "bad", "data": data}])
    assert decoded == (StoredEvaluation(id="bad", decodable=False),)


@pytest.mark.parametrize(
    ("history", "message"),
    [
        pytest.param({}, "document: must be an array of stored evaluations, found an object", id="object"),
        pytest.param(None, "document: must be an array of stored evaluations, found null", id="null"),
        pytest.param([3], "[0]: must be an object, found a number", id="entry-number"),
        pytest.param([{"id": 3}], "[0].id: must be a string, found a number", id="id-number"),
        pytest.param(
            [{"invalidated": "yes"}], "[0].invalidated: must be true or false, found a string", id="flag"
        ),
    ],
)
def test_decode_history_errors(history: object, message: str) -> None:
    """A history that is not an array of objects with well-typed headers is a PayloadError."""
    with pytest.raises(PayloadError) as raised:
        decode_history(history)
    assert str(raised.value) == message


def _event(**changes: Any) -> EvaluationFinished:
    fields: dict[str, Any] = {
        "project": "p",
        "stage": "s",
        "service": "v",
        "labels": (),
        "status": "succeeded",
        "result": "pass",
        "message": "",
        "evaluation": EvaluationDetails("a", "b", "pass", 100.0),
    }
    fields.update(changes)
    return EvaluationFinished(**fields)


def test_encode_minimal_event_omits_empty_fields() -> None:
    """labels, message and comparedEvents are omitted when empty; indicatorResults is null when none."""
    assert encode_evaluation_finished(_event()) == {
        "project": "p",
        "stage": "s",
        "service": "v",
        "status": "succeeded",
        "result": "pass",
        "evaluation": {
            "timeStart": "a",
            "timeEnd": "b",
            "result": "pass",
            "score": 100.0,
            "sloFileContent": "",
            "indicatorResults": None,
        },
    }


def test_encode_omits_empty_project_stage_service() -> None:
    """project, stage and service are omitted when empty (Go omitempty)."""
    encoded = encode_evaluation_finished(_event(project="", stage="", service=""))
    assert "project" not in encoded
    assert "stage" not in encoded
    assert "service" not in encoded


def test_encode_indicator_results() -> None:
    """Indicator results carry score, value or null, displayName, target lists or null, keySli, status."""
    results = (
        IndicatorResult(
            1.0,
            "pass",
            "RT",
            True,
            SLIValue("rt", 1.5, True, "", 2.0),
            (Target("<5", 5.0, False),),
            None,
        ),
        IndicatorResult(0.0, "info", "", False, None, (), ()),
    )
    details = EvaluationDetails("a", "b", "pass", 100.0, "c2xv", results, ("prev1", "prev2"))
    encoded = encode_evaluation_finished(_event(labels=(("k", "v"),), message="hello", evaluation=details))
    assert encoded["labels"] == {"k": "v"}
    assert encoded["message"] == "hello"
    assert encoded["evaluation"]["sloFileContent"] == "c2xv"
    assert encoded["evaluation"]["comparedEvents"] == ["prev1", "prev2"]
    assert encoded["evaluation"]["indicatorResults"] == [
        {
            "score": 1.0,
            "value": {"metric": "rt", "value": 1.5, "comparedValue": 2.0, "success": True},
            "displayName": "RT",
            "passTargets": [{"criteria": "<5", "targetValue": 5.0, "violated": False}],
            "warningTargets": None,
            "keySli": True,
            "status": "pass",
        },
        {
            "score": 0.0,
            "value": None,
            "displayName": "",
            "passTargets": [],
            "warningTargets": [],
            "keySli": False,
            "status": "info",
        },
    ]


def test_encode_sli_value_message_only_when_set() -> None:
    """The value's message is omitted when empty and present otherwise."""
    assert "message" not in encode_sli_value(SLIValue("rt", 1.0, True))
    assert encode_sli_value(SLIValue("rt", 0.0, False, "no data")) == {
        "metric": "rt",
        "value": 0.0,
        "comparedValue": 0.0,
        "success": False,
        "message": "no data",
    }


def test_decode_then_encode_round_trip_of_values() -> None:
    """A decoded SLI value encodes back to the same JSON object."""
    value = {"metric": "rt", "value": 3.5, "comparedValue": 1.0, "success": True, "message": "m"}
    assert encode_sli_value(decode_sli_value(value, "")) == value


def test_decode_evaluation_finished_round_trips_the_payload() -> None:
    """Decoding a stored evaluation.finished payload and encoding it again gives the same JSON."""
    slo = """
    objectives:
      - sli: rt
        displayName: Response time
        key_sli: true
        pass: [{criteria: ["<=+10%", "<600"]}]
        warning: [{criteria: ["<=800"]}]
      - sli: tp
        pass: [{criteria: [">=1"]}]
      - sli: info
    total_score: {pass: "90%", warning: "75%"}
    """
    history = (stored("e1", ("rt", 500.0)),)
    for values in ((("rt", 560.0), ("tp", 2.0)), (("rt", 900.0),), ()):
        data = gate(slo, *values, history=history, labels=(("buildId", "7"),))
        assert encode_evaluation_finished(decode_evaluation_finished(data)) == data


def test_decode_evaluation_finished_keeps_null_results() -> None:
    """An errored payload with indicatorResults null stays null."""
    data = gate(None)
    decoded = decode_evaluation_finished(data)
    assert decoded.evaluation.indicator_results is None
    assert encode_evaluation_finished(decoded) == data


def test_decode_evaluation_finished_names_the_bad_field() -> None:
    """A wrong type in a stored payload is reported with its path."""
    data = {"evaluation": {"indicatorResults": [{"passTargets": [{"targetValue": "x"}]}]}}
    with pytest.raises(PayloadError, match=r"evaluation.indicatorResults\[0\].passTargets\[0\].targetValue"):
        decode_evaluation_finished(data)


class _NotQuiteDict(dict[str, Any]):
    """A dict of another type: decode_sli_value takes its general path for it."""


@pytest.mark.parametrize(
    "node",
    [
        {"metric": "rt", "value": 46.5, "success": True, "message": "", "comparedValue": 48.0},
        {"metric": "rt", "value": 46.5, "success": True, "comparedValue": 48.0},  # Keptn omits the message
        {"metric": "rt", "value": 46, "success": False, "message": "m", "comparedValue": 0},  # Go's integers
        {"metric": "rt", "value": None, "success": True, "message": None, "comparedValue": None},
        {"metric": "", "value": 1.0, "success": True, "message": "", "comparedValue": 1.0},
        {"value": 1.0},
        {},
    ],
)
def test_the_quick_path_decodes_as_the_general_one(node: dict[str, Any]) -> None:
    quick = decode_sli_value(node, "value")
    assert quick == decode_sli_value(_NotQuiteDict(node), "value")
    assert all(isinstance(number, float) for number in (quick.value, quick.compared_value))


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"metric": "rt", "value": True, "success": True, "comparedValue": 1.0}, "value: must be a number"),
        (
            {"metric": "rt", "value": 1.0, "success": 1, "comparedValue": 1.0},
            "success: must be true or false",
        ),
        ({"metric": 7, "value": 1.0, "success": True, "comparedValue": 1.0}, "metric: must be a string"),
        ({"metric": "rt", "value": 1.0, "success": True, "message": 3, "comparedValue": 1.0}, "message"),
        ({"metric": "rt", "value": "1", "success": True, "comparedValue": 1.0}, "value: must be a number"),
    ],
)
def test_the_quick_path_leaves_wrong_types_to_the_general_one(node: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        decode_sli_value(node, "value")


@pytest.mark.parametrize(
    ("node", "query"),
    [
        ({"metric": "m", "value": 1, "success": True, "comparedValue": 0, "query": "q{a}"}, "q{a}"),
        ({"metric": "m", "value": 1, "success": True, "comparedValue": 0, "query": ["not text"]}, ""),
        ({"metric": "m", "value": 1, "success": True, "query": "slow path"}, "slow path"),
        ({"metric": "m", "value": 1, "success": True, "query": 7}, ""),
    ],
)
def test_decode_sli_value_keeps_a_text_query(node: dict[str, object], query: str) -> None:
    """The ``query`` Keptn's Dynatrace service (and slogate) put into get-sli.finished is kept when
    it is text and ignored otherwise, as Keptn's lighthouse ignores it."""
    assert decode_sli_value(node, "v").query == query


def test_the_query_is_encoded_only_when_asked() -> None:
    """get-sli.finished carries the resolved query; evaluation.finished stays Keptn's exactly."""
    value = SLIValue("m", 1.0, True, query="up{job='a'}")
    assert encode_sli_value(value, with_query=True)["query"] == "up{job='a'}"
    assert "query" not in encode_sli_value(value)
    assert "query" not in encode_sli_value(SLIValue("m"), with_query=True)
