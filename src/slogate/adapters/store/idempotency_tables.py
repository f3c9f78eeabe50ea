"""The table of idempotency keys: which event each ``Idempotency-Key`` of a scope started, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime


class IdempotencyKeyRow(Base):
    """One key of one scope (a hash of the credential that sent it); ``created`` drives its expiry."""

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    keptn_context: Mapped[str] = mapped_column(String)
    event_id: Mapped[str] = mapped_column(String)
    created: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_idempotency_keys_created", "created"),)  # the purge of expired keys
