"""The uniform registry: registered integrations (remote executors) and their subscriptions.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create ``uniform_integrations`` and ``uniform_subscriptions``."""
    op.create_table(
        "uniform_integrations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("hostname", sa.String(), nullable=False),
        sa.Column("integration_version", sa.String(), nullable=False),
        sa.Column("distributor_version", sa.String(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("namespace", sa.String(), nullable=False),
        sa.Column("pod_name", sa.String(), nullable=False),
        sa.Column("deployment_name", sa.String(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_uniform_integrations"),
    )
    op.create_index("ix_uniform_integrations_name_namespace", "uniform_integrations", ["name", "namespace"])
    op.create_index("ix_uniform_integrations_last_seen", "uniform_integrations", ["last_seen"])
    op.create_table(
        "uniform_subscriptions",
        sa.Column("integration_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("projects", _JSON, nullable=False),
        sa.Column("stages", _JSON, nullable=False),
        sa.Column("services", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["uniform_integrations.id"],
            name="fk_uniform_subscriptions_integration_id_uniform_integrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("integration_id", "id", name="pk_uniform_subscriptions"),
    )


def downgrade() -> None:
    """Drop the uniform registry tables."""
    op.drop_table("uniform_subscriptions")
    op.drop_index("ix_uniform_integrations_last_seen", table_name="uniform_integrations")
    op.drop_index("ix_uniform_integrations_name_namespace", table_name="uniform_integrations")
    op.drop_table("uniform_integrations")
