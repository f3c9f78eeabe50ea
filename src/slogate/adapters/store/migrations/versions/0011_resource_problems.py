"""The problems found in uploaded files (slo.yaml, webhook.yaml, …), kept with each file.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``resource_problems``."""
    op.create_table(
        "resource_problems",
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("uri", sa.String(), nullable=False),
        sa.Column("revision", sa.String(length=40), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("project", "stage", "service", "uri", name="pk_resource_problems"),
    )


def downgrade() -> None:
    """Drop ``resource_problems``."""
    op.drop_table("resource_problems")
