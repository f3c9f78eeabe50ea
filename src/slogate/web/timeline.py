"""A sequence's stage timeline for the Bridge: each stage's tasks with status, result, message, events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slogate.domain.protocol.event_types import Category, parse_event_type
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, KeptnEvent
from slogate.domain.protocol.ingestion import to_cloudevent
from slogate.domain.sequencing.state_view import StageState
from slogate.web.project_scope import evaluation_badge

TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
RESULT_WORDS = {"pass": "pass", "warning": "warning", "fail": "fail"}


@dataclass
class Task:
    """One task of a stage, from its ``.triggered`` to its ``.finished``."""

    name: str
    triggered_id: str
    events: list[KeptnEvent] = field(default_factory=list)

    def finished(self) -> KeptnEvent | None:
        """The task's ``.finished`` event, if it ended."""
        return next((e for e in reversed(self.events) if e.type.endswith(".finished")), None)

    def status(self) -> str:
        """The badge word: the result once finished, ``approval`` while one waits, else ``started``."""
        finished = self.finished()
        if finished is None:
            return "approval" if self.name == "approval" else "started"
        if finished.data.get("status") == "errored":
            return "errored"
        return RESULT_WORDS.get(str(finished.data.get("result", "")), "pass")

    def values(self) -> dict[str, Any]:
        """What the template shows of the task."""
        finished = self.finished()
        latest = self.events[-1]
        evaluation = finished if finished is not None and finished.type == EVALUATION_FINISHED else None
        return {
            "name": self.name,
            "status": self.status(),
            "state": "finished" if finished else parse_event_type(latest.type).kind,
            "result": str(finished.data.get("result", "")) if finished else "",
            "message": str((finished or latest).data.get("message", "") or ""),
            "time": self.events[0].time.strftime(TIME_FORMAT),
            "badge": evaluation_badge(evaluation),
            "events": [event_values(event) for event in self.events],
        }


def event_values(event: KeptnEvent) -> dict[str, str]:
    """One raw event: its kind, source, time and pretty-printed payload."""
    return {
        "id": event.id,
        "type": event.type,
        "kind": parse_event_type(event.type).kind,
        "source": event.source,
        "time": event.time.strftime(TIME_FORMAT),
        "json": json.dumps(to_cloudevent(event), indent=2, sort_keys=True, default=str),
    }


def stage_timeline(events: Sequence[KeptnEvent], stage_states: Sequence[StageState]) -> list[dict[str, Any]]:
    """Per stage (the state's order, then any other stage with events): its state (None when the
    stage has no execution), image and tasks, oldest first.

    ``events`` are the context's events oldest first; ``stage_states`` the stages of its state view.
    """
    order = [stage.name for stage in stage_states]
    tasks: dict[str, Task] = {}
    by_stage: dict[str, list[Task]] = {}
    sequence_events: dict[str, list[KeptnEvent]] = {}
    for event in events:
        parsed = parse_event_type(event.type)
        if parsed.category is Category.SEQUENCE:
            sequence_events.setdefault(parsed.stage, []).append(event)
            _note(order, parsed.stage)
            continue
        if parsed.category is not Category.TASK:
            continue
        key = event.id if parsed.kind == "triggered" else event.triggeredid
        task = tasks.get(key)
        if task is None:
            task = tasks[key] = Task(parsed.task, key)
            by_stage.setdefault(event.stage, []).append(task)
            _note(order, event.stage)
        task.events.append(event)
    states = {stage.name: stage for stage in stage_states}
    return [
        {
            "name": name,
            "state": states.get(name),
            "image": states[name].image if name in states else "",
            "tasks": [task.values() for task in by_stage.get(name, [])],
            "sequence_events": [event_values(e) for e in sequence_events.get(name, [])],
        }
        for name in order
        if name
    ]


def _note(order: list[str], stage: str) -> None:
    if stage not in order:
        order.append(stage)
