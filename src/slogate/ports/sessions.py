"""Port of the Bridge's session files: the signing key and the ids of logged-out sessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class SessionFiles(Protocol):
    """Keeps the Bridge's session key and its revoked sessions where only the server may read them."""

    def key(self) -> bytes:
        """The signing key (at least 32 random bytes), created on first use."""
        ...

    def revoked(self) -> dict[str, int]:
        """The logged-out sessions: id → expiry (seconds since the epoch)."""
        ...

    def add_revoked(self, revoked: Mapping[str, int]) -> None:
        """Add logged-out sessions to what is kept."""
        ...

    def replace_revoked(self, revoked: Mapping[str, int]) -> None:
        """Keep exactly ``revoked`` (the expired ones forgotten)."""
        ...


class RevokedSessions(Protocol):
    """Keeps the logged-out sessions (where every replica sees them)."""

    def revoked(self) -> dict[str, int]:
        """The logged-out sessions: id → expiry (seconds since the epoch)."""
        ...

    def add_revoked(self, revoked: Mapping[str, int]) -> None:
        """Add logged-out sessions to what is kept."""
        ...

    def replace_revoked(self, revoked: Mapping[str, int]) -> None:
        """Keep exactly ``revoked`` (the expired ones forgotten)."""
        ...
