"""A remediation's loops from its context's events (API JSON, oldest first): per loop the action chosen,
its result and the evaluation after it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from slogate.domain.protocol.event_types import EventType, parse_event_type

REMEDIATION = "remediation"
Event = Mapping[str, Any]


def remediation_loops(events: Iterable[Event]) -> list[dict[str, Any]]:
    """One entry per ``<stage>.remediation.triggered`` of a context (events oldest first): ``loop``
    (1-based), ``action`` (``{name, action}`` of the chosen action, None when none was chosen),
    ``actionResult``, ``evaluation`` (``{result, score}``, None before it ended), ``result`` and
    ``message`` of the loop's ``remediation.finished`` ("" while it runs)."""
    loops: list[dict[str, Any]] = []
    for event in events:
        kind, data = _kind(event), _data(event)
        if kind.is_sequence and kind.sequence == REMEDIATION and kind.kind == "triggered":
            loops.append(_loop(len(loops) + 1))
        elif not loops or kind.kind != "finished":
            continue
        elif kind.task == "get-action" and isinstance(data.get("action"), Mapping):
            action = data["action"]
            loops[-1]["action"] = {
                "name": str(action.get("name", "")),
                "action": str(action.get("action", "")),
            }
        elif kind.task == "action":
            loops[-1]["actionResult"] = _verdict(data)
        elif kind.task == "evaluation":
            details = data.get("evaluation")
            score = details.get("score") if isinstance(details, Mapping) else None
            loops[-1]["evaluation"] = {"result": _verdict(data), "score": score}
        elif kind.is_sequence and kind.sequence == REMEDIATION:
            loops[-1]["result"] = _verdict(data)
            loops[-1]["message"] = " ".join(str(data.get("message", "")).split())
    return loops


def _loop(number: int) -> dict[str, Any]:
    return {
        "loop": number,
        "action": None,
        "actionResult": "",
        "evaluation": None,
        "result": "",
        "message": "",
    }


def _verdict(data: Mapping[str, Any]) -> str:
    return "errored" if data.get("status") == "errored" else str(data.get("result", ""))


def _kind(event: Event) -> EventType:
    return parse_event_type(str(event.get("type", "")))


def _data(event: Event) -> Mapping[str, Any]:
    data = event.get("data")
    return data if isinstance(data, Mapping) else {}
