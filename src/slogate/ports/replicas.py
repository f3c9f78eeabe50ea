"""Ports of several replicas on one database: their heartbeats and the check values of shared keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ReplicaRecord:
    """A replica (a ``slogate server`` process): its name, version, start and last heartbeat."""

    name: str
    version: str
    started_at: datetime
    last_seen: datetime


class ReplicaStore(Protocol):
    """Keeps one heartbeat row per replica."""

    def beat(self, replica: ReplicaRecord) -> None:
        """Insert or refresh ``replica``'s row."""
        ...

    def replicas(self, seen_since: datetime) -> list[ReplicaRecord]:
        """The replicas seen at or after ``seen_since``, by name."""
        ...

    def forget(self, name: str) -> None:
        """Delete ``name``'s row (a replica that stops cleanly)."""
        ...


class KeyChecks(Protocol):
    """The one-way check values of the keys the replicas of a database must share."""

    def agreed(self, name: str, check_value: str) -> str:
        """The check value stored for ``name``: ``check_value`` when none was stored yet (it is then)."""
        ...
