"""Sequence executions (Keptn's documents with indexed columns and a deadline) and paused contexts.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_EXECUTIONS = "sequence_executions"
_INDEXES = {
    "ix_sequence_executions_project_service_state": ["project", "service", "state"],
    "ix_sequence_executions_project_keptn_context": ["project", "keptn_context"],
    "ix_sequence_executions_project_triggered_at": ["project", "triggered_at", "seq"],
    "ix_sequence_executions_project_stage": ["project", "stage"],
    "ix_sequence_executions_project_name": ["project", "name"],
    "ix_sequence_executions_project_state": ["project", "state"],
    "ix_sequence_executions_deadline": ["deadline"],
    "ix_sequence_executions_current_task_id": ["current_task_id"],
}


def upgrade() -> None:
    """Create ``sequence_executions`` with its indexes, and ``sequence_pauses``."""
    op.create_table(
        _EXECUTIONS,
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("keptn_context", sa.String(), nullable=False),
        sa.Column("triggered_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("triggered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_task_id", sa.String(), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_sequence_executions"),
        sa.UniqueConstraint("project", "triggered_id", name="uq_sequence_executions_project_triggered_id"),
    )
    op.create_index("ux_sequence_executions_id", _EXECUTIONS, ["id"], unique=True)
    for name, columns in _INDEXES.items():
        op.create_index(name, _EXECUTIONS, columns)
    op.create_table(
        "sequence_pauses",
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("keptn_context", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("project", "keptn_context", "stage", name="pk_sequence_pauses"),
    )


def downgrade() -> None:
    """Drop ``sequence_pauses`` and ``sequence_executions`` with its indexes."""
    op.drop_table("sequence_pauses")
    op.drop_table(_EXECUTIONS)
