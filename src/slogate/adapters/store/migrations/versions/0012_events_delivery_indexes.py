"""Covering indexes for the delivery figures: (type, project, stage, service, time, seq) carries the
result, context and triggered id; the context index carries the time.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

_SCOPE = ["type", "project", "stage", "service", "time", "seq"]
_CARRIED = ["result", "shkeptncontext", "triggeredid"]


def upgrade() -> None:
    """Widen ``ix_events_type_scope_time``; replace ``ix_events_shkeptncontext`` by one with the time."""
    op.drop_index("ix_events_type_scope_time", table_name="events")
    op.create_index("ix_events_type_scope_time", "events", [*_SCOPE, *_CARRIED])
    op.drop_index("ix_events_shkeptncontext", table_name="events")
    op.create_index("ix_events_shkeptncontext_time", "events", ["shkeptncontext", "time"])


def downgrade() -> None:
    """Restore the indexes of revision 0011."""
    op.drop_index("ix_events_shkeptncontext_time", table_name="events")
    op.create_index("ix_events_shkeptncontext", "events", ["shkeptncontext"])
    op.drop_index("ix_events_type_scope_time", table_name="events")
    op.create_index("ix_events_type_scope_time", "events", _SCOPE)
