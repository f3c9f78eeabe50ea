"""Ports of access control: scoped API tokens, role bindings, and the append-only audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from slogate.domain.access import Grant


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A stored token: never its secret, only the SHA-256 ``digest`` of it."""

    id: str
    name: str
    digest: str
    grants: tuple[Grant, ...]
    created: datetime
    created_by: str
    expires: datetime | None = None
    last_used: datetime | None = None


@dataclass(frozen=True, slots=True)
class Binding:
    """A role held by ``subject`` (``user:<name>`` or ``group:<name>``)."""

    subject: str
    grant: Grant
    created: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record: who did what, where, from where, with which outcome."""

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
    seq: int = 0


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit records a query returns (empty fields: any); newest first, at most ``limit``."""

    project: str = ""
    actor: str = ""
    action: str = ""
    outcome: str = ""
    since: datetime | None = None
    projects: Sequence[str] | None = None
    limit: int = 100


class AccessStore(Protocol):
    """Tokens and bindings; every read goes to the database (revocations hold on every replica)."""

    def add_token(self, record: TokenRecord) -> None:
        """Store a new token; ``ConflictError`` when its name is taken."""
        ...

    def token(self, token_id: str) -> TokenRecord | None:
        """The token with ``token_id``, if any."""
        ...

    def tokens(self) -> list[TokenRecord]:
        """Every token, by name."""
        ...

    def delete_token(self, name: str) -> TokenRecord | None:
        """Remove the token named ``name``; the removed record, or None."""
        ...

    def touch_token(self, token_id: str, at: datetime) -> None:
        """Note that ``token_id`` was used at ``at``."""
        ...

    def bind(self, binding: Binding) -> None:
        """Store or replace a binding (same subject, role and project)."""
        ...

    def unbind(self, subject: str, role: str, project: str) -> bool:
        """Remove a binding; whether it existed."""
        ...

    def bindings(self, subjects: Sequence[str] | None = None) -> list[Binding]:
        """The bindings of ``subjects`` (None: all), by subject."""
        ...


class AuditStore(Protocol):
    """The audit log: append and query, never update."""

    def append(self, entry: AuditEntry) -> None:
        """Add one record."""
        ...

    def query(self, selection: AuditFilter) -> list[AuditEntry]:
        """The records matching ``selection``, newest first."""
        ...
