"""Port of the integrations' error log (Keptn's ``/v1/log``): entries kept for a while, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LogEntry:
    """Keptn's ``LogEntry``: what an integration reported failing, and for which event."""

    integration_id: str
    message: str
    time: datetime
    keptn_context: str = ""
    task: str = ""
    triggered_id: str = ""


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Which entries a read or a delete concerns: one integration (or all), a time window."""

    integration_id: str = ""
    after: datetime | None = None  # entries at or after it
    before: datetime | None = None  # entries before it


class IntegrationLogStore(Protocol):
    """Durable storage of the error log."""

    def add(self, entries: list[LogEntry], expire_before: datetime) -> None:
        """Store ``entries`` in one transaction, and drop those older than ``expire_before``."""

    def find(self, where: LogFilter, limit: int, offset: int) -> tuple[list[LogEntry], int]:
        """One page of the matching entries, newest first, and how many match."""

    def delete(self, where: LogFilter) -> int:
        """Delete the matching entries; how many."""
