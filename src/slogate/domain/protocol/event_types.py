"""Keptn event types: parse ``sh.keptn.event.…`` by dot count, as go-utils does, and build them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PREFIX = "sh.keptn.event"

# kinds (the last segment)
TRIGGERED, STARTED, FINISHED = "triggered", "started", "finished"
INVALIDATED, CHANGED = "invalidated", "changed"

# types that are neither a task nor a sequence event in Keptn's sense
LOG_ERROR = "sh.keptn.log.error"
PROBLEM = "sh.keptn.events.problem"
MONITORING_CONFIGURE = "sh.keptn.event.monitoring.configure"  # 5 segments: parses as task "monitoring"

# lifecycle events the controller emits around the REST operations (6 segments: parse as "sequences")
PROJECT_CREATE_STARTED = "sh.keptn.event.project.create.started"
PROJECT_CREATE_FINISHED = "sh.keptn.event.project.create.finished"
PROJECT_DELETE_FINISHED = "sh.keptn.event.project.delete.finished"
SERVICE_CREATE_STARTED = "sh.keptn.event.service.create.started"
SERVICE_CREATE_FINISHED = "sh.keptn.event.service.create.finished"
SERVICE_DELETE_STARTED = "sh.keptn.event.service.delete.started"
SERVICE_DELETE_FINISHED = "sh.keptn.event.service.delete.finished"

# the tasks slogate's built-in services answer
GET_SLI_TRIGGERED = "sh.keptn.event.get-sli.triggered"
GET_SLI_STARTED = "sh.keptn.event.get-sli.started"
GET_SLI_FINISHED = "sh.keptn.event.get-sli.finished"
APPROVAL_TRIGGERED = "sh.keptn.event.approval.triggered"
APPROVAL_STARTED = "sh.keptn.event.approval.started"
APPROVAL_FINISHED = "sh.keptn.event.approval.finished"
GET_ACTION_TRIGGERED = "sh.keptn.event.get-action.triggered"
GET_ACTION_STARTED = "sh.keptn.event.get-action.started"
GET_ACTION_FINISHED = "sh.keptn.event.get-action.finished"
# tasks the delivery figures and the catalog read
DEPLOYMENT_FINISHED = "sh.keptn.event.deployment.finished"
ROLLBACK_TRIGGERED = "sh.keptn.event.rollback.triggered"  # the rollback task
ROLLBACK_FINISHED = "sh.keptn.event.rollback.finished"
ACTION_FINISHED = "sh.keptn.event.action.finished"  # a remediation action (``rollback``, ``restart``)


class Category(StrEnum):
    """What the dot count makes of a type: 5 segments a task, 6 a sequence, else other."""

    TASK = "task"
    SEQUENCE = "sequence"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class EventType:
    """A parsed event type. ``kind`` is the last segment for tasks and sequences, else empty.

    Like go-utils, parsing looks only at the number of non-empty segments, not at the prefix:
    ``a.b.c.deploy.started`` is a task event too (``keptn_prefix`` tells whether it starts with
    ``sh.keptn.event``), and ``sh.keptn.event.test.status.changed`` is a "sequence" event.
    """

    text: str
    category: Category
    kind: str = ""
    task: str = ""
    stage: str = ""
    sequence: str = ""

    @property
    def is_task(self) -> bool:
        """Exactly 5 non-empty segments: ``sh.keptn.event.<task>.<kind>``."""
        return self.category is Category.TASK

    @property
    def is_sequence(self) -> bool:
        """Exactly 6 non-empty segments: ``sh.keptn.event.<stage>.<sequence>.<kind>``."""
        return self.category is Category.SEQUENCE

    @property
    def keptn_prefix(self) -> bool:
        """Whether the type starts with ``sh.keptn.event.``."""
        return self.text.startswith(PREFIX + ".")

    @property
    def name(self) -> str:
        """The type without its kind (``sh.keptn.event.deployment`` for a deployment event)."""
        return self.text.rpartition(".")[0] if self.kind else self.text


def parse_event_type(text: str) -> EventType:
    """Parse ``text`` by splitting on ``.``; never fails (unknown shapes are ``Category.OTHER``)."""
    parts = text.split(".")
    if "" in parts or len(parts) not in (5, 6):
        return EventType(text, Category.OTHER)
    if len(parts) == 5:
        return EventType(text, Category.TASK, kind=parts[4], task=parts[3])
    return EventType(text, Category.SEQUENCE, kind=parts[5], stage=parts[3], sequence=parts[4])


def task_type(task: str, kind: str) -> str:
    """``sh.keptn.event.<task>.<kind>``; ``ValueError`` for an empty name or one with a dot."""
    return ".".join((PREFIX, _segment("task", task), _segment("kind", kind)))


def sequence_type(stage: str, sequence: str, kind: str) -> str:
    """``sh.keptn.event.<stage>.<sequence>.<kind>``; ``ValueError`` for an empty or dotted name."""
    return ".".join(
        (PREFIX, _segment("stage", stage), _segment("sequence", sequence), _segment("kind", kind))
    )


def _segment(what: str, value: str) -> str:
    if not value or "." in value:
        raise ValueError(f"{what} name {value!r} must be non-empty and must not contain '.'")
    return value
