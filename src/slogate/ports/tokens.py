"""Port of the API token: checked on every request, created at first start."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class ApiTokenStore(Protocol):
    """Keeps the hash of the API token; ``verify`` compares in constant time."""

    @property
    def path(self) -> Path:
        """Where the token's hash is kept."""
        ...

    def ensure(self) -> str | None:
        """Create a token at first start; returns it (to print once) or None when one exists."""
        ...

    def verify(self, given: str | None) -> bool:
        """Whether ``given`` is the token."""
        ...

    def fingerprint(self) -> str:
        """A digest of the current token (not the token): what changes when the token is rotated."""
        ...
