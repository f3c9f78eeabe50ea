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
    children: list[Task] = field(default_factory=list)  # the get-sli of an evaluation

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
            "children": [child.values() for child in self.children],
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


@dataclass
class Run:
    """One sequence's run in one stage: the delivery in production, then its chained rollback…"""

    stage: str
    sequence: str
    state: StageState | None = None
    tasks: list[Task] = field(default_factory=list)
    sequence_events: list[KeptnEvent] = field(default_factory=list)

    def add(self, task: Task) -> None:
        """Add a task in order; a ``get-sli`` goes inside the run's evaluation, as Keptn's Bridge draws it."""
        evaluation = next((t for t in reversed(self.tasks) if t.name == "evaluation"), None)
        if task.name == "get-sli" and evaluation is not None:
            evaluation.children.append(task)
        else:
            self.tasks.append(task)


class Runs:
    """The runs of a context in the state's order; a stage's n-th sequence trigger opens its n-th run."""

    def __init__(self, stage_states: Sequence[StageState]) -> None:
        self.order: list[Run] = []
        self._by_stage: dict[str, list[Run]] = {}
        self._opened: dict[str, int] = {}
        self._current: dict[str, Run] = {}
        for stage in stage_states:
            self._new(stage.name, stage.sequence, stage)

    def open(self, stage: str, sequence: str) -> Run:
        """The run a stage's sequence ``.triggered`` starts."""
        index = self._opened.get(stage, 0)
        self._opened[stage] = index + 1
        runs = self._by_stage.get(stage, [])
        run = runs[index] if index < len(runs) else self._new(stage, sequence)
        self._current[stage] = run
        return run

    def current(self, stage: str, sequence: str = "") -> Run:
        """The stage's run now going on (its first, or a new one, before any sequence trigger)."""
        run = self._current.get(stage)
        if run is None:
            runs = self._by_stage.get(stage)
            run = self._current[stage] = runs[0] if runs else self._new(stage, sequence)
        return run

    def _new(self, stage: str, sequence: str, state: StageState | None = None) -> Run:
        run = Run(stage, sequence, state)
        self.order.append(run)
        self._by_stage.setdefault(stage, []).append(run)
        return run


def stage_timeline(events: Sequence[KeptnEvent], stage_states: Sequence[StageState]) -> list[dict[str, Any]]:
    """Per sequence run of a stage (the state's order, then any other stage with events): its state
    (None when the stage has no execution), image and tasks, oldest first. A chained sequence (the
    rollback of a failed delivery) is a run of its own, never a copy of the stage.

    ``events`` are the context's events oldest first; ``stage_states`` the stages of its state view.
    """
    runs = Runs(stage_states)
    tasks: dict[str, Task] = {}
    for event in events:
        parsed = parse_event_type(event.type)
        if parsed.category is Category.SEQUENCE:
            opening = parsed.kind == "triggered"
            run = runs.open(parsed.stage, parsed.sequence) if opening else runs.current(parsed.stage)
            run.sequence_events.append(event)
            continue
        if parsed.category is not Category.TASK or not event.stage:
            continue
        key = event.id if parsed.kind == "triggered" else event.triggeredid
        task = tasks.get(key)
        if task is None:
            task = tasks[key] = Task(parsed.task, key)
            runs.current(event.stage).add(task)
        task.events.append(event)
    root = runs.order[0].sequence if runs.order else ""
    seen: set[str] = set()
    entries = []
    for run in runs.order:
        first = run.stage not in seen
        seen.add(run.stage)
        entries.append(_entry(run, chained=bool(run.sequence) and run.sequence != root, first=first))
    return entries


def _entry(run: Run, *, chained: bool, first: bool) -> dict[str, Any]:
    return {
        "name": run.stage,
        "sequence": run.sequence,
        "chained": chained,
        "first": first,
        "state": run.state,
        # the stage's image is what its first run deployed; a rollback after it restored another one
        "image": run.state.image if run.state is not None and first else "",
        "tasks": [task.values() for task in run.tasks],
        "sequence_events": [event_values(e) for e in run.sequence_events],
    }
