"""A remediation's loops as the CLI shows them: per loop the action chosen, its result, the evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.text import Text

from slogate.cli.gate_table import STATUS_STYLES, number
from slogate.domain.protocol.event_types import EventType, parse_event_type
from slogate.domain.protocol.remediation_loops import REMEDIATION, remediation_loops

__all__ = ["REMEDIATION", "announce_loop", "loop_text", "loops_text", "remediation_loops"]
Event = Mapping[str, Any]


def loop_text(loop: Mapping[str, Any]) -> Text:
    """``loop 2: Roll back (rollback) ✓ pass · evaluation pass 100``, or why no action was chosen."""
    text = Text(f"loop {loop['loop']}: ")
    action = loop.get("action")
    if isinstance(action, Mapping):
        text.append(f"{action.get('name', '')} ({action.get('action', '')})")
        result = str(loop.get("actionResult") or "running")
        text.append(f" {result}", style=STATUS_STYLES.get(result, ""))
    elif loop.get("message"):
        text.append(f"no action: {loop['message']}", style="dim")
        return text
    else:
        text.append("choosing an action…", style="dim")
        return text
    evaluation = loop.get("evaluation")
    if isinstance(evaluation, Mapping):
        result = str(evaluation.get("result", ""))
        text.append(" · evaluation ")
        text.append(result, style=STATUS_STYLES.get(result, ""))
        if evaluation.get("score") is not None:
            text.append(f" {number(float(evaluation['score']))}")
    return text


def loops_text(loops: Iterable[Mapping[str, Any]]) -> Text:
    """Each loop on its own line (for the Stages cell of ``get sequences``)."""
    text = Text()
    for index, loop in enumerate(loops):
        text.append("\n" if index else "")
        text.append_text(loop_text(loop))
    return text


def announce_loop(console: Console, event: Event, shown: set[str]) -> None:
    """For ``--watch``: print ``production remediation loop k: problem <title>`` once when ``event``
    begins a loop (``shown`` keeps the loops printed)."""
    kind = _kind(event)
    key = f"loop:{event.get('id')}"
    if not (kind.is_sequence and kind.sequence == REMEDIATION and kind.kind == "triggered") or key in shown:
        return
    shown.add(key)
    loops = sum(1 for seen in shown if seen.startswith("loop:"))
    problem = _data(event).get("problem")
    title = ""
    if isinstance(problem, Mapping):
        title = next((str(v) for k, v in problem.items() if str(k).lower() == "problemtitle"), "")
    about = f": problem {title}" if title else ""
    console.print(Text(f"  {kind.stage} remediation loop {loops}{about}", style="bold"), soft_wrap=True)


def _kind(event: Event) -> EventType:
    return parse_event_type(str(event.get("type", "")))


def _data(event: Event) -> Mapping[str, Any]:
    data = event.get("data")
    return data if isinstance(data, Mapping) else {}
