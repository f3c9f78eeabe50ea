"""The built-in approval service over the real store and dispatcher: what it stores for a trigger."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slogate import bootstrap
from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import EventStore
from slogate.services.keptn.approval_service import ApprovalService
from slogate.services.runtime.dispatcher import Dispatcher
from slogate.settings import Settings
from tests.fakes import FakeClock

CONTEXT = "0b0e5f0c-7d4e-4c52-9a0e-2d6a1c3f7b11"
SCOPE = {"project": "sockshop", "stage": "qa", "service": "carts", "labels": {"buildId": "42"}}
COMMIT = "a" * 40


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[SqlEventStore, Dispatcher]]:
    """The event store and a dispatcher with only the approval service, over one migrated SQLite file."""
    engine = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    try:
        upgrade(engine)
        yield (
            SqlEventStore(engine),
            Dispatcher(SqlDispatchStore(engine), [ApprovalService(FakeClock())], FakeClock()),
        )
    finally:
        engine.dispose()


def trigger(store: EventStore, **data: Any) -> KeptnEvent:
    """Store an approval.triggered of the sockshop carts service with ``data`` besides its scope."""
    event = KeptnEvent(
        id="approval-trigger-1",
        type="sh.keptn.event.approval.triggered",
        source="shipyard-controller",
        time=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        shkeptncontext=CONTEXT,
        data={**SCOPE, **data},
        gitcommitid=COMMIT,
    )
    store.add([event])
    return event


def answers(store: EventStore) -> list[KeptnEvent]:
    """What was stored in the context after the trigger, oldest first."""
    return [
        event
        for event in reversed(store.find(shkeptncontext=CONTEXT))
        if not event.type.endswith("triggered")
    ]


def summary(events: list[KeptnEvent]) -> list[tuple[str, dict[str, Any]]]:
    """Each event's short type and data."""
    return [(event.type.removeprefix("sh.keptn.event."), dict(event.data)) for event in events]


def run(dispatcher: Dispatcher) -> int:
    """Deliver everything pending; how many events were handled."""
    return asyncio.run(dispatcher.drain())


def test_automatic_pass_is_started_and_finished(stores: tuple[SqlEventStore, Dispatcher]) -> None:
    """An automatic strategy for the result answers started and finished(pass), tied to the trigger."""
    store, dispatcher = stores
    triggered = trigger(store, result="pass", approval={"pass": "automatic", "warning": "manual"})

    assert run(dispatcher) == 1

    stored = answers(store)
    message = "Approval strategy for result 'pass': automatic"
    assert summary(stored) == [
        ("approval.started", {**SCOPE, "status": "succeeded", "message": message}),
        ("approval.finished", {**SCOPE, "status": "succeeded", "result": "pass"}),
    ]
    for event in stored:
        assert (event.triggeredid, event.source, event.gitcommitid) == (
            triggered.id,
            "approval-service",
            COMMIT,
        )
    assert stored[0].time < stored[1].time


@pytest.mark.parametrize(
    ("data", "result"),
    [
        pytest.param({"result": "warning", "approval": {"pass": "manual", "warning": "automatic"}}, "pass",
                     id="warning-approved-as-pass"),
        pytest.param({"result": "fail", "approval": {"pass": "automatic", "warning": "automatic"}}, "fail",
                     id="fail-declined"),
        pytest.param({"evaluation": {"result": "pass"}, "approval": {"pass": "automatic"}}, "pass",
                     id="evaluation-result-used"),
    ],
)  # fmt: skip
def test_automatic_decisions_finish(
    stores: tuple[SqlEventStore, Dispatcher], data: dict[str, Any], result: str
) -> None:
    """Warning approved automatically finishes with pass; a failed previous task is declined."""
    store, dispatcher = stores
    trigger(store, **data)

    run(dispatcher)

    stored = answers(store)
    assert [event.type for event in stored] == [
        "sh.keptn.event.approval.started",
        "sh.keptn.event.approval.finished",
    ]
    assert (stored[1].data["status"], stored[1].data["result"]) == ("succeeded", result)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"result": "pass", "approval": {"pass": "manual", "warning": "automatic"}}, id="manual"),
        pytest.param({"result": "warning"}, id="no-approval-block"),
        pytest.param({"approval": {"pass": "automatic", "warning": "automatic"}}, id="no-result"),
    ],
)
def test_manual_approval_only_starts(stores: tuple[SqlEventStore, Dispatcher], data: dict[str, Any]) -> None:
    """A person decides: only approval.started is sent, and the user's finished is not answered."""
    store, dispatcher = stores
    triggered = trigger(store, **data)
    run(dispatcher)
    (started,) = answers(store)

    user = KeptnEvent(
        id="user-decision",
        type="sh.keptn.event.approval.finished",
        source="keptn-cli",
        time=datetime(2026, 11, 26, 10, 5, tzinfo=UTC),
        shkeptncontext=CONTEXT,
        data={**SCOPE, "status": "succeeded", "result": "pass"},
        triggeredid=triggered.id,
    )
    store.add([user])

    assert started.type == "sh.keptn.event.approval.started"
    assert started.data["message"].endswith(": manual")
    assert "result" not in started.data
    assert run(dispatcher) == 0
    assert [event.id for event in answers(store)] == [started.id, "user-decision"]


def test_the_server_runs_the_approval_service(tmp_path: Path) -> None:
    """bootstrap registers it: a trigger stored through the server's store is answered."""
    settings = Settings(data_dir=tmp_path / "data", api_token="t" * 40)  # type: ignore[arg-type]
    context = bootstrap.server_context(settings)
    try:
        trigger(context.store, result="fail")
        asyncio.run(context.dispatcher.drain())
        finished = context.store.find(type="sh.keptn.event.approval.finished", shkeptncontext=CONTEXT)
    finally:
        context.close()

    assert [(event.source, event.data["result"]) for event in finished] == [("approval-service", "fail")]
