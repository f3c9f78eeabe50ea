"""Several replicas on one database: their heartbeats, the key check values, the logged-out sessions.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``replicas``, ``key_checks`` and ``revoked_sessions``."""
    op.create_table(
        "replicas",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_replicas"),
    )
    op.create_table(
        "key_checks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("check_value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_key_checks"),
    )
    op.create_table(
        "revoked_sessions",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_revoked_sessions"),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("revoked_sessions")
    op.drop_table("key_checks")
    op.drop_table("replicas")
