"""The sequence engine's service over a real store: defects are recorded, the timer fires on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.sequence_repository import SqlSequenceStore
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.shipyard import Shipyard
from slogate.ports import PendingEvent
from slogate.services.keptn.shipyard_controller import SequenceService
from slogate.services.runtime.dispatcher import Dispatcher
from tests.support.executors import ScriptedExecutor
from tests.support.sequence_world import shipyard

DELAYED = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks: [{name: deployment, triggeredAfter: 300ms}]
"""


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[SqlEventStore, SqlDispatchStore, SqlSequenceStore]]:
    engine = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    try:
        upgrade(engine)
        yield SqlEventStore(engine), SqlDispatchStore(engine), SqlSequenceStore(engine)
    finally:
        engine.dispose()


FAILURES = {"broken": 10**6, "flaky": 2}  # how often the shipyard lookup fails for a project


def lookup(project: str) -> Shipyard | None:
    if FAILURES.get(project, 0) > 0:
        FAILURES[project] -= 1
        raise RuntimeError("the shipyard store is gone")
    return shipyard(DELAYED)


def trigger(project: str, context: str) -> KeptnEvent:
    data = {"project": project, "stage": "qa", "service": "svc"}
    return KeptnEvent(
        f"trigger-{context}", "sh.keptn.event.qa.delivery.triggered", "cli", now(), context, data
    )


def build(
    stores: tuple[SqlEventStore, SqlDispatchStore, SqlSequenceStore],
) -> tuple[Dispatcher, SequenceService]:
    _, dispatch, sequences = stores
    dispatcher = Dispatcher(dispatch, [], now)
    engine = SequenceService(
        sequences, lookup, lambda project, stage: "", lambda task, project, stage, service: True,
        now=now, task_timeout=timedelta(minutes=10), wake=dispatcher.wake, retry_delays=(0.01, 0.01, 0.01),
    )  # fmt: skip
    dispatcher.subscribe(engine)
    dispatcher.subscribe(ScriptedExecutor(tasks=("deployment",)))
    return dispatcher, engine


def test_a_defect_on_one_event_is_recorded_and_the_engine_goes_on(
    stores: tuple[SqlEventStore, SqlDispatchStore, SqlSequenceStore],
) -> None:
    events = stores[0]
    dispatcher, _ = build(stores)
    events.add([trigger("broken", "ctx-1"), trigger("fine", "ctx-2")])
    asyncio.run(dispatcher.drain())
    (error,) = events.find(type="sh.keptn.log.error")
    assert error.triggeredid == "trigger-ctx-1"
    assert error.data["message"].startswith(
        "shipyard-controller failed on sh.keptn.event.qa.delivery.triggered"
    )
    assert "RuntimeError: the shipyard store is gone" in error.data["message"]
    assert events.find(type="sh.keptn.event.qa.delivery.triggered", shkeptncontext="ctx-2")


def test_the_timer_sends_a_delayed_task_without_any_event(
    stores: tuple[SqlEventStore, SqlDispatchStore, SqlSequenceStore],
) -> None:
    events = stores[0]
    dispatcher, engine = build(stores)
    events.add([trigger("fine", "ctx-1")])

    async def serve() -> None:
        tasks = [asyncio.create_task(dispatcher.run()), asyncio.create_task(engine.run())]
        try:
            for _ in range(100):
                await asyncio.sleep(0.05)
                if events.find(type="sh.keptn.event.qa.delivery.finished"):
                    return
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(serve())
    (deployment,) = events.find(type="sh.keptn.event.deployment.triggered")
    (triggered,) = events.find(type="sh.keptn.event.qa.delivery.triggered")
    assert deployment.time - triggered.time >= timedelta(milliseconds=300)
    (finished,) = events.find(type="sh.keptn.event.qa.delivery.finished")
    assert finished.data["result"] == "pass"


