"""``SqlAccessStore`` and ``SqlAuditStore``: tokens, role bindings and the audit log in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from slogate.domain.access import Grant, Role
from slogate.errors import ConflictError
from slogate.ports.access import AuditEntry, AuditFilter, Binding, TokenRecord

from .access_tables import AuditRow, BindingRow, TokenRow
from .database import Sessions


def _grant_json(grant: Grant) -> dict[str, Any]:
    return {"role": grant.role.value, "project": grant.project, "stages": sorted(grant.stages)}


def _grant(data: dict[str, Any]) -> Grant:
    return Grant(Role(data["role"]), str(data.get("project", "")), frozenset(data.get("stages") or ()))


def _token(row: TokenRow) -> TokenRecord:
    grants = tuple(_grant(item) for item in row.grants)
    return TokenRecord(
        row.id, row.name, row.digest, grants, row.created, row.created_by, row.expires, row.last_used
    )


def _binding(row: BindingRow) -> Binding:
    grant = Grant(Role(row.role), row.project, frozenset(row.stages))
    return Binding(row.subject, grant, row.created, row.created_by)


class SqlAccessStore:
    """Tokens and bindings; no cache: each check reads the row, so a revocation holds on every replica."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add_token(self, record: TokenRecord) -> None:
        """Store a new token; ``ConflictError`` when its name is taken."""
        row = TokenRow(
            id=record.id,
            name=record.name,
            digest=record.digest,
            grants=[_grant_json(grant) for grant in record.grants],
            created=record.created,
            created_by=record.created_by,
            expires=record.expires,
            last_used=None,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise ConflictError(
                f"a token named {record.name!r} exists: choose another --name or revoke it first"
            ) from None

    def token(self, token_id: str) -> TokenRecord | None:
        """The token with ``token_id``, if any."""
        with self._sessions() as session:
            row = session.get(TokenRow, token_id)
            return None if row is None else _token(row)

    def tokens(self) -> list[TokenRecord]:
        """Every token, by name."""
        with self._sessions() as session:
            return [_token(row) for row in session.scalars(select(TokenRow).order_by(TokenRow.name))]

    def delete_token(self, name: str) -> TokenRecord | None:
        """Remove the token named ``name``; the removed record, or None."""
        with self._sessions.begin() as session:
            row = session.scalars(select(TokenRow).where(TokenRow.name == name)).first()
            if row is None:
                return None
            record = _token(row)
            session.delete(row)
            return record

    def touch_token(self, token_id: str, at: datetime) -> None:
        """Note that ``token_id`` was used at ``at``."""
        with self._sessions.write_connection() as connection:
            connection.execute(update(TokenRow).where(TokenRow.id == token_id).values(last_used=at))

    def bind(self, binding: Binding) -> None:
        """Store or replace a binding (same subject, role and project)."""
        grant = binding.grant
        with self._sessions.begin() as session:
            key = (binding.subject, grant.role.value, grant.project)
            row = session.get(BindingRow, key, with_for_update=True)
            if row is None:
                row = BindingRow(subject=binding.subject, role=grant.role.value, project=grant.project)
                session.add(row)
            row.stages = sorted(grant.stages)
            row.created = binding.created
            row.created_by = binding.created_by

    def unbind(self, subject: str, role: str, project: str) -> bool:
        """Remove a binding; whether it existed."""
        with self._sessions.begin() as session:
            deleted = session.execute(
                delete(BindingRow).where(
                    BindingRow.subject == subject, BindingRow.role == role, BindingRow.project == project
                )
            )
            return bool(getattr(deleted, "rowcount", 0))

    def bindings(self, subjects: Sequence[str] | None = None) -> list[Binding]:
        """The bindings of ``subjects`` (None: all), by subject, project and role."""
        query = select(BindingRow).order_by(BindingRow.subject, BindingRow.project, BindingRow.role)
        if subjects is not None:
            query = query.where(BindingRow.subject.in_(list(subjects)))
        with self._sessions() as session:
            return [_binding(row) for row in session.scalars(query)]


class SqlAuditStore:
    """The audit log: rows are inserted and read, never updated or deleted by slogate."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def append(self, entry: AuditEntry) -> None:
        """Add one record."""
        values = {
            "at": entry.at,
            "actor": entry.actor,
            "actor_kind": entry.actor_kind,
            "action": entry.action,
            "outcome": entry.outcome,
            "project": entry.project,
            "stage": entry.stage,
            "service": entry.service,
            "target": entry.target,
            "source_ip": entry.source_ip,
            "details": entry.details,
        }
        with self._sessions.write_connection() as connection:
            connection.execute(insert(AuditRow).values(**values))

    def query(self, selection: AuditFilter) -> list[AuditEntry]:
        """The records matching ``selection``, newest first."""
        query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(max(1, selection.limit))
        for column, value in (
            (AuditRow.project, selection.project),
            (AuditRow.actor, selection.actor),
            (AuditRow.action, selection.action),
            (AuditRow.outcome, selection.outcome),
        ):
            if value:
                query = query.where(column == value)
        if selection.since is not None:
            query = query.where(AuditRow.at >= selection.since)
        if selection.projects is not None:
            query = query.where(AuditRow.project.in_(list(selection.projects)))
        with self._sessions() as session:
            return [_entry(row) for row in session.scalars(query)]


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        actor=row.actor,
        actor_kind=row.actor_kind,
        action=row.action,
        outcome=row.outcome,
        project=row.project,
        stage=row.stage,
        service=row.service,
        target=row.target,
        source_ip=row.source_ip,
        details=dict(row.details or {}),
        seq=row.seq,
    )
