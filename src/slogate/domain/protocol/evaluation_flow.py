"""The payloads of lighthouse's flow (evaluation.triggered → get-sli → evaluation.finished), built purely."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slogate.domain.evaluation.window import (
    Window,
    WindowError,
    check_data_window,
    format_time,
    parse_time,
    resolve_window,
)
from slogate.domain.protocol.gate_events import ERRORED, FAIL, PASS, SUCCEEDED, SLIValue
from slogate.domain.protocol.gate_json import encode_sli_value

NO_TIMEFRAME = "evaluation.triggered event does not contain evaluation timeframe"
DEFAULT_SLI_PROVIDER = "prometheus"  # what the lighthouse asks for (Keptn's default)

JSON = dict[str, Any]


def scope(data: Mapping[str, Any]) -> JSON:
    """The common fields an answer repeats: project, stage, service and labels (when present)."""
    common: JSON = {key: data[key] for key in ("project", "stage", "service") if data.get(key)}
    if data.get("labels"):
        common["labels"] = dict(data["labels"])
    return common


def _block(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _text(block: Mapping[str, Any], key: str) -> str:
    value = block.get(key)
    return value if isinstance(value, str) else ""


def evaluation_window(data: Mapping[str, Any], now: datetime) -> tuple[str, str]:
    """Keptn's window of evaluation.triggered: evaluation.{start,end,timeframe}, else test.{start,end}.

    Raises :class:`WindowError` with Keptn's message when neither gives a window.
    """
    evaluation = _block(data, "evaluation")
    start, end, timeframe = (_text(evaluation, key) for key in ("start", "end", "timeframe"))
    if (start and end) or timeframe:
        window: Window = resolve_window(
            now, timeframe or None, parse_time(start) if start else None, parse_time(end) if end else None
        )
        return format_time(window.start), format_time(window.end)
    test = _block(data, "test")
    if _text(test, "start") and _text(test, "end"):
        _check_test_window(_text(test, "start"), _text(test, "end"))
        return _text(test, "start"), _text(test, "end")
    raise WindowError(NO_TIMEFRAME)


def _check_test_window(start: str, end: str) -> None:
    """The test's window holds data (``check_data_window``, the rule of ``slogate evaluate`` too);
    times that are no times stay Keptn's business (passed on verbatim)."""
    try:
        window = Window(parse_time(start), parse_time(end))
    except WindowError:
        return
    check_data_window(window)


def first_deployment_name(data: Mapping[str, Any]) -> str:
    """``deployment.deploymentNames[0]`` of an evaluation.triggered event, or ``""``."""
    names = _block(data, "deployment").get("deploymentNames")
    return str(names[0]) if isinstance(names, list) and names else ""


def get_sli_triggered(
    data: Mapping[str, Any],
    window: tuple[str, str],
    indicators: Sequence[str],
    filters: Sequence[tuple[str, str]],
    provider: str = DEFAULT_SLI_PROVIDER,
) -> JSON:
    """The data of get-sli.triggered for the SLO's indicators and filter, to the SLI provider ``provider``."""
    request: JSON = {
        "sliProvider": provider,
        "start": window[0],
        "end": window[1],
        "indicators": list(indicators),
    }
    if filters:
        request["customFilters"] = [{"key": key, "value": value} for key, value in filters]
    return {**scope(data), "deployment": first_deployment_name(data), "get-sli": request}


def started(data: Mapping[str, Any]) -> JSON:
    """The data of a ``.started`` answer."""
    return {**scope(data), "status": SUCCEEDED}


def get_sli_finished(data: Mapping[str, Any], values: Sequence[SLIValue], result: str, message: str) -> JSON:
    """The data of get-sli.finished with the measured values (status succeeded)."""
    request = _block(data, "get-sli")
    finished: JSON = {**scope(data), "status": SUCCEEDED, "result": result}
    if message:
        finished["message"] = message
    finished["get-sli"] = {
        "start": _text(request, "start"),
        "end": _text(request, "end"),
        "indicatorValues": [encode_sli_value(value, with_query=True) for value in values],
    }
    return finished


def get_sli_errored(data: Mapping[str, Any], message: str) -> JSON:
    """get-sli.finished for a provider that could not even start querying."""
    request = _block(data, "get-sli")
    return {
        **scope(data),
        "status": ERRORED,
        "result": FAIL,
        "message": message,
        "get-sli": {"start": _text(request, "start"), "end": _text(request, "end"), "indicatorValues": []},
    }


def evaluation_without_sli(data: Mapping[str, Any], status: str, result: str, message: str) -> JSON:
    """evaluation.finished sent before any SLI was fetched (errored, or no SLI provider)."""
    evaluation_result = PASS if result == PASS else FAIL
    return {
        **scope(data),
        "status": status,
        "result": result,
        "message": message,
        "evaluation": {
            "timeStart": "",
            "timeEnd": "",
            "result": evaluation_result,
            "score": 0,
            "sloFileContent": "",
            "indicatorResults": None,
        },
    }
