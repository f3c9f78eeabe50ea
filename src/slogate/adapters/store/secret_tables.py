"""The secrets table: name, scope and key names in clear, the values only as an encrypted token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import JSON_DOCUMENT, Base, UTCDateTime


class SecretRow(Base):
    """One secret. ``data`` is the Fernet token of the JSON of its map; ``keys`` lists the map's keys
    (they are shown by the API, so listing needs no decryption)."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String)
    scope: Mapped[str] = mapped_column(String)
    keys: Mapped[list[str]] = mapped_column(JSON_DOCUMENT)
    data: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)
    project: Mapped[str] = mapped_column(String, server_default="")  # "": a global secret

    __table_args__ = (PrimaryKeyConstraint("name", name="pk_secrets"),)
