"""The events table: every Keptn CloudEvent, with its scope denormalised for the datastore queries."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``events`` and its indexes."""
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shkeptncontext", sa.String(), nullable=False),
        sa.Column("triggeredid", sa.String(), nullable=False),
        sa.Column("gitcommitid", sa.String(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
    )
    op.create_index("ux_events_id", "events", ["id"], unique=True)
    op.create_index(
        "ix_events_type_scope_time", "events", ["type", "project", "stage", "service", "time", "seq"]
    )
    op.create_index("ix_events_triggeredid_type", "events", ["triggeredid", "type"])
    op.create_index("ix_events_shkeptncontext", "events", ["shkeptncontext"])
    op.create_index("ix_events_time_seq", "events", ["time", "seq"])


def downgrade() -> None:
    """Drop ``events`` with its indexes."""
    op.drop_table("events")
