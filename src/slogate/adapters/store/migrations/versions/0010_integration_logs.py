"""The integrations' error log (Keptn's ``/v1/log``).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``integration_logs`` and its indexes."""
    op.create_table(
        "integration_logs",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("integration_id", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("keptn_context", sa.String(), nullable=False),
        sa.Column("task", sa.String(), nullable=False),
        sa.Column("triggered_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_integration_logs"),
    )
    op.create_index("ix_integration_logs_integration_id_time", "integration_logs", ["integration_id", "time"])
    op.create_index("ix_integration_logs_time", "integration_logs", ["time"])


def downgrade() -> None:
    """Drop ``integration_logs``."""
    op.drop_index("ix_integration_logs_time", table_name="integration_logs")
    op.drop_index("ix_integration_logs_integration_id_time", table_name="integration_logs")
    op.drop_table("integration_logs")
