"""Event ids in commit order on PostgreSQL: a reader following a cursor never skips an event.

Two writers on two engines (as two replicas would be); the first is held open between its insert
and its commit. Without serialised appends the second commits a higher ``seq`` first, a reader moves
its cursor past it, and the first writer's lower ``seq`` becomes visible behind the cursor: lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event

from slogate.adapters.store.database import open_database
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.sequence_repository import SqlSequenceStore
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import PendingEvent, SequenceWrite

from .builders import event as keptn_event

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
WAIT = 10.0  # generous bound for a thread to reach a point; never reached when things work


class HeldCommit:
    """Pauses the commit of transactions started on the thread marked with ``hold()``."""

    def __init__(self, engine: Engine) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self._held = threading.local()
        event.listen(engine, "commit", self._on_commit)

    def hold(self) -> None:
        self._held.on = True

    def _on_commit(self, _connection: Any) -> None:
        if getattr(self._held, "on", False):
            self.reached.set()
            assert self.release.wait(WAIT), "the held writer was never released"


@pytest.fixture
def second_engine(engine: Engine, database_url: str) -> Iterator[Engine]:
    """Another engine on the same database: a second replica's connections."""
    other = open_database(database_url)
    try:
        yield other
    finally:
        other.dispose()


def _add(engine: Engine, item: KeptnEvent) -> None:
    SqlEventStore(engine).add([item])


def _complete(engine: Engine, item: KeptnEvent) -> None:
    SqlDispatchStore(engine).complete("writer", PendingEvent(0, keptn_event()), [item])


def _sequence(engine: Engine, item: KeptnEvent) -> None:
    SqlSequenceStore(engine).commit([SequenceWrite("sockshop", (), (item,), None)])


WRITERS = {"event-store": _add, "dispatch-complete": _complete, "sequence-commit": _sequence}


def _read(reader: SqlDispatchStore, after: int) -> list[PendingEvent]:
    return reader.pending("reader", ("sh.keptn.event.evaluation.finished",), 50, after)


@pytest.mark.parametrize("write", WRITERS.values(), ids=list(WRITERS))
def test_a_cursor_reader_never_skips_an_event_of_a_writer_held_open(
    engine: Engine, second_engine: Engine, write: Callable[[Engine, KeptnEvent], None]
) -> None:
    held = HeldCommit(engine)
    first, second = keptn_event(id="first"), keptn_event(id="second")

    def slow_writer() -> None:
        held.hold()
        write(engine, first)

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert held.reached.wait(WAIT)  # the first writer inserted and waits to commit
    fast = threading.Thread(target=write, args=(second_engine, second))
    fast.start()
    fast.join(0.5)  # with serialised appends it waits for the first; else it commits now
    reader, cursor, seen = SqlDispatchStore(second_engine), 0, []
    for pending in _read(reader, cursor):
        seen.append(pending.event.id)
        cursor = pending.seq
    held.release.set()
    slow.join(WAIT)
    fast.join(WAIT)
    seen += [pending.event.id for pending in _read(reader, cursor)]
    assert seen == ["first", "second"]


def test_many_concurrent_writers_and_a_following_reader_agree(engine: Engine, second_engine: Engine) -> None:
    """Eight writers on two engines commit 200 events while a reader follows its cursor."""
    done = threading.Event()
    written = [f"w{writer}-{number}" for writer in range(8) for number in range(25)]

    def writer(number: int) -> None:
        mine = written[number * 25 : (number + 1) * 25]
        for item in mine:
            _add(engine if number % 2 else second_engine, keptn_event(id=item))

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(8)]
    reader, cursor, seen = SqlDispatchStore(second_engine), 0, []
    for thread in threads:
        thread.start()

    def watch() -> None:
        for thread in threads:
            thread.join(60)
        done.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    while True:
        finished = done.is_set()
        for pending in _read(reader, cursor):
            seen.append(pending.event.id)
            cursor = pending.seq
        if finished:
            break
    watcher.join(WAIT)
    assert sorted(seen) == sorted(written)
