"""The uniform registry tables: registered integrations and their subscriptions (in order)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import JSON_DOCUMENT, Base, UTCDateTime


class IntegrationRow(Base):
    """One registration; ``id`` is Keptn's SHA-1 of name, namespace and hostname. ``last_seen`` is its
    latest heartbeat; rows older than the TTL have expired."""

    __tablename__ = "uniform_integrations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String)
    hostname: Mapped[str] = mapped_column(String)
    integration_version: Mapped[str] = mapped_column(String)
    distributor_version: Mapped[str] = mapped_column(String)
    location: Mapped[str] = mapped_column(String)
    namespace: Mapped[str] = mapped_column(String)
    pod_name: Mapped[str] = mapped_column(String)
    deployment_name: Mapped[str] = mapped_column(String)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # registering again finds the registration by name and namespace, as Keptn does
        Index("ix_uniform_integrations_name_namespace", "name", "namespace"),
        # expiry: live rows and the purge of expired ones
        Index("ix_uniform_integrations_last_seen", "last_seen"),
    )


class SubscriptionRow(Base):
    """One subscription of a registration; ``position`` keeps their order, the filter lists are JSON."""

    __tablename__ = "uniform_subscriptions"

    integration_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String)
    projects: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    stages: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    services: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)

    __table_args__ = (
        ForeignKeyConstraint(["integration_id"], ["uniform_integrations.id"], ondelete="CASCADE"),
    )
