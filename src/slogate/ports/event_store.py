"""Ports of the event log: storing, finding, querying and dispatching Keptn events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from slogate.domain.protocol.gate_events import KeptnEvent


class EventStore(Protocol):
    """Keeps Keptn events; answers the datastore queries the gate and the server need."""

    def add(self, events: Sequence[KeptnEvent]) -> None:
        """Store ``events`` in one transaction (all or nothing)."""
        ...

    def get(self, event_id: str) -> KeptnEvent | None:
        """The event with ``event_id``, or None."""
        ...

    def latest_evaluations(
        self,
        project: str,
        stage: str,
        service: str,
        *,
        limit: int,
        results: frozenset[str] | None = None,
        exclude_invalidated: bool = True,
    ) -> list[KeptnEvent]:
        """``evaluation.finished`` events of one service, newest first, as Keptn's datastore answers.

        ``results`` keeps only those whose ``data.result`` is one of them; ``exclude_invalidated``
        drops those whose ``triggeredid`` has an ``evaluation.invalidated`` event.
        """
        ...

    def invalidated_triggered_ids(self, triggered_ids: Sequence[str]) -> frozenset[str]:
        """Which of ``triggered_ids`` have an ``evaluation.invalidated`` event."""
        ...

    def find(
        self,
        *,
        type: str | None = None,
        project: str | None = None,
        stage: str | None = None,
        service: str | None = None,
        shkeptncontext: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[KeptnEvent]:
        """Events matching every given field, newest first, paged."""
        ...


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event waiting for a subscriber, with its position in the log."""

    seq: int
    event: KeptnEvent


class DispatchStore(Protocol):
    """The event log as in-process services consume it: at least once, in order, atomically."""

    def pending(
        self, subscriber: str, types: Sequence[str], limit: int, after: int | None = None
    ) -> list[PendingEvent]:
        """Events of ``types`` the subscriber has not completed, oldest first: those after ``after``
        when the caller knows where the subscriber stands, else after its stored cursor."""
        ...

    def complete(self, subscriber: str, pending: PendingEvent, emitted: Sequence[KeptnEvent]) -> None:
        """Store what handling ``pending`` emitted and mark it done, in one transaction."""
        ...


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """One condition of a datastore query: the event field at ``path`` equals one of ``values``.

    ``path`` names a CloudEvent field as Keptn's datastore does (``("id",)``, ``("source",)``,
    ``("shkeptncontext",)``, ``("data", "project")``, ``("data", "labels", "buildId")``…); a path the
    store cannot resolve matches nothing, as a missing field does in MongoDB.
    """

    path: tuple[str, ...]
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventCriteria:
    """A datastore query: every condition must hold; newest first; ``limit`` None = no limit.

    ``project_collection`` and ``context_collection`` reproduce Keptn's per-project collections:
    only events whose ``data.project`` is the given one ("" = events without a project), or is the
    project of the first stored event of the given context that has one ("" when none has).
    ``roots_only`` keeps the first stored event of each (project, context), events without a
    project having none; ``exclude_invalidated`` drops events whose ``triggeredid`` has an
    ``*.invalidated`` event in the same project.
    """

    fields: tuple[FieldMatch, ...] = ()
    after: datetime | None = None
    before: datetime | None = None
    project_collection: str | None = None
    context_collection: str | None = None
    roots_only: bool = False
    exclude_invalidated: bool = False
    limit: int | None = 20
    offset: int = 0
    count: bool = True


@runtime_checkable
class EventQueries(Protocol):
    """The datastore's general event query (``GET /event``, ``GET /event/type/{type}``)."""

    def query(self, criteria: EventCriteria) -> tuple[list[KeptnEvent], int]:
        """The page of events matching ``criteria`` and how many match in all (-1 if not counted)."""
        ...


@dataclass(frozen=True, slots=True)
class EvaluationSummary:
    """What an overview shows of an ``evaluation.finished``: which, where, when, its result and score
    (``data.evaluation.score`` as stored, "" when absent), and whether it was invalidated."""

    id: str
    keptn_context: str
    stage: str
    service: str
    time: datetime
    triggered_id: str
    result: str
    score: str
    invalidated: bool = False


@runtime_checkable
class EvaluationOverview(Protocol):
    """The newest evaluations of every service of a project at once (the Bridge's environment view)."""

    def latest_evaluations_by_service(
        self, project: str, *, each: int, only: Collection[tuple[str, str]] | None = None
    ) -> dict[tuple[str, str], list[EvaluationSummary]]:
        """The ``each`` newest ``evaluation.finished`` of each (stage, service) that has any (of ``only``,
        when given), newest first, invalidated ones included."""
        ...
