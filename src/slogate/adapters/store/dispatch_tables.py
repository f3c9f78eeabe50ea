"""Where each in-process listener stands in the event log (its cursor), and which replica runs it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime


class CursorRow(Base):
    """The ``seq`` of the last event a subscriber has completed."""

    __tablename__ = "subscriber_cursors"

    subscriber: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LeaseRow(Base):
    """Which replica runs a listener (several replicas on PostgreSQL): its holder, until when, and
    the epoch (fencing token) that each takeover raises and each cursor move checks."""

    __tablename__ = "listener_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    epoch: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
