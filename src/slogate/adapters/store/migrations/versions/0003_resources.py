"""Versioned resources: revisions (Keptn's commits) per history and the file versions each one wrote.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``revisions`` and ``resource_versions`` with their indexes."""
    op.create_table(
        "revisions",
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("project", "stage", "number", name="pk_revisions"),
    )
    op.create_index("ux_revisions_id", "revisions", ["id"], unique=True)
    op.create_table(
        "resource_versions",
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("uri", sa.String(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("project", "stage", "service", "uri", "number", name="pk_resource_versions"),
        sa.ForeignKeyConstraint(
            ["project", "stage", "number"],
            ["revisions.project", "revisions.stage", "revisions.number"],
            name="fk_resource_versions_revision",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_resource_versions_revision", "resource_versions", ["project", "stage", "number"])


def downgrade() -> None:
    """Drop both tables with their indexes."""
    op.drop_table("resource_versions")
    op.drop_table("revisions")
