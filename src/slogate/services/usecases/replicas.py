"""This replica among the others on one database: its heartbeat, the live replicas, its readiness."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slogate.ports.replicas import ReplicaRecord, ReplicaStore

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
ALIVE_SECONDS = 30.0  # a replica not seen for this long is taken for dead


class ReplicaService:
    """Beats for the replica ``name`` every ``interval`` seconds and lists the replicas seen lately.

    Example::

        replicas = ReplicaService(SqlReplicaStore(engine), "host-a:8080", "1.0", utc_now, schema_problem)
        await replicas.run()  # until cancelled; the row is removed at a clean stop
    """

    def __init__(
        self,
        store: ReplicaStore,
        name: str,
        version: str,
        now: Callable[[], datetime],
        problem: Callable[[], str | None] = lambda: None,
        interval: float = HEARTBEAT_SECONDS,
    ) -> None:
        self._store = store
        self.name = name
        self._version = version
        self._now = now
        self._problem = problem
        self._interval = interval
        self._started = now()
        self._last_problem: str | None = None

    def beat(self) -> None:
        """Say that this replica is alive now."""
        self._store.beat(ReplicaRecord(self.name, self._version, self._started, self._now()))

    def replicas(self) -> list[ReplicaRecord]:
        """The replicas seen in the last ``ALIVE_SECONDS`` (this one included once it has beaten)."""
        return self._store.replicas(self._now() - timedelta(seconds=ALIVE_SECONDS))

    def readiness(self) -> str | None:
        """Why this replica cannot serve now (the database), or None; a change is logged once."""
        problem = self._problem()
        if problem != self._last_problem:
            if problem is None:
                logger.warning("replica %s is ready again", self.name)
            else:
                logger.warning("replica %s is not ready: %s", self.name, problem)
            self._last_problem = problem
        return problem

    async def run(self) -> None:
        """Beat every interval (after a first ``beat``) until cancelled; a lost database is logged once
        and retried. At a clean stop, remove this replica's row."""
        failing = False
        try:
            while True:
                await asyncio.sleep(self._interval)
                try:
                    await asyncio.to_thread(self.beat)
                    if failing:
                        logger.warning("replica %s: heartbeat written again", self.name)
                    failing = False
                except Exception as error:  # the database is away: say so once, keep trying
                    if not failing:
                        logger.warning(
                            "replica %s: heartbeat failed (%s); retrying", self.name, type(error).__name__
                        )
                    failing = True
        finally:
            try:
                self._store.forget(self.name)
            except Exception:  # stopping while the database is away: the row just ages out
                logger.warning("replica %s: could not remove its heartbeat row", self.name)
