"""What the sequence engine's ``decide()`` takes (a snapshot and an input) and gives (a decision)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.execution import Execution
from slogate.domain.sequencing.facts import ProjectFacts
from slogate.domain.sequencing.timeouts import STARTED_TASK_TIMEOUT


class Command(StrEnum):
    """What ``POST /sequence/{project}/{keptnContext}/control`` can ask (§3.9)."""

    PAUSE = "pause"
    RESUME = "resume"
    ABORT = "abort"


@dataclass(frozen=True, slots=True)
class Received:
    """An event from the log."""

    event: KeptnEvent


@dataclass(frozen=True, slots=True)
class Control:
    """Pause, resume or abort one context, in one stage or ("") in all."""

    keptn_context: str
    command: Command
    stage: str = ""


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed: start delayed tasks, time out unanswered ones."""


Input = Received | Control | Tick
Pause = tuple[str, str]  # (keptn context, stage or "" for every stage)


@dataclass(frozen=True)
class Snapshot:
    """What ``decide`` may look at for one project.

    ``executions`` holds every unfinished execution of the services the input concerns, plus any
    execution the input names (the one started by a received trigger, those of a controlled
    context), in creation order. ``facts`` are the project's shipyard, stage revisions and executor
    coverage, loaded by the caller (:func:`slogate.domain.sequencing.facts.needs` says which).
    """

    project: str
    now: datetime
    facts: ProjectFacts
    executions: tuple[Execution, ...] = ()
    pauses: frozenset[Pause] = frozenset()
    task_timeout: timedelta = timedelta(minutes=10)
    started_task_timeout: timedelta = STARTED_TASK_TIMEOUT
    new_id: Callable[[], str] = lambda: ""


@dataclass(frozen=True)
class Decision:
    """The outcome: new or changed executions (by id), events to store, the pause set, log notes."""

    executions: tuple[Execution, ...]
    events: tuple[KeptnEvent, ...]
    pauses: frozenset[Pause]
    notes: tuple[str, ...] = ()
