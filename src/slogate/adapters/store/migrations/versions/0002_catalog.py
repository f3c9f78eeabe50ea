"""The catalog: projects with their shipyard, their stages, and the services in each stage.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create ``projects``, ``stages`` and ``services``."""
    op.create_table(
        "projects",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("shipyard", sa.Text(), nullable=False),
        sa.Column("shipyard_version", sa.String(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_projects"),
    )
    op.create_table(
        "stages",
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("parent_stages", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["project"], ["projects.name"], name="fk_stages_project_projects", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project", "name", name="pk_stages"),
    )
    op.create_table(
        "services",
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deployed_image", sa.String(), nullable=False),
        sa.Column("last_event_types", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["project", "stage"],
            ["stages.project", "stages.name"],
            name="fk_services_project_stage_stages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project", "stage", "name", name="pk_services"),
    )


def downgrade() -> None:
    """Drop the catalog tables."""
    op.drop_table("services")
    op.drop_table("stages")
    op.drop_table("projects")
