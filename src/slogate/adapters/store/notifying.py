"""An event store that tells the dispatcher about every commit, so in-process services react at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from slogate.domain.protocol.gate_events import KeptnEvent

from .repository import SqlEventStore


class NotifyingEventStore(SqlEventStore):
    """``SqlEventStore`` that calls ``on_commit(types)`` (each type once) after each successful ``add``."""

    def __init__(self, engine: Engine, on_commit: Callable[[Sequence[str]], None]) -> None:
        super().__init__(engine)
        self._on_commit = on_commit

    def add(self, events: Sequence[KeptnEvent]) -> None:
        """Store ``events`` in one transaction, then notify."""
        super().add(events)
        self._on_commit(list(dict.fromkeys(event.type for event in events)))  # each type once
