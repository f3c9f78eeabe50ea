"""After a crash: which tasks the built-in executors were running when the server died, from the log.

A built-in executor's task is on record as its trigger, the executor runner's ``.started`` (source
``slogate-executors``) and, once done, its ``.finished``. A task with more of our ``.started`` than
``.finished`` was running when the server died. A re-run is recorded first, as an
``sh.keptn.log.error`` (source ``slogate-executors``, ``data.recovery: rerun``) answering the
trigger, so that a second crash during the re-run does not run the task a third time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slogate.domain.protocol.event_types import LOG_ERROR
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.services.keptn.emit import answer

SOURCE = "slogate-executors"
RERUN = "rerun"  # data.recovery of the record of a re-run
KILLED = "the server was killed while executor '{executor}' ran task {task}"
RERUNNING = KILLED + "; running it once more (it is safe to repeat)"
NOT_SAFE = (
    KILLED + "; it is not run again because repeating it is not known to be safe{hint}: check what it "
    "did, then trigger the sequence again"
)
JOB_HINT = " (mark a job that is with `rerun: true` in its config in slogate/executors.yaml)"
KILLED_TWICE = (
    KILLED + ", and again while it ran the task once more; it is not run a third time: trigger the "
    "sequence again"
)
NOT_CHOSEN = (
    "the server was killed while a built-in executor ran task {task}; it is not run again because "
    "{problem}: trigger the sequence again"
)
NO_LONGER_CHOSEN = "slogate/executors.yaml no longer gives the task to a built-in executor"


@dataclass(frozen=True, slots=True)
class Interrupted:
    """A task a built-in executor was running when the server died: its trigger, how many of our
    ``.started`` no ``.finished`` of ours answers, and whether it was re-run once already."""

    trigger: KeptnEvent
    unanswered: int
    rerun_before: bool


def interrupted(triggers: Mapping[str, KeptnEvent], answers: Iterable[KeptnEvent]) -> list[Interrupted]:
    """The tasks among ``triggers`` (by id) whose ``answers`` (events with their id as
    ``triggeredid``) show a ``.started`` of ours without its ``.finished``; oldest trigger first."""
    started: dict[str, int] = {}
    finished: dict[str, int] = {}
    reruns: set[str] = set()
    for event in answers:
        if event.source != SOURCE:
            continue
        if event.type == LOG_ERROR and event.data.get("recovery") == RERUN:
            reruns.add(event.triggeredid)
        elif event.type.endswith(".started"):
            started[event.triggeredid] = started.get(event.triggeredid, 0) + 1
        elif event.type.endswith(".finished"):
            finished[event.triggeredid] = finished.get(event.triggeredid, 0) + 1
    found = [
        Interrupted(trigger, started[task_id] - finished.get(task_id, 0), task_id in reruns)
        for task_id, trigger in triggers.items()
        if started.get(task_id, 0) > finished.get(task_id, 0)
    ]
    return sorted(found, key=lambda item: item.trigger.time)


def rerun_record(trigger: KeptnEvent, executor: str, task: str, time: datetime) -> KeptnEvent:
    """The ``sh.keptn.log.error`` stored before a task runs once more (visible, and the mark that
    stops a third run)."""
    data: dict[str, Any] = {
        "project": trigger.project,
        "stage": trigger.stage,
        "service": trigger.service,
        "message": RERUNNING.format(executor=executor, task=task),
        "integrationid": SOURCE,
        "task": trigger.type,
        "recovery": RERUN,
    }
    return answer(trigger, LOG_ERROR, SOURCE, data, time, trigger.id)
