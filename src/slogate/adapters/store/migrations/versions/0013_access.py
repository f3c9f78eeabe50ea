"""Access control: scoped API tokens (hashes only), role bindings of users and groups, the audit log,
and the project of a secret.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    """Create ``access_tokens``, ``role_bindings`` and ``audit_log``; give secrets a project."""
    op.add_column("secrets", sa.Column("project", sa.String(), server_default="", nullable=False))
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("grants", _JSON, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_tokens"),
    )
    op.create_index("ux_access_tokens_name", "access_tokens", ["name"], unique=True)
    op.create_table(
        "role_bindings",
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("stages", _JSON, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "role", "project", name="pk_role_bindings"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("actor_kind", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("source_ip", sa.String(), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_project_at", "audit_log", ["project", "at"])


def downgrade() -> None:
    """Drop the three tables and the secrets' project."""
    op.drop_column("secrets", "project")
    op.drop_table("audit_log")
    op.drop_table("role_bindings")
    op.drop_index("ux_access_tokens_name", table_name="access_tokens")
    op.drop_table("access_tokens")
