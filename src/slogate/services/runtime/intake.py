"""Event intake: every event posted through the API or sent from the Bridge is stored alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.services.runtime.group_commit import GroupCommit
from slogate.services.usecases.event_log import accepted


class EventIntake:
    """Validates a posted CloudEvent, stores it by group commit and counts it by type."""

    def __init__(self, writer: GroupCommit, on_accepted: Callable[[str], None]) -> None:
        self._writer = writer
        self._on_accepted = on_accepted

    async def ingest(self, raw: Mapping[str, Any], now: datetime) -> KeptnEvent:
        """The stored event (committed when this returns); ``InputError`` with Keptn's text when
        ``raw`` breaks the ingestion rules, and nothing is stored or counted then."""
        event = accepted(raw, now)
        await self.store(event)
        return event

    async def store(self, event: KeptnEvent) -> None:
        """Store an event already accepted by the ingestion rules (committed when this returns), and
        count it."""
        await self._writer.add(event)
        self._on_accepted(event.type)
