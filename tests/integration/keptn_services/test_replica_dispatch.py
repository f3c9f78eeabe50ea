"""Dispatchers of several replicas on one PostgreSQL: each listener runs on one replica at a time, a
dead replica's listeners are taken over and recovered, a replica that lost a lease commits nothing,
and two replicas receiving the same task's ``.finished`` advance the sequence once."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.lease_repository import SqlLeaseStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.server_context import ServerContext
from slogate.services.runtime.dispatcher import Dispatcher
from tests.support.delivery import create_project, delivery_server, events, settle, trigger_delivery
from tests.support.executors import ScriptedExecutor, passing
from tests.support.postgres import needs_postgres
from tests.support.server_process import shared_key_dir

pytestmark = needs_postgres
TYPE = "sh.keptn.event.note.triggered"
WAIT = 20.0  # generous bound for what takes well under a second (or a ttl) when things work


@pytest.fixture
def url(postgres_database_url: str) -> str:
    engine = open_database(postgres_database_url)
    upgrade(engine)
    engine.dispose()
    return postgres_database_url


class Noter:
    """A subscriber answering each note with ``<replica>-<id>``; may block on ``gate``."""

    types: tuple[str, ...] = (TYPE,)

    def __init__(self, replica: str, handled: list[tuple[str, str]]) -> None:
        self.name = "noter"
        self.replica = replica
        self.handled = handled
        self.recoveries = 0
        self.gate: asyncio.Event | None = None

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        self.handled.append((self.replica, event.id))
        if self.gate is not None:
            await self.gate.wait()
        return [note(f"{self.replica}-{event.id}", "sh.keptn.event.note.finished")]

    async def recover(self) -> list[str]:
        self.recoveries += 1
        return []


def note(id: str, type: str = TYPE) -> KeptnEvent:
    return KeptnEvent(
        id=id, type=type, source="test", time=datetime.now(UTC), shkeptncontext="ctx", data={"project": "p"}
    )


class Replica:
    """A dispatcher with its own engine and leases, run in a thread of its own (its own loop)."""

    def __init__(
        self, url: str, name: str, handled: list[tuple[str, str]], ttl: float, heartbeat: float
    ) -> None:
        self.engine: Engine = open_database(url)
        self.leases = SqlLeaseStore(self.engine, name, ttl, heartbeat)
        self.noter = Noter(name, handled)
        self.dispatcher = Dispatcher(
            SqlDispatchStore(self.engine, self.leases), [self.noter], _now, 0.2, self.leases
        )
        self.loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> Replica:
        self._thread.start()
        self._task = self._call(self._begin())
        return self

    def _call(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(WAIT)

    async def _begin(self) -> asyncio.Task[None]:
        return asyncio.create_task(self.dispatcher.run())

    async def _end(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def die(self) -> None:
        """As a SIGKILL: nothing released, nothing renewed any more."""
        self.leases.release = lambda name: None  # type: ignore[method-assign]
        self.stop()

    def stop(self) -> None:
        if self.loop.is_running():
            self._call(self._end())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(WAIT)
            self.loop.close()
            self.engine.dispose()

    def add(self, *events: KeptnEvent) -> None:
        SqlEventStore(self.engine).add(list(events))


def _now() -> datetime:
    return datetime.now(UTC)


def answers(engine: Engine) -> list[str]:
    return sorted(e.id for e in SqlEventStore(engine).find(type="sh.keptn.event.note.finished", limit=500))


def wait_until(check: Any, what: str, timeout: float = WAIT) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - start


def test_each_event_is_handled_once_by_the_replica_holding_the_listener(url: str) -> None:
    handled: list[tuple[str, str]] = []
    first = Replica(url, "a#1", handled, ttl=3.0, heartbeat=1.0).start()
    wait_until(lambda: first.leases.holds("noter"), "the first replica to take the lease")
    second = Replica(url, "b#1", handled, ttl=3.0, heartbeat=1.0).start()
    try:
        for number in range(20):
            (first if number % 2 else second).add(note(f"n{number}"))
        wait_until(lambda: len(answers(first.engine)) == 20, "every note answered")
        time.sleep(0.5)  # a second handling, if any, would show now
    finally:
        second.stop()
        first.stop()
    assert sorted(event_id for _, event_id in handled) == sorted(f"n{number}" for number in range(20))
    assert {replica for replica, _ in handled} == {"a#1"}


def test_a_dead_replicas_listener_is_taken_over_within_the_lease_and_recovered_first(url: str) -> None:
    handled: list[tuple[str, str]] = []
    first = Replica(url, "a#1", handled, ttl=2.0, heartbeat=0.5).start()
    wait_until(lambda: first.leases.holds("noter"), "the first replica to take the lease")
    second = Replica(url, "b#1", handled, ttl=2.0, heartbeat=0.5).start()
    try:
        first.add(note("before"))
        wait_until(lambda: answers(first.engine) == ["a#1-before"], "the first answer")
        first.die()
        second.add(note("after"))
        took = wait_until(lambda: second.leases.holds("noter"), "the takeover")
        assert took < 2.0 + 0.5 * 1.2 + 2.0  # ttl + one heartbeat with jitter + slack for a busy machine
        wait_until(lambda: "b#1-after" in answers(second.engine), "the second replica's answer")
        assert second.noter.recoveries == 1  # before it served
        assert second.leases.takeovers == 1
    finally:
        second.stop()
    assert [event_id for _, event_id in handled] == ["before", "after"]


def test_a_replica_that_lost_its_lease_mid_batch_commits_nothing_and_stops(url: str) -> None:
    handled: list[tuple[str, str]] = []
    zombie = Replica(url, "a#1", handled, ttl=300.0, heartbeat=100.0)  # renews too late to notice
    zombie.noter.gate = asyncio.Event()
    zombie.start()
    wait_until(lambda: zombie.leases.holds("noter"), "the first replica to take the lease")
    zombie.add(note("x"))
    wait_until(lambda: handled == [("a#1", "x")], "the zombie to start on x")
    with zombie.engine.begin() as connection:
        connection.execute(text("UPDATE listener_leases SET expires_at = now() - interval '1 second'"))
    taker = Replica(url, "b#1", handled, ttl=3.0, heartbeat=1.0).start()
    try:
        wait_until(lambda: "b#1-x" in answers(taker.engine), "the new holder to answer x")
        gate = zombie.noter.gate
        zombie.loop.call_soon_threadsafe(gate.set)
        wait_until(lambda: not zombie.leases.holds("noter"), "the zombie to find its lease lost")
        time.sleep(0.3)
        assert answers(taker.engine) == ["b#1-x"]  # the zombie's answer was rolled back
    finally:
        taker.stop()
        zombie.stop()


# --- the sequence engine ------------------------------------------------------------------------


def _hang_deployments(event: KeptnEvent) -> Mapping[str, Any] | None:
    return None if event.type == "sh.keptn.event.deployment.triggered" else passing(event)


def _finished(client: TestClient, trigger: dict[str, Any], source: str) -> None:
    body = {
        "type": "sh.keptn.event.deployment.finished",
        "source": source,
        "specversion": "1.0",
        "shkeptncontext": trigger["shkeptncontext"],
        "triggeredid": trigger["id"],
        "data": {**trigger["data"], "status": "succeeded", "result": "pass"},
    }
    response = client.post("/api/v1/event", json=body)
    assert response.status_code == 200, response.text


def test_two_replicas_receiving_the_same_finished_at_once_advance_the_sequence_once(
    url: str, tmp_path: Path
) -> None:
    executor = ScriptedExecutor(script=_hang_deployments)
    keys = shared_key_dir(tmp_path)  # replicas share their keys (docs/deployment.md)
    with (
        delivery_server(tmp_path / "a", url, ScriptedExecutor(script=_hang_deployments), key_dir=keys) as (
            first,
            api_a,
            _,
        ),
        delivery_server(tmp_path / "b", url, executor, key_dir=keys) as (second, api_b, _),
    ):
        create_project(api_a)
        context = trigger_delivery(api_b, "v1")
        settle_both(first, second)
        (trigger,) = events(api_a, context, "sh.keptn.event.deployment.triggered")
        sent = [
            threading.Thread(target=_finished, args=(api, trigger, f"executor-{n}"))
            for n, api in ((1, api_a), (2, api_b))
        ]
        for thread in sent:
            thread.start()
        for thread in sent:
            thread.join(WAIT)
        settle_both(first, second)
        assert len(events(api_a, context, "sh.keptn.event.deployment.finished")) == 2
        assert len(events(api_a, context, "sh.keptn.event.test.triggered")) == 1  # advanced once
        assert len(events(api_b, context, "sh.keptn.event.deployment.started")) == 1


def settle_both(first: ServerContext, second: ServerContext) -> None:
    """Both replicas deliver at the same time, each in a thread of its own."""
    threads = [threading.Thread(target=settle, args=(context,)) for context in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
