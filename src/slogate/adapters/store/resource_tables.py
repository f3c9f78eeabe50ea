"""The tables of versioned resources: revisions (Keptn's commits) and the file versions each one wrote."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, Integer, LargeBinary, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime


class RevisionRow(Base):
    """One write to a level: Keptn's commit. ``number`` counts the revisions of one history.

    A history is the project level (``stage == ''``) or one stage with its services (Keptn's stage
    branch); ``service`` says which service the write touched ('' for the project or stage itself).
    ``id`` is the 40-hex commit id clients see.
    """

    __tablename__ = "revisions"

    project: Mapped[str] = mapped_column(String)
    stage: Mapped[str] = mapped_column(String)
    number: Mapped[int] = mapped_column(Integer)
    id: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    message: Mapped[str] = mapped_column(String)

    __table_args__ = (
        PrimaryKeyConstraint("project", "stage", "number", name="pk_revisions"),
        Index("ux_revisions_id", "id", unique=True),
    )


class ResourceVersionRow(Base):
    """The content of one file as written by one revision; ``content`` is NULL for a deletion.

    The primary key is also the read path: "``uri`` of this level at revision N or the latest before
    it" is one descending index probe, and the files current at N are a group-by over its prefix.
    """

    __tablename__ = "resource_versions"

    project: Mapped[str] = mapped_column(String)
    stage: Mapped[str] = mapped_column(String)
    service: Mapped[str] = mapped_column(String)
    uri: Mapped[str] = mapped_column(String)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __table_args__ = (
        PrimaryKeyConstraint("project", "stage", "service", "uri", "number", name="pk_resource_versions"),
        ForeignKeyConstraint(
            ["project", "stage", "number"],
            ["revisions.project", "revisions.stage", "revisions.number"],
            name="fk_resource_versions_revision",
            ondelete="CASCADE",
        ),
        # the files one revision wrote (cascade deletes, and the foreign key check)
        Index("ix_resource_versions_revision", "project", "stage", "number"),
    )
