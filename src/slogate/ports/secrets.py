"""Ports of the secret store: named secrets kept encrypted at rest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SecretInfo:
    """What may be shown of a secret: its name, scope and the names of its keys (never the values)."""

    name: str
    scope: str
    keys: tuple[str, ...]
    project: str = ""  # the project whose executors and providers alone read it ("": global, admins')


class SecretStore(Protocol):
    """Named secrets (a map of string values) kept encrypted at rest; names are unique across scopes."""

    def create(self, name: str, scope: str, data: Mapping[str, str], project: str = "") -> None:
        """Store a new secret; ``ConflictError`` when ``name`` exists."""
        ...

    def update(self, name: str, scope: str, data: Mapping[str, str], project: str | None = None) -> None:
        """Replace the scope and data of ``name``; ``NotFoundError`` when it does not exist."""
        ...

    def delete(self, name: str, scope: str) -> bool:
        """Delete ``name`` if it has ``scope``; whether it did."""
        ...

    def infos(self) -> list[SecretInfo]:
        """Every secret's name, scope and keys, sorted by name (no decryption needed)."""
        ...

    def info(self, name: str) -> SecretInfo | None:
        """One secret's name, scope and keys, or None."""
        ...

    def values(self, name: str) -> dict[str, str] | None:
        """The decrypted data of ``name``, or None; ``ConfigError`` when it cannot be decrypted."""
        ...


# --- the catalog: projects, their stages and services ---------------------------------------------
