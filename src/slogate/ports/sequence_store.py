"""Ports of the sequence engine's state: executions, pauses, and committing a decision atomically."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine_io import Pause
from slogate.domain.sequencing.execution import Execution


@dataclass(frozen=True)
class SequenceWrite:
    """What one decision about ``project`` changes.

    ``executions`` are new or changed executions, each with its deadline (``sequence_engine.deadline``);
    ``events`` are the events the decision emits; ``pauses`` is the project's whole new pause set, or
    None to leave it as it is.
    """

    project: str
    executions: tuple[tuple[Execution, datetime | None], ...] = ()
    events: tuple[KeptnEvent, ...] = ()
    pauses: frozenset[Pause] | None = None


class SequenceStore(Protocol):
    """Sequence executions (Keptn's ``SequenceExecution`` documents) and paused contexts, per project."""

    def load(
        self,
        project: str,
        services: Sequence[str],
        contexts: Sequence[str] = (),
        triggered_ids: Sequence[str] = (),
    ) -> tuple[Execution, ...]:
        """The snapshot for a decision, in creation order without duplicates: every unfinished execution
        of ``services`` in ``project``, and every execution (any state) of ``contexts`` or whose trigger
        id is one of ``triggered_ids``."""
        ...

    def pauses(self, project: str) -> frozenset[Pause]:
        """The paused (context, stage) pairs of ``project``; stage "" pauses every stage."""
        ...

    def commit(self, writes: Sequence[SequenceWrite], cursor: tuple[str, int] | None = None) -> None:
        """In one transaction: insert or update the executions with their deadlines, replace the pause
        sets given, store the events, and move ``cursor`` = (subscriber, seq) forward when given.

        ``ConflictError`` (nothing stored) when an execution of a trigger (project, triggered id) or an
        event id is stored already.
        """
        ...

    def due(self, until: datetime) -> list[tuple[str, str]]:
        """The distinct (project, service) pairs with an unfinished execution due at or before ``until``."""
        ...

    def next_deadline(self) -> datetime | None:
        """The earliest deadline of any unfinished execution, or None."""
        ...

    def executions(
        self,
        project: str,
        *,
        stage: str = "",
        service: str = "",
        name: str = "",
        state: str = "",
        keptn_context: str = "",
        limit: int,
        offset: int,
    ) -> tuple[list[Execution], int]:
        """``GET /sequence-execution``: the project's executions matching every non-empty filter, newest
        first by trigger time, paged; and how many match in all."""
        ...

    def contexts(
        self,
        project: str,
        *,
        name: str = "",
        state: str = "",
        keptn_contexts: Sequence[str] = (),
        from_time: datetime | None = None,
        before_time: datetime | None = None,
        limit: int,
        offset: int,
    ) -> tuple[list[tuple[str, list[Execution]]], int]:
        """``GET /sequence/{project}``: the project's contexts, newest first, each with all its executions
        in creation order, paged; and how many contexts match in all.

        A context's root is its first execution: ``name`` filters on its sequence name, ``from_time`` and
        ``before_time`` (exclusive) on its trigger time, which also orders the contexts. ``state`` filters
        on the state of the context's latest execution (an execution state, not a state-view state).
        """
        ...

    def delete_project(self, project: str) -> None:
        """Remove every execution and pause of ``project``."""
        ...

    def open_tasks(self, triggered_ids: Sequence[str]) -> frozenset[str]:
        """Those of ``triggered_ids`` that are the sent, unfinished task of some execution."""
        ...
