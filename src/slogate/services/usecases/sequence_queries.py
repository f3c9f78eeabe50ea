"""Read-only views of sequences for the API and the UI: executions and the per-context state view.

Both are returned as domain values; the API encodes them as Keptn's JSON (``sequence_json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slogate.domain.sequencing.execution import Execution
from slogate.domain.sequencing.state_view import SequenceState, sequence_state
from slogate.errors import NotFoundError
from slogate.ports import EventStore, ScopeChecker, SequenceStore
from slogate.services.usecases.catalog import PROJECT_NOT_FOUND

CONTEXT_EVENTS = 10_000  # more events than any one sequence run sends


class SequenceQueries:
    """Answers ``GET /sequence/{project}`` and ``GET /sequence-execution`` from the store."""

    def __init__(self, store: SequenceStore, events: EventStore, scopes: ScopeChecker) -> None:
        self._store = store
        self._events = events
        self._scopes = scopes

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
        """The executions, newest first, and how many match."""
        executions, total = self._store.executions(
            project,
            stage=stage,
            service=service,
            name=name,
            state=state,
            keptn_context=keptn_context,
            limit=limit,
            offset=offset,
        )
        return list(executions), total

    def states(
        self,
        project: str,
        *,
        name: str = "",
        state: str = "",
        from_time: datetime | None = None,
        before_time: datetime | None = None,
        keptn_contexts: Sequence[str] = (),
        limit: int,
        offset: int,
    ) -> tuple[list[SequenceState], int]:
        """The state of each context, newest first, and how many contexts match."""
        if not self._scopes.project_exists(project):
            raise NotFoundError(PROJECT_NOT_FOUND.format(project))
        contexts, total = self._store.contexts(
            project,
            name=name,
            state=state,
            keptn_contexts=keptn_contexts,
            from_time=from_time,
            before_time=before_time,
            limit=limit,
            offset=offset,
        )
        states = []
        for keptn_context, executions in contexts:
            events = self._events.find(shkeptncontext=keptn_context, limit=CONTEXT_EVENTS)
            states.append(sequence_state(executions, list(reversed(events))))
        return states, total
