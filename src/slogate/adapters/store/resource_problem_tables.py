"""The table of problems found in uploaded files (slo.yaml, webhook.yaml, …), one row per file with any."""

from __future__ import annotations

from sqlalchemy import PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class ResourceProblemRow(Base):
    """The problems of a file's current version: ``problems`` is a JSON list of {path, severity, message}."""

    __tablename__ = "resource_problems"

    project: Mapped[str] = mapped_column(String)
    stage: Mapped[str] = mapped_column(String)
    service: Mapped[str] = mapped_column(String)
    uri: Mapped[str] = mapped_column(String)
    revision: Mapped[str] = mapped_column(String(40))
    problems: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        PrimaryKeyConstraint("project", "stage", "service", "uri", name="pk_resource_problems"),
    )
