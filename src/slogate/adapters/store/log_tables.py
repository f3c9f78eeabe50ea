"""The integrations' error log table (Keptn's ``/v1/log``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime


class LogEntryRow(Base):
    """One entry; ``seq`` orders entries of the same time (newest first: time, then seq, descending)."""

    __tablename__ = "integration_logs"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(String)
    message: Mapped[str] = mapped_column(String)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    keptn_context: Mapped[str] = mapped_column(String)
    task: Mapped[str] = mapped_column(String)
    triggered_id: Mapped[str] = mapped_column(String)

    __table_args__ = (
        Index("ix_integration_logs_integration_id_time", "integration_id", "time"),
        Index("ix_integration_logs_time", "time"),
    )
