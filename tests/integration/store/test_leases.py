"""Listener leases on PostgreSQL: one holder at a time, takeover after expiry, fencing, wake-ups."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy import event as sa_event

from slogate.adapters.store.database import open_database
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.dispatch_tables import CursorRow, LeaseRow
from slogate.adapters.store.lease_repository import SqlLeaseStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.sequence_repository import SqlSequenceStore
from slogate.adapters.store.wakeups import PgWakeups
from slogate.ports import PendingEvent, SequenceWrite
from slogate.ports.leases import LeaseLostError

from .builders import event

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
WAIT = 10.0  # generous bound, never reached when things work


@pytest.fixture
def other_engine(engine: Engine, database_url: str) -> Iterator[Engine]:
    """A second replica's engine on the same database."""
    other = open_database(database_url)
    try:
        yield other
    finally:
        other.dispose()


def _replica(engine: Engine, name: str, ttl: float = 15.0) -> SqlLeaseStore:
    return SqlLeaseStore(engine, name, ttl=ttl, heartbeat=ttl / 3)


def _expire(engine: Engine, name: str) -> None:
    """The holder of ``name`` missed its heartbeats (as if killed ``ttl`` seconds ago)."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE listener_leases SET expires_at = now() - interval '1 second' WHERE name = :name"),
            {"name": name},
        )


def _row(engine: Engine, name: str) -> tuple[str, int]:
    with engine.connect() as connection:
        holder, epoch = connection.execute(
            select(LeaseRow.holder, LeaseRow.epoch).where(LeaseRow.name == name)
        ).one()
    return holder, epoch


def test_one_replica_at_a_time_holds_a_lease(engine: Engine, other_engine: Engine) -> None:
    first, second = _replica(engine, "a#1"), _replica(other_engine, "b#1")
    assert first.acquire("sequences")
    assert not second.acquire("sequences")
    assert first.acquire("sequences")  # ours already: renewed, same epoch
    assert first.holds("sequences")
    assert not second.holds("sequences")
    assert _row(engine, "sequences") == ("a#1", 1)
    assert first.renew() == {"sequences"}
    assert first.held() == {"sequences"}
    assert second.held() == set()


def test_an_expired_lease_is_taken_over_with_a_new_epoch(engine: Engine, other_engine: Engine) -> None:
    first, second = _replica(engine, "a#1"), _replica(other_engine, "b#1")
    assert first.acquire("lighthouse-service")
    _expire(engine, "lighthouse-service")
    assert second.acquire("lighthouse-service")
    assert _row(engine, "lighthouse-service") == ("b#1", 2)
    assert second.takeovers == 1
    assert first.renew() == set()  # the old holder finds out at its next heartbeat
    assert not first.holds("lighthouse-service")
    assert not first.acquire("lighthouse-service")


def test_a_lease_not_renewed_within_its_ttl_lapses_on_both_sides(
    engine: Engine, other_engine: Engine
) -> None:
    first, second = _replica(engine, "a#1", ttl=1.0), _replica(other_engine, "b#1", ttl=1.0)
    assert first.acquire("approval-service")
    assert not second.acquire("approval-service")
    time.sleep(1.3)
    assert not first.holds("approval-service")  # it must not act on it any more
    assert second.acquire("approval-service")


def test_a_released_lease_is_free_at_once_and_not_a_takeover(engine: Engine, other_engine: Engine) -> None:
    first, second = _replica(engine, "a#1"), _replica(other_engine, "b#1")
    assert first.acquire("remediation-service")
    first.release("remediation-service")
    assert not first.holds("remediation-service")
    assert second.acquire("remediation-service")
    assert second.takeovers == 0


def test_a_replica_restarted_under_the_same_name_waits_for_its_old_lease(engine: Engine) -> None:
    """Holders are unique per process start: a restart does not inherit a lease its old self held."""
    old, restarted = _replica(engine, "a#old"), _replica(engine, "a#new")
    assert old.acquire("sequences")
    assert not restarted.acquire("sequences")


def _pending(engine: Engine) -> PendingEvent:
    stored = event(id="trigger")
    SqlEventStore(engine).add([stored])
    return SqlDispatchStore(engine).pending("lighthouse-service", (stored.type,), 1)[0]


def _events(engine: Engine) -> list[str]:
    return [e.id for e in SqlEventStore(engine).find(limit=100)]


def _cursor(engine: Engine, name: str) -> int | None:
    with engine.connect() as connection:
        return connection.scalar(select(CursorRow.last_seq).where(CursorRow.subscriber == name))


def test_a_replica_that_lost_its_lease_cannot_commit_a_cursor_move(
    engine: Engine, other_engine: Engine
) -> None:
    """The zombie: paused past its ttl, it wakes up and tries to commit what it handled."""
    first, second = _replica(engine, "a#1"), _replica(other_engine, "b#1")
    pending = _pending(engine)
    assert first.acquire("lighthouse-service")
    _expire(engine, "lighthouse-service")
    assert second.acquire("lighthouse-service")
    zombie = SqlDispatchStore(engine, first)
    with pytest.raises(LeaseLostError, match="lost the lease of listener 'lighthouse-service'"):
        zombie.complete("lighthouse-service", pending, [event(id="zombie-answer")])
    assert "zombie-answer" not in _events(engine)
    assert _cursor(engine, "lighthouse-service") is None
    SqlDispatchStore(other_engine, second).complete("lighthouse-service", pending, [event(id="answer")])
    assert "answer" in _events(engine)
    assert _cursor(engine, "lighthouse-service") == pending.seq


def test_the_sequence_engine_of_a_replica_without_the_lease_cannot_commit(
    engine: Engine, other_engine: Engine
) -> None:
    first, second = _replica(engine, "a#1"), _replica(other_engine, "b#1")
    pending = _pending(engine)
    assert second.acquire("shipyard-controller")
    write = SequenceWrite("sockshop", (), (event(id="next-task"),), None)
    with pytest.raises(LeaseLostError):
        SqlSequenceStore(engine, first).commit([write], ("shipyard-controller", pending.seq))
    assert "next-task" not in _events(engine)
    SqlSequenceStore(engine, first).commit([SequenceWrite("sockshop", (), (event(id="control"),), None)])
    assert "control" in _events(engine)  # commits without a cursor (control commands) are not fenced
    SqlSequenceStore(other_engine, second).commit([write], ("shipyard-controller", pending.seq))
    assert "next-task" in _events(engine)


def test_a_takeover_waits_for_a_commit_that_checked_the_lease_first(
    engine: Engine, other_engine: Engine
) -> None:
    """Fencing holds the lease row for share until the commit: the takeover then reads the moved
    cursor (no window where both replicas act on the same event)."""
    first, second = _replica(engine, "a#1"), _replica(other_engine, "b#1")
    pending = _pending(engine)
    assert first.acquire("lighthouse-service")
    _expire(engine, "lighthouse-service")
    held, release = threading.Event(), threading.Event()

    def pause(_connection: object) -> None:
        if threading.current_thread().name == "slow-commit":
            held.set()
            release.wait(WAIT)

    sa_event.listen(engine, "commit", pause)
    slow = threading.Thread(
        target=SqlDispatchStore(engine, first).complete,
        args=("lighthouse-service", pending, []),
        name="slow-commit",
    )
    slow.start()
    assert held.wait(WAIT)
    taker = threading.Thread(target=second.acquire, args=("lighthouse-service",))
    taker.start()
    taker.join(0.5)
    assert taker.is_alive()  # waits for the commit that holds the lease row
    release.set()
    slow.join(WAIT)
    taker.join(WAIT)
    assert second.holds("lighthouse-service")
    assert _cursor(engine, "lighthouse-service") == pending.seq


def test_a_commit_on_one_replica_wakes_the_listener_of_another(engine: Engine, other_engine: Engine) -> None:
    woken: list[Sequence[str] | None] = []
    got = threading.Event()

    def on_wake(types: Sequence[str] | None) -> None:
        woken.append(types)
        if types:
            got.set()

    wakeups = PgWakeups(engine)
    wakeups.start(on_wake)
    try:
        deadline = time.monotonic() + WAIT
        while not woken and time.monotonic() < deadline:  # connected and listening
            time.sleep(0.05)
        SqlEventStore(engine).add([event("sh.keptn.event.own.finished", id="own")])  # this replica's
        SqlEventStore(other_engine).add([event(id="one"), event(id="two")])
        assert got.wait(WAIT)  # notifications come in commit order: the own one would be here now
    finally:
        wakeups.stop()
    assert woken[0] is None  # on connecting: look at everything
    # one notification, each type once; not this replica's own (its store wakes it in-process)
    assert woken[1:] == [["sh.keptn.event.evaluation.finished"]]
