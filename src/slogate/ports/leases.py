"""Leases: which replica runs each listener of the event log, and the wake-ups between replicas."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from slogate.errors import ConflictError


class LeaseLostError(ConflictError):
    """This replica no longer holds the lease of a listener (it expired and another took it over):
    what the listener was committing is rolled back."""

    code = "lease_lost"


class Leases(Protocol):
    """One lease per listener name, held by one live replica at a time.

    A lease expires ``ttl`` seconds after its last renewal; any replica may then take it over, which
    raises its epoch (a fencing token): commits of the old holder then fail with ``LeaseLostError``.
    """

    ttl: float
    heartbeat: float

    def acquire(self, name: str) -> bool:
        """Take the lease ``name`` if it is free or expired (or held by us already); whether we hold it."""
        ...

    def renew(self) -> frozenset[str]:
        """Extend every lease we hold; the names we still hold (the others were lost)."""
        ...

    def release(self, name: str) -> None:
        """Give the lease up at once (another replica may take it now)."""
        ...

    def holds(self, name: str) -> bool:
        """Whether we held ``name`` at its last acquisition or renewal."""
        ...

    def drop(self, name: str) -> None:
        """Forget ``name`` locally (it was found lost)."""
        ...


class Wakeups(Protocol):
    """Hints that events were committed, from any replica (PostgreSQL ``LISTEN``)."""

    def start(self, on_wake: Callable[[Sequence[str] | None], None]) -> None:
        """Call ``on_wake(types)`` (None: any type) for every hint, from a thread of its own."""
        ...

    def stop(self) -> None:
        """Stop listening."""
        ...
