"""Group commit: events added concurrently are stored in one transaction, each add answered alone."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import SlogateError


class EventWriter(Protocol):
    """What ``GroupCommit`` needs of a store (an ``EventStore`` has it)."""

    def add(self, events: Sequence[KeptnEvent]) -> None:
        """Store ``events`` in one transaction (all or nothing)."""
        ...


@dataclass
class _Queue:
    """The events of one event loop waiting for the next round (transaction), and its writer task."""

    waiting: list[tuple[KeptnEvent, asyncio.Future[None]]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


class GroupCommit:
    """Stores events posted concurrently in one transaction (group commit), each answered alone.

    The first event to arrive starts a writer; while it commits (in a thread), more events queue
    up, and its next round commits all of them at once. ``add`` returns once the event is
    committed. When a round fails with a ``SlogateError`` (an invalid event, a duplicate id), its
    events are stored one by one, so only the events at fault fail, each with its own error; any
    other error (the database is gone) fails every event of the round.
    """

    def __init__(self, store: EventWriter) -> None:
        self._store = store
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = (
            weakref.WeakKeyDictionary()
        )

    async def add(self, event: KeptnEvent) -> None:
        """Store ``event``; raises what storing it alone would raise."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        done: asyncio.Future[None] = loop.create_future()
        queue.waiting.append((event, done))
        if queue.writer is None:
            queue.writer = loop.create_task(self._write(queue))
        await done

    async def _write(self, queue: _Queue) -> None:
        try:
            while queue.waiting:
                batch = [(event, done) for event, done in queue.waiting if not done.done()]
                queue.waiting = []  # an event whose request went away before its round is not stored
                if not batch:
                    continue
                try:
                    errors = await asyncio.to_thread(self._store_all, [event for event, _ in batch])
                except BaseException:  # cancelled (the loop closes): whether the round committed is unknown
                    for _, done in [*batch, *queue.waiting]:
                        done.cancel()
                    queue.waiting = []
                    raise
                for (_, done), error in zip(batch, errors, strict=True):
                    if done.done():  # its request went away while the round committed
                        continue
                    if error is None:
                        done.set_result(None)
                    else:
                        done.set_exception(error)
        finally:
            queue.writer = None

    def _store_all(self, events: Sequence[KeptnEvent]) -> list[BaseException | None]:
        """``events`` in one transaction, or one by one when that fails for some of them."""
        try:
            self._store.add(events)
            return [None] * len(events)
        except SlogateError as error:
            if len(events) == 1:
                return [error]
        except Exception as error:
            return [error] * len(events)
        return [self._store_one(event) for event in events]

    def _store_one(self, event: KeptnEvent) -> BaseException | None:
        try:
            self._store.add([event])
        except Exception as error:
            return error
        return None
