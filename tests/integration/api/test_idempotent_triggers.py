"""Idempotent triggers: a retried ``POST /api/v1/event`` with the same ``Idempotency-Key`` gets the first
answer (context and id) and starts no second sequence; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.api.context import ServerContext
from slogate.api.idempotency import Answer, accept_keyed
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import InputError
from slogate.ports import EventCriteria, EventQueries
from slogate.ports.idempotency import IdempotentEvent
from slogate.services.usecases import event_log
from tests.support.delivery import TOKEN, create_project, delivery_server, settle
from tests.support.postgres import needs_postgres

URL = "/api/v1/event"
TRIGGERED = "sh.keptn.event.qa.delivery.triggered"


def _trigger(version: str = "v1", **envelope: Any) -> dict[str, Any]:
    image = f"ghcr.io/podtato-head/podtatoserver:{version}"
    data = {"project": "fulltour", "stage": "qa", "service": "helloservice"}
    return {
        "type": TRIGGERED,
        "source": "ci",
        "specversion": "1.0",
        "data": {**data, "configurationChange": {"values": {"image": image}}},
        **envelope,
    }


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=needs_postgres),
    ]
)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServerContext, TestClient]]:
    database_url, postgres, name = "", None, ""
    if request.param == "postgresql":
        postgres = request.getfixturevalue("postgres_server")
        name = postgres.create_database("template0")
        database_url = postgres.url(name)
    try:
        with delivery_server(tmp_path, database_url) as (context, client, _backend):
            create_project(client)
            yield context, client
    finally:
        if postgres is not None:
            postgres.drop_database(name)


def _triggered(context: ServerContext) -> list[str]:
    store = context.store
    assert isinstance(store, EventQueries)
    return [
        event.shkeptncontext for event in store.query(EventCriteria(limit=None))[0] if event.type == TRIGGERED
    ]


def test_a_retried_trigger_with_the_same_key_starts_one_sequence(
    server: tuple[ServerContext, TestClient],
) -> None:
    context, client = server
    headers = {"Idempotency-Key": "pipeline-7/build-42"}
    first = client.post(URL, json=_trigger(), headers=headers)
    retry = client.post(URL, json=_trigger(id="regenerated", time="2030-01-01T00:00:00Z"), headers=headers)
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert set(first.json()) == {"keptnContext", "id"}
    assert "idempotency-replayed" not in first.headers
    assert retry.headers["idempotency-replayed"] == "true"
    settle(context)
    assert _triggered(context) == [first.json()["keptnContext"]]
    states = client.get("/api/controlPlane/v1/sequence/fulltour").json()["states"]
    assert [state["shkeptncontext"] for state in states] == [first.json()["keptnContext"]]
    assert client.post(URL, json=_trigger(), headers={"Idempotency-Key": "build-43"}).json() != first.json()


def test_without_a_key_every_post_is_a_new_event_with_keptns_answer(
    server: tuple[ServerContext, TestClient],
) -> None:
    context, client = server
    answers = [client.post(URL, json=_trigger()) for _ in range(2)]
    assert [set(answer.json()) for answer in answers] == [{"keptnContext"}] * 2
    assert len(set(_triggered(context))) == 2


def test_the_same_key_for_another_event_is_refused(server: tuple[ServerContext, TestClient]) -> None:
    context, client = server
    headers = {"Idempotency-Key": "k1"}
    assert client.post(URL, json=_trigger("v1"), headers=headers).status_code == 200
    other = client.post(URL, json=_trigger("v2"), headers=headers)
    assert other.status_code == 422
    assert other.json() == {
        "code": 422,
        "message": "Idempotency-Key 'k1' was used for a different event in the last 24 hours: "
        "use a new key for a new event",
    }
    assert len(_triggered(context)) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_an_unusable_key_is_a_clear_400(server: tuple[ServerContext, TestClient], key: str) -> None:
    context, client = server
    answer = client.post(URL, json=_trigger(), headers={b"Idempotency-Key": key.encode("utf-8")})
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("invalid Idempotency-Key header: use 1 to 255 printable")
    assert _triggered(context) == []


def test_concurrent_retries_store_one_event(server: tuple[ServerContext, TestClient]) -> None:
    """Five posts with one key at the same moment: one event, five identical answers."""
    context, _client = server
    app = bootstrap.api_app(context)

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {"x-token": TOKEN, "Idempotency-Key": "burst"}
            return await asyncio.gather(
                *(client.post(URL, json=_trigger(), headers=headers) for _ in range(5))
            )

    answers = asyncio.run(post_all())
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.text for answer in answers}) == 1
    assert _triggered(context) == [answers[0].json()["keptnContext"]]


def test_keys_expire_after_a_day_and_belong_to_their_scope(server: tuple[ServerContext, TestClient]) -> None:
    context, _client = server
    store = context.idempotency
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first, second = IdempotentEvent("c1", "e1", "f"), IdempotentEvent("c2", "e2", "f")
    assert store.claim("token-a", "k", first, start, start - timedelta(days=1)) is None
    later = start + timedelta(hours=23)
    assert store.claim("token-a", "k", second, later, later - timedelta(days=1)) == first
    assert store.claim("token-b", "k", second, later, later - timedelta(days=1)) is None
    expired = start + timedelta(hours=25)
    assert store.claim("token-a", "k", second, expired, expired - timedelta(days=1)) is None
    store.release("token-a", "k", "e1")  # not the event it names now: kept
    assert store.claim("token-a", "k", first, expired, expired - timedelta(days=1)) == second
    store.release("token-a", "k", "e2")
    assert store.claim("token-a", "k", first, expired, expired - timedelta(days=1)) is None


def test_the_key_is_documented_in_the_openapi_description(server: tuple[ServerContext, TestClient]) -> None:
    _context, client = server
    operation = client.get("/api/openapi.json").json()["paths"][URL]["post"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["idempotency-key"]


def test_a_key_whose_event_failed_to_store_is_released(server: tuple[ServerContext, TestClient]) -> None:
    """The store fails: a retry stores the event anew. The request is cancelled (the client went
    away) while its event may still be committed: the key stays, so a retry gets the same event."""
    context, _client = server
    raw = _trigger()
    now = datetime.now(UTC)
    stored: list[str] = []

    async def failing(event: KeptnEvent) -> None:
        raise InputError("the store refused it")

    async def cancelled(event: KeptnEvent) -> None:
        raise asyncio.CancelledError

    async def storing(event: KeptnEvent) -> None:
        stored.append(event.id)

    def attempt(key: str, store_event: Callable[[KeptnEvent], Awaitable[None]]) -> Answer:
        event = event_log.accepted(raw, now)
        return asyncio.run(accept_keyed(context, key, raw, event, now, store_event))

    with pytest.raises(InputError):
        attempt("failed", failing)
    retried = attempt("failed", storing)
    assert not retried.replayed
    assert stored == [retried.event_id]
    with pytest.raises(asyncio.CancelledError):
        attempt("cancelled", cancelled)
    assert attempt("cancelled", storing).replayed
    assert len(stored) == 1
