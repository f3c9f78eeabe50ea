"""The audit log: who (a token's or a user's name) did what, where, from where, and the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slogate.domain.access import Principal
from slogate.ports.access import AuditEntry, AuditFilter, AuditStore

_log = logging.getLogger(__name__)

ALLOWED = "allowed"
DENIED = "denied"
MAX_TEXT = 500  # longer values (a hostile project name) are cut, so one row stays small


def _short(value: str) -> str:
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"


class AuditLog:
    """Appends records to the store (never updates them) and answers filtered queries."""

    def __init__(self, store: AuditStore, now: Callable[[], datetime]) -> None:
        self._store = store
        self._now = now

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
        """Append one record (``outcome``: ``allowed``, ``denied``, or what happened)."""
        entry = AuditEntry(
            at=self._now(),
            actor=_short(actor.name),
            actor_kind=actor.kind,
            action=action,
            outcome=outcome,
            project=_short(project),
            stage=_short(stage),
            service=_short(service),
            target=_short(target),
            source_ip=source_ip,
            details=details or {},
        )
        self._store.append(entry)
        _log.info("audit: %s %s %s %s %s", entry.actor, action, outcome, entry.project, entry.target)

    def query(
        self,
        project: str = "",
        actor: str = "",
        action: str = "",
        outcome: str = "",
        since: datetime | None = None,
        projects: list[str] | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Records newest first, filtered; ``projects``: only those projects' records (None: all)."""
        selection = AuditFilter(project, actor, action, outcome, since, projects, min(limit, 10_000))
        return self._store.query(selection)
