"""Group commit of posted events: concurrent events share one transaction, each still answered alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import ConflictError, InputError
from slogate.ports import EventStore
from slogate.server_context import ServerContext
from slogate.services.runtime.group_commit import GroupCommit
from tests.support.engines import engine_of

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class CountingStore:
    """The context's real store, remembering how many events each ``add`` (transaction) carried."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.transactions: list[int] = []

    def add(self, events: Sequence[KeptnEvent]) -> None:
        self.transactions.append(len(events))
        self.store.add(events)


def event(number: int, event_id: str | None = None, **data: str) -> KeptnEvent:
    """A task event numbered ``number`` (its id ``event-<number>`` unless given), ``data`` added."""
    return KeptnEvent(
        id=event_id or f"event-{number}",
        type="sh.keptn.event.test.finished",
        source="group-commit-test",
        time=START + timedelta(seconds=number),
        shkeptncontext=f"context-{number}",
        data={"project": "p", "stage": "s", "service": "v", **data},
        triggeredid=f"triggered-{number}",
    )


def add_together(writer: GroupCommit, events: Sequence[KeptnEvent]) -> list[BaseException | None]:
    """``writer.add`` of every event at once; what each raised (None: stored)."""

    async def all_of_them() -> list[BaseException | None]:
        outcomes = await asyncio.gather(*(writer.add(item) for item in events), return_exceptions=True)
        return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]

    return asyncio.run(all_of_them())


def stored_ids(context: ServerContext, events: Sequence[KeptnEvent]) -> list[str]:
    """The ids of ``events`` that are stored, in their order."""
    return [item.id for item in events if context.store.get(item.id) is not None]


def test_concurrent_events_are_committed_in_one_transaction(context: ServerContext) -> None:
    """Twenty events added at once: one transaction, every add returns, every event is readable."""
    counting = CountingStore(context.store)
    events = [event(n) for n in range(20)]
    assert add_together(GroupCommit(counting), events) == [None] * 20
    assert counting.transactions == [20]
    assert stored_ids(context, events) == [item.id for item in events]
    assert context.store.get("event-7") == events[7]


def test_events_arriving_during_a_commit_share_the_next_one(context: ServerContext) -> None:
    """Events added while a round commits wait for it and are committed together in the next."""
    counting = CountingStore(context.store)
    writer = GroupCommit(counting)

    async def in_two_waves() -> None:
        first = asyncio.ensure_future(writer.add(event(0)))
        await asyncio.sleep(0)  # the writer's first round (event 0 alone) is committing now
        await asyncio.gather(first, *(writer.add(event(n)) for n in range(1, 6)))

    asyncio.run(in_two_waves())
    assert counting.transactions == [1, 5]
    assert len(stored_ids(context, [event(n) for n in range(6)])) == 6


def test_an_invalid_event_fails_alone(context: ServerContext) -> None:
    """An event the store refuses (NUL in its data) fails with its own error; the others are stored."""
    counting = CountingStore(context.store)
    events = [event(n) for n in range(6)]
    events[3] = event(3, note="nul \x00 inside")
    outcomes = add_together(GroupCommit(counting), events)
    assert isinstance(outcomes[3], InputError)
    assert "data.note: text must not contain NUL characters" in outcomes[3].message
    assert outcomes[:3] + outcomes[4:] == [None] * 5
    assert stored_ids(context, events) == [item.id for n, item in enumerate(events) if n != 3]
    assert counting.transactions == [6, 1, 1, 1, 1, 1, 1]  # the round failed: then one by one


def test_duplicate_ids_fail_alone(context: ServerContext) -> None:
    """An id stored before, or twice in one round: only the later duplicate fails, as a conflict."""
    context.store.add([event(100, "taken")])
    events = [event(0), event(1, "taken"), event(2, "twice"), event(3), event(4, "twice")]
    outcomes = add_together(GroupCommit(context.store), events)
    assert [type(outcome) for outcome in outcomes] == [
        type(None),
        ConflictError,
        type(None),
        type(None),
        ConflictError,
    ]
    assert "already stored: 'taken'" in str(outcomes[1])
    assert context.store.get("twice") == events[2]
    assert context.store.get("taken") == event(100, "taken")
    assert stored_ids(context, [events[0], events[3]]) == ["event-0", "event-3"]


def test_a_database_failure_fails_every_event_of_the_round_once(context: ServerContext) -> None:
    """When the database itself fails, each event gets that error, without a retry one by one."""
    with engine_of(context).begin() as connection:
        connection.execute(text("ALTER TABLE events RENAME TO events_gone"))
    counting = CountingStore(context.store)
    outcomes = add_together(GroupCommit(counting), [event(n) for n in range(4)])
    assert all(isinstance(outcome, DBAPIError) for outcome in outcomes)
    assert counting.transactions == [4]


def test_a_cancelled_add_does_not_disturb_the_others(context: ServerContext) -> None:
    """A request that goes away before its round starts is not stored; the others are answered."""
    writer = GroupCommit(context.store)

    async def one_cancelled() -> list[BaseException | None]:
        tasks = [asyncio.ensure_future(writer.add(event(n))) for n in range(4)]
        await asyncio.sleep(0)  # all four wait for the round that starts next
        tasks[1].cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]

    outcomes = asyncio.run(one_cancelled())
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert outcomes[:1] + outcomes[2:] == [None] * 3
    assert stored_ids(context, [event(n) for n in range(4)]) == ["event-0", "event-2", "event-3"]


def test_each_event_loop_has_its_own_rounds(context: ServerContext) -> None:
    """One writer serves several event loops one after the other (as a test client does)."""
    writer = GroupCommit(context.store)
    for loop_number in range(3):
        events = [event(loop_number * 10 + n) for n in range(3)]
        assert add_together(writer, events) == [None] * 3
        assert len(stored_ids(context, events)) == 3
