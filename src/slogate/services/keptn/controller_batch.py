"""A batch of sequence decisions committed in one transaction, each decision seeing the ones before it.

The batch also loads what the pure engine is given besides executions (``ProjectFacts``): each
fact at most once per project and batch, and only when a decision may read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine_io import Decision, Pause, Snapshot
from slogate.domain.sequencing.execution import Execution
from slogate.domain.sequencing.facts import UNLOADED, ExecutorKey, ProjectFacts, needs, needs_shipyard
from slogate.domain.sequencing.shipyard import Shipyard
from slogate.domain.sequencing.timeouts import deadline
from slogate.ports import SequenceStore, SequenceWrite


@dataclass(frozen=True)
class FactSources:
    """Where the facts of a decision come from: the project's parsed shipyard (None when it has
    none), a stage's current revision, and whether anything takes a task (type, project, stage, service)."""

    shipyard: Callable[[str], Shipyard | None]
    stage_revision: Callable[[str, str], str]
    has_executor: Callable[[str, str, str, str], bool]


class BatchFacts:
    """The facts of one batch, each loaded at most once per project and only if a decision may ask
    for it: what the decisions are given."""

    def __init__(self, sources: FactSources) -> None:
        self._sources = sources
        self._shipyards: dict[str, Shipyard | None] = {}
        self._revisions: dict[tuple[str, str], str] = {}
        self._executors: dict[tuple[str, ExecutorKey], bool] = {}

    def load(self, project: str, executions: Iterable[Execution], event: KeptnEvent | None) -> ProjectFacts:
        """The facts a decision over ``executions`` (and the received ``event``) may ask for."""
        shipyard = self._shipyard(project) if needs_shipyard(event) else UNLOADED
        wanted = needs(shipyard, executions, event)
        revisions = {stage: self._revision(project, stage) for stage in wanted.stages}
        executors = {key: self._has_executor(project, key) for key in wanted.executors}
        return ProjectFacts(shipyard, revisions, executors)

    def _shipyard(self, project: str) -> Shipyard | None:
        if project not in self._shipyards:
            self._shipyards[project] = self._sources.shipyard(project)
        return self._shipyards[project]

    def _revision(self, project: str, stage: str) -> str:
        if (project, stage) not in self._revisions:
            self._revisions[project, stage] = self._sources.stage_revision(project, stage)
        return self._revisions[project, stage]

    def _has_executor(self, project: str, key: ExecutorKey) -> bool:
        if (project, key) not in self._executors:
            event_type, stage, service = key
            self._executors[project, key] = self._sources.has_executor(event_type, project, stage, service)
        return self._executors[project, key]


class Batch:
    """Decisions not yet committed: the executions they changed overlay what the store returns."""

    def __init__(
        self,
        store: SequenceStore,
        task_timeout: timedelta,
        known_pauses: dict[str, frozenset[Pause]],
        sources: FactSources,
    ) -> None:
        self.facts = BatchFacts(sources)
        self._store = store
        self._task_timeout = task_timeout
        self._known_pauses = known_pauses  # the committed pause sets, kept across batches
        self._executions: dict[str, tuple[Execution, datetime | None]] = {}
        self._pauses: dict[str, frozenset[Pause]] = {}
        self._changed_pauses: set[str] = set()
        self._events: list[KeptnEvent] = []

    def executions(
        self, project: str, services: Sequence[str], contexts: Sequence[str], triggered_ids: Sequence[str]
    ) -> tuple[Execution, ...]:
        """``SequenceStore.load`` as if this batch were committed: stored executions replaced by their
        newer versions, and the executions this batch created that the selection includes."""
        stored = self._store.load(project, services, contexts, triggered_ids)
        merged = {execution.id: self._latest(execution) for execution in stored}
        for execution, _ in self._executions.values():
            if execution.id not in merged and _selected(
                execution, project, services, contexts, triggered_ids
            ):
                merged[execution.id] = execution
        return tuple(merged.values())

    def pauses(self, project: str) -> frozenset[Pause]:
        """The project's pauses, as this batch left them."""
        if project not in self._pauses:
            if project not in self._known_pauses:
                self._known_pauses[project] = self._store.pauses(project)
            self._pauses[project] = self._known_pauses[project]
        return self._pauses[project]

    def add(self, snapshot: Snapshot, decision: Decision) -> None:
        """Keep ``decision`` (taken on ``snapshot``) for the commit."""
        for execution in decision.executions:
            self._executions[execution.id] = (
                execution,
                deadline(execution, snapshot.task_timeout, snapshot.now, snapshot.started_task_timeout),
            )
        if decision.pauses != self.pauses(snapshot.project):
            self._pauses[snapshot.project] = decision.pauses
            self._changed_pauses.add(snapshot.project)
        self._events += decision.events

    @property
    def emitted_types(self) -> list[str]:
        """The types of the events to store."""
        return [event.type for event in self._events]

    @property
    def earliest_deadline(self) -> datetime | None:
        """The earliest deadline among the executions this batch writes."""
        deadlines = [due for _, due in self._executions.values() if due is not None]
        return min(deadlines, default=None)

    def commit(self, cursor: tuple[str, int] | None) -> None:
        """Store everything (and move ``cursor``) in one transaction; then remember the pause sets."""
        projects = dict.fromkeys(
            [execution.scope.project for execution, _ in self._executions.values()]
            + sorted(self._changed_pauses)
        )
        writes = [
            SequenceWrite(
                project=project,
                executions=tuple(
                    item for item in self._executions.values() if item[0].scope.project == project
                ),
                events=(),
                pauses=self._pauses[project] if project in self._changed_pauses else None,
            )
            for project in projects
        ]
        writes.append(SequenceWrite(project="", executions=(), events=tuple(self._events), pauses=None))
        self._store.commit(writes, cursor)
        for project in self._changed_pauses:
            self._known_pauses[project] = self._pauses[project]

    def _latest(self, execution: Execution) -> Execution:
        newer = self._executions.get(execution.id)
        return newer[0] if newer is not None else execution


def _selected(
    execution: Execution, project: str, services: Sequence[str], contexts: Sequence[str], ids: Sequence[str]
) -> bool:
    scope = execution.scope
    if scope.project != project:
        return False
    unfinished_of_service = scope.service in services and not execution.state.done
    return unfinished_of_service or scope.keptn_context in contexts or scope.triggered_id in ids
