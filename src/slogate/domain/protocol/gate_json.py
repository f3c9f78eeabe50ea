"""Keptn's JSON shapes for the gate: get-sli.finished data and history in, evaluation.finished both ways."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from slogate.domain.problems import child
from slogate.domain.protocol.gate_events import (
    EVALUATION_FINISHED,
    PASS,
    SUCCEEDED,
    EvaluationDetails,
    EvaluationFinished,
    IndicatorResult,
    Labels,
    SLIResults,
    SLIValue,
    StoredEvaluation,
    Target,
)
from slogate.errors import InputError

JSONObject = dict[str, Any]
_NUMBERS = (float, int)  # exact types: a bool is not a number here


class PayloadError(InputError, ValueError):
    """A JSON document that does not have the expected shape; names the offending path."""

    code = "invalid_payload"

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or 'document'}: {message}")
        self.path = path


def _object(node: object, path: str) -> Mapping[str, Any]:
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise PayloadError(path, f"must be an object, found {json_kind(node)}")
    return node


def _string(node: Mapping[str, Any], key: str, path: str, default: str = "") -> str:
    value = node.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise PayloadError(child(path, key), f"must be a string, found {json_kind(value)}")
    return value or default


def _number(node: Mapping[str, Any], key: str, path: str) -> float:
    value = node.get(key)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(child(path, key), f"must be a number, found {json_kind(value)}")
    return float(value)


def _boolean(node: Mapping[str, Any], key: str, path: str) -> bool:
    value = node.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise PayloadError(child(path, key), f"must be true or false, found {json_kind(value)}")
    return value


def _list(node: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(child(path, key), f"must be an array, found {json_kind(value)}")
    return value


def _labels(node: Mapping[str, Any], path: str) -> Labels:
    labels = _object(node.get("labels"), child(path, "labels"))
    return tuple((key, _string(labels, key, child(path, "labels"))) for key in labels)


def json_kind(value: object) -> str:
    """The JSON name of ``value``'s type, for messages (``a string``, ``an array`` …)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def decode_sli_value(node: object, path: str) -> SLIValue:
    """One ``{metric, value, success, message, comparedValue}`` object (and an optional ``query``, kept
    when it is text)."""
    if type(node) is dict:  # the usual, complete object in one step (a history holds thousands)
        metric, number, success = node.get("metric"), node.get("value"), node.get("success")
        message, compared = node.get("message", ""), node.get("comparedValue")  # Keptn omits empty ones
        query = node.get("query", "")  # what Keptn's Dynatrace service (and slogate) add; Keptn ignores it
        if (
            type(metric) is str
            and type(number) in _NUMBERS
            and type(success) is bool
            and type(message) is str
            and type(compared) in _NUMBERS
            and type(query) is str
        ):
            return SLIValue(metric, float(number), success, message, float(compared), query)  # type: ignore[arg-type]
    value = _object(node, path)
    return SLIValue(
        metric=_string(value, "metric", path),
        value=_number(value, "value", path),
        success=_boolean(value, "success", path),
        message=_string(value, "message", path),
        compared_value=_number(value, "comparedValue", path),
        query=query if isinstance(query := value.get("query"), str) else "",
    )


def decode_sli_results(node: object) -> SLIResults:
    """The ``data`` of a ``get-sli.finished`` event (status/result default to succeeded/pass)."""
    data = _object(node, "")
    get_sli = _object(data.get("get-sli"), "get-sli")
    values_path = "get-sli.indicatorValues"
    return SLIResults(
        project=_string(data, "project", ""),
        stage=_string(data, "stage", ""),
        service=_string(data, "service", ""),
        labels=_labels(data, ""),
        status=_string(data, "status", "", SUCCEEDED),
        result=_string(data, "result", "", PASS),
        message=_string(data, "message", ""),
        start=_string(get_sli, "start", "get-sli"),
        end=_string(get_sli, "end", "get-sli"),
        values=tuple(
            decode_sli_value(item, child(values_path, index))
            for index, item in enumerate(_list(get_sli, "indicatorValues", "get-sli"))
        ),
    )


def decode_history(node: object) -> tuple[StoredEvaluation, ...]:
    """A JSON array, newest first, of ``{id, type, time, invalidated, data}`` entries."""
    if not isinstance(node, list):
        raise PayloadError("", f"must be an array of stored evaluations, found {json_kind(node)}")
    return tuple(_decode_stored(entry, f"[{index}]") for index, entry in enumerate(node))


def _decode_stored(node: object, path: str) -> StoredEvaluation:
    entry = _object(node, path)
    header = StoredEvaluation(
        id=_string(entry, "id", path),
        type=_string(entry, "type", path, EVALUATION_FINISHED),
        time=_string(entry, "time", path),
        invalidated=_boolean(entry, "invalidated", path),
    )
    try:
        data = _object(entry.get("data"), child(path, "data"))
        evaluation = _object(data.get("evaluation"), "evaluation")
        values = tuple(
            None if _object(item, "").get("value") is None else decode_sli_value(item["value"], "value")
            for item in _list(evaluation, "indicatorResults", "")
        )
        return replace(
            header,
            project=_string(data, "project", ""),
            stage=_string(data, "stage", ""),
            service=_string(data, "service", ""),
            result=_string(data, "result", ""),
            indicator_values=values,
        )
    except PayloadError:
        # Keptn skips previous events it cannot decode; they still took a slot of the limit.
        return replace(header, decodable=False)


