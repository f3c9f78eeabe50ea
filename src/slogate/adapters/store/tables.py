"""The SQLAlchemy tables of the store; rows never leave this package (converters build domain objects)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Index, Integer, MetaData, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite (text), JSONB on PostgreSQL (binary, indexable; object key order is not kept).
JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware timestamp stored as UTC; reads back aware in UTC on every backend.

    SQLite keeps the UTC wall time as fixed-width text (so text order is time order), PostgreSQL
    a ``timestamptz``. Naive datetimes are refused: a time without an offset is ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; refuse naive values."""
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} (a timezone is required)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Mark SQLite's naive UTC values as UTC; convert PostgreSQL's to UTC."""
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so constraint names are stable across backends."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class EventRow(Base):
    """One Keptn CloudEvent, any type. ``seq`` is the insertion order and the ordering tie-breaker.

    ``project``, ``stage``, ``service`` and ``result`` repeat fields of ``data`` (empty string when
    absent) so that the datastore queries filter on indexed columns instead of inside JSON.
    """

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String)
    type: Mapped[str] = mapped_column(String)
    source: Mapped[str] = mapped_column(String)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    shkeptncontext: Mapped[str] = mapped_column(String)
    triggeredid: Mapped[str] = mapped_column(String)
    gitcommitid: Mapped[str] = mapped_column(String)
    project: Mapped[str] = mapped_column(String)
    stage: Mapped[str] = mapped_column(String)
    service: Mapped[str] = mapped_column(String)
    result: Mapped[str] = mapped_column(String)
    data: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)

    __table_args__ = (
        Index("ux_events_id", "id", unique=True),
        # latest events of one type for one project/stage/service, newest first (lighthouse's query);
        # the last three columns make it covering for the delivery figures (delivery_repository)
        Index(
            "ix_events_type_scope_time",
            *(
                "type",
                "project",
                "stage",
                "service",
                "time",
                "seq",
                "result",
                "shkeptncontext",
                "triggeredid",
            ),
        ),
        # responses to a .triggered event, and the evaluation.invalidated anti-join
        Index("ix_events_triggeredid_type", "triggeredid", "type"),
        # what an in-process subscriber of exact types has not handled yet (the dispatcher)
        Index("ix_events_type_seq", "type", "seq"),
        # everything of one Keptn context (a sequence run); with the time, its start without the rows
        Index("ix_events_shkeptncontext_time", "shkeptncontext", "time"),
        # unfiltered listings, newest first
        Index("ix_events_time_seq", "time", "seq"),
    )


from . import access_tables as _access_tables  # noqa: E402, F401  (registers its tables on Base)
from . import catalog_tables as _catalog_tables  # noqa: E402, F401  (registers its tables on Base)
from . import dispatch_tables as _dispatch_tables  # noqa: E402, F401  (registers its tables on Base)
from . import idempotency_tables as _idempotency_tables  # noqa: E402, F401  (registers its tables on Base)
from . import integration_tables as _integration_tables  # noqa: E402, F401  (registers its tables on Base)
from . import log_tables as _log_tables  # noqa: E402, F401  (registers its tables on Base)
from . import replica_tables as _replica_tables  # noqa: E402, F401  (registers its tables on Base)
from . import resource_problem_tables as _resource_problem_tables  # noqa: E402, F401  (its table)
from . import resource_tables as _resource_tables  # noqa: E402, F401  (registers its tables on Base)
from . import secret_tables as _secret_tables  # noqa: E402, F401  (registers its tables on Base)
from . import sequence_tables as _sequence_tables  # noqa: E402, F401  (registers its tables on Base)
