"""The access tables: scoped API tokens (hashes only), role bindings of users and groups, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import JSON_DOCUMENT, Base, UTCDateTime


class TokenRow(Base):
    """One scoped API token: ``id`` is the public part of ``slg_<id>_<secret>``, ``digest`` the SHA-256
    of the secret part; ``grants`` a list of ``{role, project, stages}``."""

    __tablename__ = "access_tokens"

    id: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)
    digest: Mapped[str] = mapped_column(String(64))
    grants: Mapped[list[dict[str, Any]]] = mapped_column(JSON_DOCUMENT)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_access_tokens"),
        Index("ux_access_tokens_name", "name", unique=True),
    )


class BindingRow(Base):
    """A role held by a subject (``user:<name>``, ``group:<name>``) on a project (``""``: global)."""

    __tablename__ = "role_bindings"

    subject: Mapped[str] = mapped_column(String)
    role: Mapped[str] = mapped_column(String)
    project: Mapped[str] = mapped_column(String)
    stages: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String)

    __table_args__ = (PrimaryKeyConstraint("subject", "role", "project", name="pk_role_bindings"),)


class AuditRow(Base):
    """One audit record; rows are only ever inserted (``seq`` orders them)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String)
    actor_kind: Mapped[str] = mapped_column(String)
    action: Mapped[str] = mapped_column(String)
    outcome: Mapped[str] = mapped_column(String)
    project: Mapped[str] = mapped_column(String)
    stage: Mapped[str] = mapped_column(String)
    service: Mapped[str] = mapped_column(String)
    target: Mapped[str] = mapped_column(String)
    source_ip: Mapped[str] = mapped_column(String)
    details: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)

    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_project_at", "project", "at"))