def encode_evaluation_finished(event: EvaluationFinished) -> JSONObject:
    """The ``data`` object of ``sh.keptn.event.evaluation.finished`` with Keptn's field rules."""
    data: JSONObject = {}
    for key in ("project", "stage", "service"):
        if getattr(event, key):
            data[key] = getattr(event, key)
    if event.labels:
        data["labels"] = dict(event.labels)
    data["status"] = event.status
    data["result"] = event.result
    if event.message:
        data["message"] = event.message
    details = event.evaluation
    evaluation: JSONObject = {
        "timeStart": details.time_start,
        "timeEnd": details.time_end,
        "result": details.result,
        "score": details.score,
        "sloFileContent": details.slo_file_content,
        "indicatorResults": None
        if details.indicator_results is None
        else [_encode_indicator(result) for result in details.indicator_results],
    }
    if details.compared_events:
        evaluation["comparedEvents"] = list(details.compared_events)
    data["evaluation"] = evaluation
    return data


def _encode_indicator(result: IndicatorResult) -> JSONObject:
    encoded: JSONObject = {
        "score": result.score,
        "value": None if result.value is None else encode_sli_value(result.value),
        "displayName": result.display_name,
        "passTargets": _encode_targets(result.pass_targets),
        "warningTargets": _encode_targets(result.warning_targets),
        "keySli": result.key_sli,
        "status": result.status,
    }
    if result.data_sufficiency:  # slogate's optional extra field; Keptn's decoders ignore it
        encoded["dataSufficiency"] = result.data_sufficiency
    return encoded


def encode_sli_value(value: SLIValue, *, with_query: bool = False) -> JSONObject:
    """Keptn's ``SLIResult`` object (``message`` omitted when empty); ``with_query`` adds the resolved
    ``query`` when there is one, as Keptn's Dynatrace service did in get-sli.finished."""
    encoded: JSONObject = {
        "metric": value.metric,
        "value": value.value,
        "comparedValue": value.compared_value,
        "success": value.success,
    }
    if value.message:
        encoded["message"] = value.message
    if with_query and value.query:
        encoded["query"] = value.query
    return encoded


def _encode_targets(targets: tuple[Target, ...] | None) -> list[JSONObject] | None:
    if targets is None:
        return None
    return [{"criteria": t.criteria, "targetValue": t.target_value, "violated": t.violated} for t in targets]


def decode_evaluation_finished(node: object) -> EvaluationFinished:
    """The ``data`` of a stored ``evaluation.finished`` event, back into the domain model."""
    data = _object(node, "")
    details = _object(data.get("evaluation"), "evaluation")
    raw_results = details.get("indicatorResults")
    results = None
    if raw_results is not None:
        results = tuple(
            _decode_indicator(item, f"evaluation.indicatorResults[{index}]")
            for index, item in enumerate(_list(details, "indicatorResults", "evaluation"))
        )
    return EvaluationFinished(
        project=_string(data, "project", ""),
        stage=_string(data, "stage", ""),
        service=_string(data, "service", ""),
        labels=_labels(data, ""),
        status=_string(data, "status", ""),
        result=_string(data, "result", ""),
        message=_string(data, "message", ""),
        evaluation=EvaluationDetails(
            time_start=_string(details, "timeStart", "evaluation"),
            time_end=_string(details, "timeEnd", "evaluation"),
            result=_string(details, "result", "evaluation"),
            score=_number(details, "score", "evaluation"),
            slo_file_content=_string(details, "sloFileContent", "evaluation"),
            indicator_results=results,
            compared_events=tuple(str(item) for item in _list(details, "comparedEvents", "evaluation")),
        ),
    )


def _decode_indicator(node: object, path: str) -> IndicatorResult:
    item = _object(node, path)
    value = item.get("value")
    return IndicatorResult(
        score=_number(item, "score", path),
        status=_string(item, "status", path),
        display_name=_string(item, "displayName", path),
        key_sli=_boolean(item, "keySli", path),
        value=None if value is None else decode_sli_value(value, child(path, "value")),
        pass_targets=_decode_targets(item, "passTargets", path),
        warning_targets=_decode_targets(item, "warningTargets", path),
        data_sufficiency=_string(item, "dataSufficiency", path),
    )


def _decode_targets(item: Mapping[str, Any], key: str, path: str) -> tuple[Target, ...] | None:
    if item.get(key) is None:
        return None
    targets = []
    for index, node in enumerate(_list(item, key, path)):
        target = _object(node, f"{child(path, key)}[{index}]")
        where = f"{child(path, key)}[{index}]"
        targets.append(
            Target(
                criteria=_string(target, "criteria", where),
                target_value=_number(target, "targetValue", where),
                violated=_boolean(target, "violated", where),
            )
        )
    return tuple(targets)
