"""The built-in ``evaluation`` sequence of every stage: ``<stage>.evaluation.triggered`` → evaluation task.

Keptn's shipyard-controller runs an implicit one-task sequence ``evaluation`` in every stage
(keptn-v1-spec §1.6). Until the full sequence engine exists, this service does exactly that:
it dispatches ``sh.keptn.event.evaluation.triggered`` for a sequence trigger and reports
``sh.keptn.event.<stage>.evaluation.finished`` with the task's result when the task finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slogate.domain.evaluation_flow import scope
from slogate.domain.event_types import parse_event_type, sequence_type
from slogate.domain.events import EVALUATION_FINISHED, EVALUATION_TRIGGERED, KeptnEvent
from slogate.ports import EventStore
from slogate.services.emit import answer

CONTROLLER = "shipyard-controller"
SEQUENCE_TRIGGERED = "sh.keptn.event.*.evaluation.triggered"
_CARRIED = ("evaluation", "deployment", "test", "configurationChange")


class EvaluationSequence:
    """Turns the stage's evaluation sequence into the evaluation task and back."""

    name = CONTROLLER
    types: tuple[str, ...] = (SEQUENCE_TRIGGERED, EVALUATION_FINISHED)

    def __init__(self, store: EventStore, now: Callable[[], datetime]) -> None:
        self._store = store
        self._now = now

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """The task trigger for a sequence trigger; the sequence's end for the task's end."""
        if event.type == EVALUATION_FINISHED:
            return self._task_finished(event)
        parsed = parse_event_type(event.type)
        if not parsed.is_sequence or parsed.sequence != "evaluation" or parsed.stage != event.stage:
            return []
        data: dict[str, Any] = {**scope(event.data)}
        data.update({key: event.data[key] for key in _CARRIED if isinstance(event.data.get(key), Mapping)})
        return [self._emit(event, EVALUATION_TRIGGERED, data, "")]

    def _task_finished(self, event: KeptnEvent) -> list[KeptnEvent]:
        if not event.stage:
            return []
        trigger_type = sequence_type(event.stage, "evaluation", "triggered")
        triggers = self._store.find(type=trigger_type, shkeptncontext=event.shkeptncontext, limit=1)
        if not triggers:
            return []  # an evaluation that no sequence started (e.g. POSTed directly)
        data: dict[str, Any] = {**scope(event.data)}
        for key in ("status", "result", "message"):
            if event.data.get(key):
                data[key] = event.data[key]
        finished = sequence_type(event.stage, "evaluation", "finished")
        return [self._emit(event, finished, data, triggers[0].id)]

    def _emit(self, to: KeptnEvent, type_: str, data: Mapping[str, Any], triggeredid: str) -> KeptnEvent:
        return answer(to, type_, CONTROLLER, data, self._now(), triggeredid)
