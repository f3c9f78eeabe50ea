"""``SqlLeaseStore``: the ``Leases`` port over ``listener_leases`` (PostgreSQL), with fencing of commits.

Every time is the database's (``now()``), so the replicas' clocks need not agree. A takeover raises
the lease's epoch; ``fence`` (called in the transaction that moves a listener's cursor) locks the
lease row for share and checks the epoch, so a replica that lost its lease while paused cannot
commit afterwards, and a takeover waits for a commit that checked the lease before it.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from slogate.ports.leases import LeaseLostError

from .database import Sessions
from .dispatch_tables import LeaseRow


class SqlLeaseStore:
    """Leases held by one replica (``holder``: unique per process, e.g. ``<replica name>#<random>``).

    ``ttl``: seconds a lease lasts after its last renewal; ``heartbeat``: seconds between renewals.
    A lease counts as held locally only while its last successful renewal is younger than ``ttl``
    (measured on this process's monotonic clock, from before the renewal was sent).
    """

    def __init__(self, engine: Engine, holder: str, ttl: float, heartbeat: float) -> None:
        self._sessions = Sessions(engine)
        self.holder = holder
        self.ttl = ttl
        self.heartbeat = heartbeat
        self.takeovers = 0  # leases taken over from another holder whose lease had expired
        self._held: dict[str, tuple[int, float]] = {}  # name → (epoch, monotonic time of the renewal)
        self._lock = threading.Lock()

    def acquire(self, name: str) -> bool:
        """Take the lease ``name`` if it is free, expired or ours; whether we hold it."""
        asked = time.monotonic()
        with self._sessions.begin() as session:
            session.execute(
                insert(LeaseRow)
                .values(name=name, holder="", epoch=0, expires_at=func.now(), renewed_at=func.now())
                .on_conflict_do_nothing(index_elements=["name"])
            )
            row = session.execute(
                select(LeaseRow.holder, LeaseRow.epoch, LeaseRow.expires_at <= func.now())
                .where(LeaseRow.name == name)
                .with_for_update()
            ).one()
            holder, epoch, expired = row
            ours = holder == self.holder and self._epoch(name) == epoch
            if not ours and not expired and holder:
                return False
            epoch = epoch if ours else epoch + 1
            session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name)
                .values(holder=self.holder, epoch=epoch, expires_at=self._expiry(), renewed_at=func.now())
            )
        with self._lock:
            self._held[name] = (epoch, asked)
            if not ours and holder and holder != self.holder:
                self.takeovers += 1
        return True

    def renew(self) -> frozenset[str]:
        """Extend every lease we hold (one statement); the names we still hold."""
        with self._lock:
            held = {name: epoch for name, (epoch, _) in self._held.items()}
        if not held:
            return frozenset()
        asked = time.monotonic()
        with self._sessions.begin() as session:
            rows = session.execute(
                update(LeaseRow)
                .where(LeaseRow.name.in_(sorted(held)), LeaseRow.holder == self.holder)
                .values(expires_at=self._expiry(), renewed_at=func.now())
                .returning(LeaseRow.name, LeaseRow.epoch)
            ).all()
        kept = {name for name, epoch in rows if held.get(name) == epoch}
        with self._lock:
            for name in list(self._held):
                if name in kept:
                    self._held[name] = (held[name], asked)
                elif name in held:
                    del self._held[name]
        return frozenset(kept)

    def release(self, name: str) -> None:
        """Give the lease up at once, if we still hold it."""
        with self._lock:
            epoch, _ = self._held.pop(name, (None, 0.0))
        if epoch is None:
            return
        with self._sessions.begin() as session:
            session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, LeaseRow.holder == self.holder, LeaseRow.epoch == epoch)
                .values(holder="", expires_at=func.now())
            )

    def holds(self, name: str) -> bool:
        """Whether we hold ``name``: acquired or renewed less than ``ttl`` seconds ago."""
        with self._lock:
            held = self._held.get(name)
        return held is not None and time.monotonic() - held[1] < self.ttl

    def held(self) -> frozenset[str]:
        """The names we hold."""
        with self._lock:
            names = list(self._held)
        return frozenset(name for name in names if self.holds(name))

    def drop(self, name: str) -> None:
        """Forget ``name`` locally (found lost)."""
        with self._lock:
            self._held.pop(name, None)

    def fence(self, session: Session, name: str) -> None:
        """In a write transaction: ``LeaseLostError`` unless we still hold ``name`` at the same epoch
        (the row stays locked for share until the transaction ends: a takeover waits for it)."""
        epoch = self._epoch(name)
        stored = session.scalar(
            select(LeaseRow.epoch)
            .where(LeaseRow.name == name, LeaseRow.holder == self.holder)
            .with_for_update(read=True)
        )
        if epoch is None or stored != epoch:
            self.drop(name)
            raise LeaseLostError(
                f"this replica ({self.holder}) lost the lease of listener {name!r} to another replica; "
                "its work is rolled back and redone by the new holder"
            )

    def _epoch(self, name: str) -> int | None:
        with self._lock:
            held = self._held.get(name)
        return None if held is None else held[0]

    def _expiry(self) -> object:
        return func.now() + timedelta(seconds=self.ttl)