def test_a_passing_failure_is_retried_and_loses_nothing(
    stores: tuple[SqlEventStore, SqlDispatchStore, SqlSequenceStore],
) -> None:
    events = stores[0]
    dispatcher, _ = build(stores)
    events.add([trigger("flaky", "ctx-1")])
    asyncio.run(dispatcher.drain())
    assert events.find(type="sh.keptn.log.error") == []
    (execution,) = stores[2].load("flaky", ["svc"])
    assert execution.scope.keptn_context == "ctx-1"


def test_a_batch_reads_each_fact_once_per_project(
    stores: tuple[SqlEventStore, SqlDispatchStore, SqlSequenceStore],
) -> None:
    events, dispatch, sequences = stores
    reads: list[str] = []

    def counted(project: str) -> Shipyard | None:
        reads.append(f"shipyard {project}")
        return shipyard(DELAYED)

    def revision(project: str, stage: str) -> str:
        reads.append(f"revision {project} {stage}")
        return "rev-1"

    def taken(task: str, project: str, stage: str, service: str) -> bool:
        reads.append(f"executor {task} {project} {stage} {service}")
        return True

    engine = SequenceService(sequences, counted, revision, taken, now=now, task_timeout=timedelta(minutes=10))
    dispatcher = Dispatcher(dispatch, [], now)
    dispatcher.subscribe(engine)
    events.add([trigger("counted", f"ctx-{index}") for index in range(5)] + [trigger("other", "ctx-9")])
    asyncio.run(dispatcher.drain())
    assert sorted(reads) == [
        "executor sh.keptn.event.deployment.triggered counted qa svc",
        "executor sh.keptn.event.deployment.triggered other qa svc",
        "revision counted qa",
        "revision other qa",
        "shipyard counted",
        "shipyard other",
    ]
    assert len(sequences.load("counted", ["svc"])) == 5
    reads.clear()
    (first, *_) = sequences.load("counted", ["svc"])
    assert first.current_task is not None
    started = KeptnEvent(
        "started-1", "sh.keptn.event.deployment.started", "x", now(), first.scope.keptn_context,
        {"project": "counted", "stage": "qa", "service": "svc"}, triggeredid=first.current_task.triggered_id,
    )  # fmt: skip
    events.add([started])
    asyncio.run(dispatcher.drain())
    # a .started can neither start nor end a sequence: neither the shipyard nor a revision is read
    assert reads == ["executor sh.keptn.event.deployment.triggered counted qa svc"]
    (answered,) = [e for e in sequences.load("counted", ["svc"]) if e.id == first.id]
    assert answered.current_task is not None
    assert [reply.event_id for reply in answered.current_task.replies] == ["started-1"]
    assert all(e.scope.gitcommitid == "rev-1" for e in sequences.load("counted", ["svc"]))


class FlakyDispatchStore:
    """A dispatch store whose first ``pending`` fails, like a database that is briefly gone."""

    def __init__(self, store: SqlDispatchStore) -> None:
        self.store = store
        self.failures = 1

    def pending(
        self, subscriber: str, types: Sequence[str], limit: int, after: int | None = None
    ) -> list[PendingEvent]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database is gone")
        return self.store.pending(subscriber, types, limit, after)

    def complete(self, subscriber: str, pending: PendingEvent, emitted: Sequence[KeptnEvent]) -> None:
        self.store.complete(subscriber, pending, emitted)


def test_the_dispatcher_survives_a_failing_store(
    stores: tuple[SqlEventStore, SqlDispatchStore, SqlSequenceStore],
) -> None:
    events, dispatch, _ = stores
    executor = ScriptedExecutor(tasks=("deployment",))
    dispatcher = Dispatcher(FlakyDispatchStore(dispatch), [executor], now, poll_seconds=0.05)
    events.add([KeptnEvent("d", "sh.keptn.event.deployment.triggered", "x", now(), "ctx", {"project": "p"})])

    async def serve() -> None:
        task = asyncio.create_task(dispatcher.run())
        for _ in range(100):
            await asyncio.sleep(0.02)
            if executor.seen:
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(serve())
    assert [event.id for event in executor.seen] == ["d"]
