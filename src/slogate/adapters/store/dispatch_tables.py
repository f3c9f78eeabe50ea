"""Where each in-process subscriber stands in the event log (its cursor), for at-least-once delivery."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class CursorRow(Base):
    """The ``seq`` of the last event a subscriber has completed."""

    __tablename__ = "subscriber_cursors"

    subscriber: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
