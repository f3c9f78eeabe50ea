"""Keptn's problem events (``sh.keptn.events.problem``): routing, the remediation an open one starts, and
the problems of a project as a projection of those events (one problem per context)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slogate.domain.protocol.alertmanager import CLOSED, CONTEXT_NAMESPACE, OPEN
from slogate.domain.protocol.event_types import PROBLEM, sequence_type
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.entity_names import is_directory_name, is_entity_name

CLOSING_STATES = frozenset({"CLOSED", "RESOLVED"})  # dynatrace-service's RESOLVED became CLOSED
_TAG_KEYS = {"keptn_project": "project", "keptn_stage": "stage", "keptn_service": "service"}


@dataclass(frozen=True, slots=True)
class Route:
    """Where a problem belongs."""

    project: str
    stage: str
    service: str


@dataclass(frozen=True, slots=True)
class ProblemRecord:
    """One problem: its context, state and where it came from."""

    keptn_context: str
    state: str  # "open" or "closed"
    source: str
    source_id: str
    title: str
    project: str
    stage: str
    service: str
    opened: datetime
    closed: datetime | None

    def to_json(self) -> dict[str, Any]:
        """The problem as the API shows it."""
        return {
            "keptnContext": self.keptn_context,
            "state": self.state,
            "source": self.source,
            "sourceId": self.source_id,
            "title": self.title,
            "project": self.project,
            "stage": self.stage,
            "service": self.service,
            "openedAt": _stamp(self.opened),
            "closedAt": _stamp(self.closed) if self.closed else None,
        }


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def problem_state(data: Mapping[str, Any]) -> str:
    """``OPEN`` or ``CLOSED`` (``RESOLVED`` counts as closed); the key (``State``, ``state`` …) and the
    value in any case, as Go's JSON decoding reads them; "" for anything else."""
    state = next((value for key, value in data.items() if str(key).lower() == "state"), None)
    if not isinstance(state, str):
        return ""
    upper = state.upper()
    return CLOSED if upper in CLOSING_STATES else OPEN if upper == OPEN else ""


def route(data: Mapping[str, Any]) -> Route | None:
    """The problem's project, stage and service: ``keptn_*`` tags first (as dynatrace-service read
    them), then ``KeptnProject``/``KeptnStage``/``KeptnService``, then ``project``/``stage``/``service``;
    None when one is missing or not a valid name."""
    found = {
        name: _text(data, f"Keptn{name.capitalize()}") or _text(data, name) for name in _TAG_KEYS.values()
    }
    tags = data.get("Tags")
    if isinstance(tags, str):
        for tag in tags.split(","):
            key, _, value = tag.strip().partition(":")
            if key in _TAG_KEYS and value.strip():
                found[_TAG_KEYS[key]] = value.strip()
    project, stage, service = found["project"], found["stage"], found["service"]
    if not (is_entity_name(project) and is_entity_name(stage) and service and is_directory_name(service)):
        return None
    return Route(project, stage, service)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def source_id(data: Mapping[str, Any]) -> str:
    """The problem's id at its source: ``PID``, else ``ProblemID``."""
    return _text(data, "PID") or _text(data, "ProblemID")


def prepared(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A posted problem event made ready to store: the routing fields written as ``project``/``stage``/
    ``service`` into its data, and a context derived from its source id when it brings none (so that
    the closing event of the same problem lands in the same context)."""
    event = dict(raw)
    data = raw.get("data")
    if not isinstance(data, Mapping):
        return event
    where = route(data)
    if where is not None:
        event["data"] = {**data, "project": where.project, "stage": where.stage, "service": where.service}
    ident = source_id(data)
    if not raw.get("shkeptncontext") and ident:
        source = _text(raw, "source")
        event["shkeptncontext"] = str(uuid.uuid5(CONTEXT_NAMESPACE, f"problem|{source}|{ident}"))
    return event


def remediation_for(event: KeptnEvent, where: Route) -> dict[str, Any]:
    """The ``<stage>.remediation.triggered`` an open problem starts (dynatrace-service's: the whole
    problem as ``problem``, its URL as the label ``Problem URL``), in the problem's context."""
    return {
        "type": sequence_type(where.stage, "remediation", "triggered"),
        "source": event.source,
        "shkeptncontext": event.shkeptncontext,
        "data": {
            "project": where.project,
            "stage": where.stage,
            "service": where.service,
            "labels": {"Problem URL": _text(event.data, "ProblemURL")},
            "problem": dict(event.data),
        },
    }


def problems_of(events: Iterable[KeptnEvent]) -> list[ProblemRecord]:
    """The problems that ``events`` (problem events, any order) record, newest opened first: one per
    context, opened by its first ``OPEN`` event, closed by its first ``CLOSED`` one."""
    opened: dict[str, KeptnEvent] = {}
    closed: dict[str, KeptnEvent] = {}
    for event in sorted((event for event in events if event.type == PROBLEM), key=lambda event: event.time):
        state = problem_state(event.data)
        kept = opened if state == OPEN else closed if state == CLOSED else None
        if kept is not None:
            kept.setdefault(event.shkeptncontext, event)
    records = [_record(first, closed.get(context)) for context, first in opened.items()]
    return sorted(records, key=lambda record: record.opened, reverse=True)


def _record(first: KeptnEvent, closing: KeptnEvent | None) -> ProblemRecord:
    data = first.data
    return ProblemRecord(
        keptn_context=first.shkeptncontext,
        state="closed" if closing else "open",
        source=first.source,
        source_id=source_id(data),
        title=_text(data, "ProblemTitle") or _text(data, "problemTitle"),
        project=_text(data, "project"),
        stage=_text(data, "stage"),
        service=_text(data, "service"),
        opened=first.time,
        closed=closing.time if closing else None,
    )
