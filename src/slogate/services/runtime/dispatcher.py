"""Delivers stored events to in-process services (lighthouse, the SLI provider) at least once, in order.

Each subscriber reads the event log after its cursor; what its handler emits is committed together
with the cursor move (an outbox), so a crash redoes unfinished work and never loses or repeats
finished work. The events of a batch are committed together (or as soon as handling them took
``FLUSH_SECONDS``). A commit wakes the subscribers at once; a slow poll is only a safety net.

With ``leases`` (several replicas on PostgreSQL) each listener runs on one replica at a time: the
replica that takes its lease reads its cursor anew and runs its recovery first (``recover()``,
what a restart runs), and stops serving it when the lease is lost. ``wakeups`` brings the commits
of the other replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import DispatchStore, PendingEvent
from slogate.ports.leases import LeaseLostError, Leases, Wakeups
from slogate.services.keptn.emit import failure
from slogate.services.runtime.leasing import LeaseKeeper

BATCH = 50
FLUSH_SECONDS = 0.05  # a slow handler does not hold back what the ones before it emitted for longer
logger = logging.getLogger(__name__)


@runtime_checkable
class Subscriber(Protocol):
    """An in-process service: which event types it takes, and what it emits for one."""

    name: str
    types: tuple[str, ...]

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """The events to emit for ``event`` (errors should be answered as errored events)."""
        ...


class Consumer(Protocol):
    """An in-process service that commits its own work, cursor included (the sequence engine).

    Like a subscriber, it may set ``pace_seconds``: the least time between two of its batches.
    """

    name: str
    types: tuple[str, ...]

    async def consume(self, batch: Sequence[PendingEvent]) -> Sequence[str]:
        """Handle and commit ``batch``, moving this consumer's cursor; the types of what it stored."""
        ...


Listener = Subscriber | Consumer


def _takes(subscriber: Listener, event_type: str) -> bool:
    """Whether ``event_type`` is one of the subscriber's types (``*`` matches any text)."""
    return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in subscriber.types)


