"""The long-running loops survive a database that is briefly gone: the sequence timer and the
replica heartbeat log the failure, keep going, and do their work once the database answers."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.sequence_repository import SqlSequenceStore
from slogate.ports.replicas import ReplicaRecord
from slogate.services.keptn import shipyard_controller
from slogate.services.keptn.shipyard_controller import SequenceService
from slogate.services.runtime.dispatcher import Dispatcher
from slogate.services.usecases.replicas import ReplicaService
from tests.integration.keptn_services.test_shipyard_controller import DELAYED, trigger
from tests.support.executors import ScriptedExecutor
from tests.support.sequence_world import shipyard


def now() -> datetime:
    return datetime.now(UTC)


class GoneAtFirst:
    """A sequence store whose first ``next_deadline`` fails, like a database that is briefly gone."""

    def __init__(self, store: SqlSequenceStore) -> None:
        self._store = store
        self.failures = 1

    def next_deadline(self) -> datetime | None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database is gone")
        return self._store.next_deadline()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_the_sequence_timer_outlives_a_failed_look_at_its_deadlines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shipyard_controller, "RETRY_SECONDS", 0.05)
    engine = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    upgrade(engine)
    events, sequences = SqlEventStore(engine), GoneAtFirst(SqlSequenceStore(engine))
    dispatcher = Dispatcher(SqlDispatchStore(engine), [], now)
    service = SequenceService(
        sequences,
        lambda project: shipyard(DELAYED),
        lambda project, stage: "",
        lambda task, project, stage, service: True,
        now=now,
        task_timeout=timedelta(minutes=10),
        wake=dispatcher.wake,
    )
    dispatcher.subscribe(service)
    dispatcher.subscribe(ScriptedExecutor(tasks=("deployment",)))

    async def serve() -> None:
        timer = asyncio.create_task(service.run())
        await asyncio.sleep(0.1)  # the timer's first look failed; it must still be running
        assert not timer.done()
        events.add([trigger("fine", "ctx-1")])
        loops = [timer, asyncio.create_task(dispatcher.run())]
        try:
            for _ in range(200):
                await asyncio.sleep(0.05)
                if events.find(type="sh.keptn.event.qa.delivery.finished"):
                    return
        finally:
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    try:
        asyncio.run(serve())
        assert sequences.failures == 0
        assert events.find(type="sh.keptn.event.deployment.triggered")  # sent by the timer
    finally:
        engine.dispose()


class FlakyReplicaStore:
    """Heartbeats fail ``failures`` times, then are kept."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.beats: list[ReplicaRecord] = []
        self.forgotten: list[str] = []

    def beat(self, replica: ReplicaRecord) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database is gone")
        self.beats.append(replica)

    def replicas(self, seen_since: datetime) -> list[ReplicaRecord]:
        return [beat for beat in self.beats if beat.last_seen >= seen_since]

    def forget(self, name: str) -> None:
        self.forgotten.append(name)


def test_the_heartbeat_logs_a_lost_database_once_and_beats_again_after(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FlakyReplicaStore(failures=5)
    replicas = ReplicaService(store, "host-a:8080", "1.0", now, interval=0.01)

    async def serve() -> None:
        loop = asyncio.create_task(replicas.run())
        for _ in range(500):
            await asyncio.sleep(0.01)
            if store.beats:
                break
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)

    with caplog.at_level(logging.WARNING, logger="slogate"):
        asyncio.run(serve())
    assert store.beats
    assert store.beats[0].name == "host-a:8080"
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count("replica host-a:8080: heartbeat failed (ConnectionError); retrying") == 1
    assert "replica host-a:8080: heartbeat written again" in messages
    assert store.forgotten == ["host-a:8080"]  # a clean stop removes its row
    assert [replica.name for replica in replicas.replicas()] == ["host-a:8080"]


def test_readiness_changes_are_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    problems = iter(
        [
            None,
            "the database does not answer (OperationalError)",
            "the database does not answer (OperationalError)",
            None,
        ]
    )
    replicas = ReplicaService(FlakyReplicaStore(0), "host-a:8080", "1.0", now, lambda: next(problems))
    with caplog.at_level(logging.WARNING, logger="slogate"):
        answers = [replicas.readiness() for _ in range(4)]
    assert answers[1] == answers[2] == "the database does not answer (OperationalError)"
    assert [record.getMessage() for record in caplog.records] == [
        "replica host-a:8080 is not ready: the database does not answer (OperationalError)",
        "replica host-a:8080 is ready again",
    ]
