"""What the watch views print beside task lines: evaluation reports, and what a stage waits for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.text import Text

from slogate.cli.gate_table import print_report
from slogate.domain.evaluation.window import parse_time
from slogate.domain.protocol.event_types import EventType, parse_event_type
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.approval_rule import Decision, decide
from slogate.errors import SlogateError

Event = Mapping[str, Any]


def print_evaluation(console: Console, event: Event) -> None:
    """The objective table, score, verdict and explanation of an ``evaluation.finished`` event."""
    from slogate.adapters.yamlfile import load_document  # loaded with the first evaluation shown
    from slogate.services.usecases.evaluation_history import StoredGate, report_of

    try:
        report = report_of(StoredGate(keptn_event(event), False), load_document)
    except SlogateError as error:
        console.print(Text(f"    (the evaluation cannot be shown: {error.message})", style="dim"))
        return
    print_report(report, console)


def keptn_event(event: Event) -> KeptnEvent:
    """A ``KeptnEvent`` from the API's JSON of an event."""
    return KeptnEvent(
        id=str(event["id"]),
        type=str(event["type"]),
        source=str(event.get("source", "")),
        time=parse_time(str(event["time"])),
        shkeptncontext=str(event.get("shkeptncontext", "")),
        data=dict(_data(event)),
        triggeredid=str(event.get("triggeredid", "")),
    )


def waits(events: Iterable[Event]) -> list[tuple[str, str]]:
    """``(approval id, line)`` for each open approval that waits for a person (Keptn's approval rule
    says manual), with the command that answers it; events oldest first."""
    events = list(events)
    answered = {str(e.get("triggeredid")) for e in events if _kind(e).kind == "finished"}
    found = []
    for event in events:
        kind = _kind(event)
        if kind.task != "approval" or kind.kind != "triggered" or str(event.get("id")) in answered:
            continue
        data = _data(event)
        if decide(data).decision is Decision.WAIT:
            project, stage = data.get("project", ""), data.get("stage", "")
            command = (
                f"slogate send event approval.finished --project {project} --stage {stage} "
                f"--id {event.get('id', '')} [--decline]"
            )
            found.append((str(event.get("id")), f"waiting for approval in {stage} ({command})"))
    return found


def announce_waits(console: Console, events: Iterable[Event], shown: set[str]) -> None:
    """Print each new wait of :func:`waits` once (``shown`` keeps the ones printed)."""
    for approval_id, line in waits(events):
        if f"wait:{approval_id}" not in shown:
            shown.add(f"wait:{approval_id}")
            console.print(Text(f"  {line}", style="yellow"), soft_wrap=True)


def _kind(event: Event) -> EventType:
    return parse_event_type(str(event.get("type", "")))


def _data(event: Event) -> Mapping[str, Any]:
    data = event.get("data")
    return data if isinstance(data, Mapping) else {}