class Dispatcher:
    """Runs every subscriber over the log; ``wake()`` after a commit, ``drain()`` in tests."""

    def __init__(
        self,
        store: DispatchStore,
        subscribers: Sequence[Listener],
        now: Callable[[], datetime],
        poll_seconds: float = 2.0,
        leases: Leases | None = None,
        wakeups: Wakeups | None = None,
    ) -> None:
        self._keeper = None if leases is None else LeaseKeeper(leases)
        self._wakeups = wakeups
        self._store = store
        self._subscribers = list(subscribers)
        self._now = now
        self._poll = poll_seconds
        self._signals: dict[str, asyncio.Event] = {}
        # where each listener stands, as of its last successful commit (its stored cursor is read
        # only the first time, and again never: nothing else moves it)
        self._positions: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def subscribe(self, subscriber: Listener) -> None:
        """Add a subscriber (before ``run``)."""
        self._subscribers.append(subscriber)

    def handles(self, event_type: str, ignoring: str = "") -> bool:
        """Whether an in-process subscriber (not a consumer like the sequence engine; not the one named
        ``ignoring``) takes ``event_type``."""
        return any(
            isinstance(s, Subscriber) and s.name != ignoring and _takes(s, event_type)
            for s in self._subscribers
        )

    def wake(self, types: Sequence[str] | None = None) -> None:
        """Events were committed: let the subscribers of ``types`` (None: all) look, from any thread."""
        if self._loop is None or self._loop.is_closed():
            return
        names = [s.name for s in self._subscribers if types is None or any(_takes(s, kind) for kind in types)]
        if names:
            self._loop.call_soon_threadsafe(self._set_signals, names)

    def _set_signals(self, names: Sequence[str]) -> None:
        for name in names:
            self._signals[name].set()

    async def run(self) -> None:
        """Serve until cancelled."""
        self._loop = asyncio.get_running_loop()
        self._signals = {subscriber.name: asyncio.Event() for subscriber in self._subscribers}
        chores = [self._keeper.heartbeat()] if self._keeper is not None else []
        if self._wakeups is not None:
            self._wakeups.start(self.wake)
        try:
            await asyncio.gather(*(self._serve(subscriber) for subscriber in self._subscribers), *chores)
        finally:
            self._loop = None
            if self._wakeups is not None:
                self._wakeups.stop()
            await self._close_subscribers()
            if self._keeper is not None:
                await self._keeper.release_all([s.name for s in self._subscribers])

    async def recover(self) -> list[str]:
        """At start-up, before events flow: let each subscriber that ran work in the background
        (executors, settling SLI measurements) pick up what the stopped server left; the trigger ids.
        With leases, each listener recovers when its lease is taken instead (see ``run``)."""
        if self._keeper is not None:
            return []
        recovered: list[str] = []
        for subscriber in self._subscribers:
            recovered += await self._recover(subscriber)
        return recovered

    @staticmethod
    async def _recover(listener: Listener) -> list[str]:
        recover = getattr(listener, "recover", None)
        return [] if recover is None else list(await recover())

    async def while_holding(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        """Run ``run()`` (the sequence timer) while this replica runs listener ``name``; always
        without leases."""
        if self._keeper is None:
            await run()
        else:
            await self._keeper.while_holding(name, run)

    async def _close_subscribers(self) -> None:
        """Let subscribers that run work in the background (the executors) stop it."""
        for subscriber in self._subscribers:
            close = getattr(subscriber, "aclose", None)
            if close is not None:
                try:
                    await close()
                except Exception:  # shutting down: one failure must not keep the others running
                    logger.exception("closing %s failed", subscriber.name)

    async def drain(self) -> int:
        """Deliver until nothing is pending for anyone; the number of events handled."""
        handled, total = -1, 0
        mine = [s for s in self._subscribers if self._keeper is None or await self._try_take(s)]
        while handled != 0:
            handled = 0
            for subscriber in mine:
                handled += await self._deliver_batch(subscriber)
            total += handled
        return total

    async def _serve(self, listener: Listener) -> None:
        if self._keeper is None:
            await self._serve_held(listener)
        while self._keeper is not None:
            await self._take(listener)
            await self._serve_held(listener)

    async def _take(self, listener: Listener) -> None:
        """Wait for the lease of ``listener``; then read its cursor anew and run its recovery."""
        assert self._keeper is not None
        await self._keeper.acquire(listener.name)
        await self._taken(listener)

    async def _taken(self, listener: Listener) -> None:
        self._positions.pop(listener.name, None)  # another replica may have moved it meanwhile
        try:
            recovered = await self._recover(listener)
            if recovered:
                logger.warning("listener %s recovered %d task(s) on takeover", listener.name, len(recovered))
        except Exception:  # serve anyway: the started-task timeout bounds what was not recovered
            logger.exception("recovering %s on takeover failed", listener.name)

    async def _try_take(self, listener: Listener) -> bool:
        """Whether this replica runs ``listener``, taking its lease if it is free (``drain``)."""
        assert self._keeper is not None
        if not self._keeper.holds(listener.name) and await self._keeper.try_acquire(listener.name):
            await self._taken(listener)
        return self._keeper.holds(listener.name)

    async def _serve_held(self, subscriber: Listener) -> None:
        """Deliver to ``subscriber`` until its lease is lost (forever without leases)."""
        signal = self._signals[subscriber.name]
        while self._keeper is None or self._keeper.holds(subscriber.name):
            signal.clear()
            try:
                delivered = await self._deliver_batch(subscriber)
                if delivered:
                    await asyncio.sleep(getattr(subscriber, "pace_seconds", 0.0))
                if delivered == BATCH:
                    continue  # maybe more: look again at once (else a commit meanwhile set the signal)
            except LeaseLostError:
                if self._keeper is not None:
                    self._keeper.lost(subscriber.name)
                return
            except Exception:  # e.g. the database is gone for a while: the cursor did not move, retry
                logger.exception("delivering events to %s failed; retrying", subscriber.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), self._poll)

    async def _deliver_batch(self, subscriber: Listener) -> int:
        after = self._positions.get(subscriber.name)
        batch = await asyncio.to_thread(self._store.pending, subscriber.name, subscriber.types, BATCH, after)
        if not isinstance(subscriber, Subscriber):
            emitted_types = await subscriber.consume(batch) if batch else ()
            if batch:
                self._positions[subscriber.name] = batch[-1].seq  # it committed its cursor
            if emitted_types:
                self.wake(emitted_types)
            return len(batch)
        emitted: list[KeptnEvent] = []
        started = time.monotonic()
        for number, pending in enumerate(batch, 1):
            emitted += await self._handle(subscriber, pending)
            if number == len(batch) or time.monotonic() - started >= FLUSH_SECONDS:
                await self._complete(subscriber, pending, emitted)
                emitted, started = [], time.monotonic()
        return len(batch)

    async def _complete(
        self, subscriber: Subscriber, last: PendingEvent, emitted: Sequence[KeptnEvent]
    ) -> None:
        """Commit what handling the events up to ``last`` emitted, with the cursor move; then wake."""
        await asyncio.to_thread(self._store.complete, subscriber.name, last, emitted)
        self._positions[subscriber.name] = last.seq
        if emitted:
            self.wake([event.type for event in emitted])

    async def _handle(self, subscriber: Subscriber, pending: PendingEvent) -> Sequence[KeptnEvent]:
        try:
            return await subscriber.handle(pending.event)
        except Exception as error:  # a defect must not block the log: record it and go on
            logger.exception("%s failed on event %s", subscriber.name, pending.event.id)
            return [failure(pending.event, subscriber.name, error, self._now())]
