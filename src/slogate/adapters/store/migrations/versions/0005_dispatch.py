"""Subscriber cursors: which events each in-process service has completed.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``subscriber_cursors``."""
    op.create_table(
        "subscriber_cursors",
        sa.Column("subscriber", sa.String(length=100), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subscriber", name=op.f("pk_subscriber_cursors")),
    )


def downgrade() -> None:
    """Drop ``subscriber_cursors``."""
    op.drop_table("subscriber_cursors")
