"""Sequence executions: one run of a shipyard sequence in one stage, with its tasks (keptn-v1-spec §3.1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from slogate.domain.protocol.gate_events import ABORTED, ERRORED, FAIL, PASS, SUCCEEDED, WARNING
from slogate.domain.sequencing.merge import merge
from slogate.domain.sequencing.shipyard import TaskSequence

APPROVAL = "approval"
UNKNOWN = "unknown"
STARTED_KIND, FINISHED_KIND = "started", "finished"


class State(StrEnum):
    """An execution's state, with Keptn's names (§3.10)."""

    TRIGGERED = "triggered"  # queued: waiting for its turn in project + stage + service
    STARTED = "started"
    WAITING_FOR_APPROVAL = "waitingForApproval"
    PAUSED = "paused"
    FINISHED = "finished"
    TIMED_OUT = "timedOut"

    @property
    def done(self) -> bool:
        """Whether the execution has ended."""
        return self in (State.FINISHED, State.TIMED_OUT)


@dataclass(frozen=True, slots=True)
class Scope:
    """What an execution is about, and how it ended (``status``/``result``/``message`` once finished)."""

    project: str
    stage: str
    service: str
    keptn_context: str
    triggered_id: str  # the id of the <stage>.<sequence>.triggered event
    event_type: str  # that event's type
    gitcommitid: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    status: str = ""
    result: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class TaskReply:
    """A ``.started`` or ``.finished`` event correlated to the current task."""

    event_id: str
    event_type: str
    source: str
    time: datetime
    result: str = ""
    status: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)  # the whole data of a .finished

    @property
    def kind(self) -> str:
        """``started`` or ``finished``."""
        return self.event_type.rpartition(".")[2]


@dataclass(frozen=True, slots=True)
class CurrentTask:
    """The running task: its trigger id, when its ``.triggered`` is due or was sent, and the replies."""

    name: str
    triggered_id: str
    due: datetime  # when the .triggered may be sent (now + triggeredAfter)
    sent_at: datetime | None = None  # None while delayed, held by another sequence, or paused
    timeout_seconds: float | None = None  # the task's own ``timeout`` property (an extension)
    replies: tuple[TaskReply, ...] = ()

    def counts(self) -> tuple[int, int]:
        """How many ``.started`` and ``.finished`` replies arrived."""
        started = sum(1 for reply in self.replies if reply.kind == STARTED_KIND)
        finished = sum(1 for reply in self.replies if reply.kind == FINISHED_KIND)
        return started, finished

    def is_complete(self) -> bool:
        """Keptn's count rule, except that a ``.finished`` without a ``.started`` counts as started."""
        started, finished = self.counts()
        return finished > 0 and finished >= started

    def first_started(self) -> datetime | None:
        """When the first ``.started`` arrived."""
        return next((reply.time for reply in self.replies if reply.kind == STARTED_KIND), None)


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """A completed task: its aggregated result and status and its merged ``.finished`` data."""

    name: str
    triggered_id: str
    result: str
    status: str
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def stops(self) -> bool:
        """Whether the sequence ends here: the task failed or errored (§3.4)."""
        return self.result == FAIL or self.status == ERRORED


@dataclass(frozen=True, slots=True)
class Execution:
    """One run of ``sequence`` in one stage (Keptn's ``SequenceExecution``)."""

    id: str
    sequence: TaskSequence  # a snapshot: later shipyard edits do not change a running sequence
    scope: Scope
    state: State
    triggered_at: datetime  # the trigger's time: the queue order
    input_properties: Mapping[str, Any] = field(default_factory=dict)
    state_before_pause: State | None = None
    previous_tasks: tuple[TaskOutcome, ...] = ()
    current_task: CurrentTask | None = None
    started_at: datetime | None = None  # when it last became started: who goes first in its key

    @property
    def queue_key(self) -> tuple[str, str, str]:
        """Project, stage and service: at most one started execution per key (§3.3)."""
        return self.scope.project, self.scope.stage, self.scope.service

    @property
    def sequence_name(self) -> str:
        """The name of the sequence."""
        return self.sequence.name

    def next_task_index(self) -> int | None:
        """The index of the task to run next, or None when the sequence has nothing left to run."""
        if self.previous_tasks and self.previous_tasks[-1].stops:
            return None
        index = len(self.previous_tasks)
        return index if index < len(self.sequence.tasks) else None


def aggregate(task: CurrentTask) -> TaskOutcome:
    """Keptn's aggregation of a task's ``.finished`` replies (§3.6), merged in arrival order."""
    finished = [reply for reply in task.replies if reply.kind == FINISHED_KIND]
    results = [reply.result for reply in finished]
    statuses = [reply.status for reply in finished]
    if any(result not in (PASS, WARNING) for result in results):
        result = FAIL
    else:
        result = WARNING if WARNING in results else PASS
    if ERRORED in statuses:
        status = ERRORED
    elif ABORTED in statuses:
        status = ABORTED
    elif all(status == SUCCEEDED for status in statuses):
        status = SUCCEEDED
    else:
        status, result = UNKNOWN, FAIL
    properties: Any = {}
    for reply in finished:
        properties = merge(properties, reply.properties)
    return TaskOutcome(task.name, task.triggered_id, result, status, properties)
