"""Until issue 20's audit store is merged: a bounded in-memory audit log with its ``record``/``query``
signature (services/usecases/audit.py's AuditLog). The server context's ``audit``, once it exists,
replaces it (see :func:`audit_log_of`); then this module can go."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from fastapi import Request

from slogate.domain.access import Principal

KEPT = 10_000


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One record, with the fields of the store's AuditEntry."""

    at: datetime
    actor: str
    actor_kind: str
    action: str
    outcome: str
    project: str = ""
    stage: str = ""
    service: str = ""
    target: str = ""
    source_ip: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class AuditReader(Protocol):
    """What the Bridge needs of an audit log."""

    def record(
        self,
        actor: Principal,
        action: str,
        outcome: str,
        project: str = "",
        stage: str = "",
        service: str = "",
        target: str = "",
        source_ip: str = "",
        details: dict[str, Any] | None = None,
    ) -> None: ...

    def query(
        self,
        project: str = "",
        actor: str = "",
        action: str = "",
        outcome: str = "",
        since: datetime | None = None,
        projects: list[str] | None = None,
        limit: int = 100,
    ) -> list[Any]: ...


class MemoryAuditLog:
    """The last :data:`KEPT` records of this process, newest first in queries."""

    def __init__(self) -> None:
        self._entries: deque[AuditEntry] = deque(maxlen=KEPT)
        self._lock = threading.Lock()

    def record(
        self,
        actor: Principal,
        action: str,
        outcome: str,
        project: str = "",
        stage: str = "",
        service: str = "",
        target: str = "",
        source_ip: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append one record."""
        entry = AuditEntry(
            datetime.now(UTC), actor.name, actor.kind, action, outcome,
            project, stage, service, target, source_ip, details or {},
        )  # fmt: skip
        with self._lock:
            self._entries.append(entry)

    def query(
        self,
        project: str = "",
        actor: str = "",
        action: str = "",
        outcome: str = "",
        since: datetime | None = None,
        projects: list[str] | None = None,
        limit: int = 100,
    ) -> list[Any]:
        """Records newest first, filtered (empty filters match everything)."""
        with self._lock:
            entries = list(reversed(self._entries))
        wanted = {"project": project, "actor": actor, "action": action, "outcome": outcome}
        found = [
            entry
            for entry in entries
            if all(not value or getattr(entry, name) == value for name, value in wanted.items())
            and (since is None or entry.at >= since)
            and (projects is None or entry.project in projects)
        ]
        return found[:limit]


def audit_log_of(request: Request) -> AuditReader:
    """The server's audit log (``context.audit``) when it has one, else this process's shim."""
    stored: AuditReader | None = getattr(request.app.state.context, "audit", None)
    if stored is not None:
        return stored
    shim: AuditReader = request.app.state.bridge_audit
    return shim
