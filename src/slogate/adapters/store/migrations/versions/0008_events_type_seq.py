"""An index on events (type, seq): the dispatcher's reads of exact event types after a cursor.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``ix_events_type_seq``."""
    op.create_index("ix_events_type_seq", "events", ["type", "seq"])


def downgrade() -> None:
    """Drop ``ix_events_type_seq``."""
    op.drop_index("ix_events_type_seq", table_name="events")
