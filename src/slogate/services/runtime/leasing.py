"""The leases of the dispatcher's listeners when several replicas share one database: taking them,
renewing them (the heartbeat), and running a chore (the sequence timer) only while one is held."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

from slogate.ports.leases import Leases

logger = logging.getLogger(__name__)
CHECK_SECONDS = 1.0  # how often a chore run under a lease looks whether the lease is still held


class LeaseKeeper:
    """Acquires and renews ``leases`` for one replica; ``holds(name)`` for the listeners' loops."""

    def __init__(self, leases: Leases) -> None:
        self._leases = leases

    def holds(self, name: str) -> bool:
        """Whether this replica runs listener ``name`` now."""
        return self._leases.holds(name)

    async def acquire(self, name: str) -> None:
        """Return once this replica holds ``name``: try at once, then every heartbeat (with jitter,
        so that replicas do not ask in step)."""
        while True:
            try:
                if await asyncio.to_thread(self._leases.acquire, name):
                    logger.info("this replica now runs listener %s", name)
                    return
            except Exception:  # the database is away: keep trying
                logger.exception("taking the lease of listener %s failed; retrying", name)
            await asyncio.sleep(self._leases.heartbeat * random.uniform(0.8, 1.2))

    async def try_acquire(self, name: str) -> bool:
        """One attempt to take ``name``; whether this replica holds it."""
        return await asyncio.to_thread(self._leases.acquire, name)

    async def heartbeat(self) -> None:
        """Renew the held leases every heartbeat until cancelled."""
        while True:
            await asyncio.sleep(self._leases.heartbeat)
            try:
                await asyncio.to_thread(self._leases.renew)
            except Exception:  # held leases lapse locally after their ttl (see Leases.holds)
                logger.exception("renewing this replica's leases failed; retrying")

    def lost(self, name: str) -> None:
        """A commit found ``name`` taken over: stop counting it as held."""
        logger.warning("listener %s was taken over by another replica", name)
        self._leases.drop(name)

    async def release_all(self, names: list[str]) -> None:
        """Give up ``names`` (a clean stop: other replicas take over at once)."""
        for name in names:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._leases.release, name)

    async def while_holding(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        """Run ``run()`` while this replica holds ``name``; cancel it when the lease is lost."""
        check = min(CHECK_SECONDS, self._leases.heartbeat)
        while True:
            if not self.holds(name):
                await asyncio.sleep(check)
                continue
            task = asyncio.ensure_future(run())
            try:
                while self.holds(name) and not task.done():
                    await asyncio.sleep(check)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
