"""The catalog tables: projects (with their shipyard), their stages, and the services in each stage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import JSON_DOCUMENT, Base, UTCDateTime


class ProjectRow(Base):
    """A project; ``shipyard`` is the text of its ``shipyard.yaml``, ``shipyard_version`` its apiVersion."""

    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    shipyard: Mapped[str] = mapped_column(Text)
    shipyard_version: Mapped[str] = mapped_column(String)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class StageRow(Base):
    """A stage of a project; ``position`` is its place in the shipyard, ``parent_stages`` a JSON list."""

    __tablename__ = "stages"

    project: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    parent_stages: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)

    __table_args__ = (ForeignKeyConstraint(["project"], ["projects.name"], ondelete="CASCADE"),)


class ServiceRow(Base):
    """A service in one stage. ``last_event_types`` maps an event type to ``{eventId, keptnContext,
    time}`` (time as ISO 8601 UTC), as Keptn's project view keeps it."""

    __tablename__ = "services"

    project: Mapped[str] = mapped_column(String, primary_key=True)
    stage: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String, primary_key=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_image: Mapped[str] = mapped_column(String)
    last_event_types: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)

    __table_args__ = (
        ForeignKeyConstraint(["project", "stage"], ["stages.project", "stages.name"], ondelete="CASCADE"),
    )
