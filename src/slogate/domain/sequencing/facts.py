"""What ``decide()`` knows of a project besides its executions: shipyard, stage revisions, executor coverage.

The caller loads these values before deciding (:func:`needs` says which); the engine never reaches
back out. A fact the engine needs but was not given is a defect of the caller: :class:`MissingFactError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from slogate.domain.protocol.event_types import parse_event_type, task_type
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.execution import Execution, Scope
from slogate.domain.sequencing.shipyard import Shipyard
from slogate.errors import SlogateError

ExecutorKey = tuple[str, str, str]  # (task event type ``sh.keptn.event.<task>.triggered``, stage, service)


class MissingFactError(SlogateError, LookupError):
    """``decide()`` needed a fact that the caller did not load (the message names it): a bug, never the
    user's doing (a 500 in the API)."""

    code = "missing_fact"


class Unloaded(Enum):
    """The shipyard of a decision that cannot read it (:func:`needs_shipyard` said so)."""

    SHIPYARD = "not loaded"


UNLOADED = Unloaded.SHIPYARD


@dataclass(frozen=True)
class ProjectFacts:
    """One project's facts for a decision: its parsed shipyard (None: the project has none), the
    current revision of stages (for new executions), and whether anything takes a task in a scope."""

    shipyard: Shipyard | Unloaded | None
    revisions: Mapping[str, str] = field(default_factory=dict)
    executors: Mapping[ExecutorKey, bool] = field(default_factory=dict)

    def loaded_shipyard(self) -> Shipyard | None:
        """The shipyard (None when the project has none)."""
        if self.shipyard is UNLOADED:
            raise MissingFactError("the shipyard was not loaded")
        return self.shipyard

    def revision(self, stage: str) -> str:
        """The stage's current revision id (``""`` when it has none)."""
        try:
            return self.revisions[stage]
        except KeyError:
            raise MissingFactError(f"the revision of stage {stage!r} was not loaded") from None

    def has_executor(self, event_type: str, scope: Scope) -> bool:
        """Whether a built-in service, a built-in executor or an integration takes ``event_type`` there."""
        key = (event_type, scope.stage, scope.service)
        try:
            return self.executors[key]
        except KeyError:
            raise MissingFactError(f"whether anything takes {key} was not loaded") from None


@dataclass(frozen=True)
class Needs:
    """What one decision may ask: the revisions of ``stages`` and the executor coverage of ``executors``."""

    stages: frozenset[str] = frozenset()
    executors: frozenset[ExecutorKey] = frozenset()


def needs_shipyard(event: KeptnEvent | None) -> bool:
    """Whether a decision on ``event`` may read the shipyard: a sequence trigger starts a sequence
    from it; a task's ``.finished`` may end one, whose ``.finished`` may trigger others. Nothing
    else reads it (a timeout, an abort, a missing executor end a sequence without chaining)."""
    parsed = parse_event_type(event.type) if event is not None else None
    if parsed is None:
        return False
    return (parsed.is_sequence and parsed.kind == "triggered") or (
        parsed.is_task and parsed.kind == "finished"
    )


def needs(
    shipyard: Shipyard | Unloaded | None, executions: Iterable[Execution], event: KeptnEvent | None
) -> Needs:
    """The facts a decision over ``executions`` (and the received ``event``, if any) may ask for,
    besides the shipyard (``needs_shipyard``; given here when loaded).

    A task is sent once, so an execution may send its next task when it has none yet (queued), its
    current task while unsent, or the one after it when ``event`` is a ``.finished`` answering its
    current task (one input completes at most one task); a new execution (from a sequence trigger)
    its first task.
    """
    parsed = parse_event_type(event.type) if event is not None else None
    answered = (
        event.triggeredid if event is not None and parsed is not None and parsed.kind == "finished" else None
    )
    keys = {
        (task_type(name, "triggered"), execution.scope.stage, execution.scope.service)
        for execution in executions
        if not execution.state.done
        for name in _sendable(execution, answered)
    }
    stages: set[str] = set()
    if event is not None and parsed is not None and parsed.is_sequence and parsed.kind == "triggered":
        if not event.gitcommitid:
            stages.add(parsed.stage)
        loaded = ProjectFacts(shipyard).loaded_shipyard()
        stage = loaded.stage(parsed.stage) if loaded is not None else None
        sequence = stage.sequence(parsed.sequence) if stage is not None else None
        if sequence is not None and sequence.tasks:
            keys.add((task_type(sequence.tasks[0].name, "triggered"), parsed.stage, event.service))
    return Needs(frozenset(stages), frozenset(keys))


def _sendable(execution: Execution, answered: str | None) -> list[str]:
    """The names of the tasks ``execution`` may send in one decision (see :func:`needs`)."""
    index = len(execution.previous_tasks)
    current = execution.current_task
    names = [task.name for task in execution.sequence.tasks]
    sendable = []
    if current is None or current.sent_at is None:
        sendable.append(index)
    if current is not None and answered is not None and current.triggered_id == answered:
        sendable.append(index + 1)
    return [names[position] for position in sendable if position < len(names)]
