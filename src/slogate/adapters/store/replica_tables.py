"""The tables several replicas share: their heartbeats, the key check values, the logged-out sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime


class ReplicaRow(Base):
    """A replica (a ``slogate server`` process) and when it last said it was alive."""

    __tablename__ = "replicas"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class KeyCheckRow(Base):
    """A one-way check value of a key (HMAC of a fixed text): replicas with another key refuse to start."""

    __tablename__ = "key_checks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    check_value: Mapped[str] = mapped_column(String(64))


class RevokedSessionRow(Base):
    """A logged-out Bridge session, refused by every replica until it would have expired anyway."""

    __tablename__ = "revoked_sessions"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires: Mapped[int] = mapped_column(BigInteger)
