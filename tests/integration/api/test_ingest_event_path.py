"""The lean path of POST /api/v1/event answers exactly as the FastAPI route does, and is the one used."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from slogate import bootstrap
from slogate.api import auth, events, meta
from slogate.api.event_path import EventIngestion
from slogate.api.json_bodies import JsonBodies
from slogate.api.limits import BodyLimit
from slogate.api.security_headers import SecurityHeaders
from slogate.api.telemetry import RequestMetrics
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import EventCriteria, EventQueries, EventStore
from slogate.server_context import ServerContext
from slogate.services.runtime.group_commit import GroupCommit
from slogate.services.runtime.intake import EventIntake
from tests.integration.api.conftest import TOKEN
from tests.support.engines import engine_of

URL = "/api/v1/event"
SCOPE = {"project": "sockshop", "stage": "qa", "service": "carts"}
DATA = {**SCOPE, "status": "succeeded", "result": "pass"}
FINISHED = {"type": "sh.keptn.event.test.finished", "source": "ci", "triggeredid": "t-1", "data": DATA}
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ROUTERS = (auth.router, meta.router, events.router)


def middleware(app: FastAPI) -> list[object]:
    """The classes of ``app``'s own middleware, outermost first."""
    return [entry.cls for entry in app.user_middleware]


def framework_only(app: FastAPI) -> FastAPI:
    """``app`` without the lean path: POST /api/v1/event goes through routing and the route."""
    lean: object = EventIngestion
    app.user_middleware = [entry for entry in app.user_middleware if entry.cls is not lean]
    return app


def stored(context: ServerContext) -> list[KeptnEvent]:
    """Every stored event, newest first."""
    store = context.store
    assert isinstance(store, EventQueries)
    return store.query(EventCriteria(limit=None))[0]


def answer_of(client: TestClient, content: bytes, headers: dict[str, str], method: str, path: str) -> Any:
    """What a client sees of one answer: status, content type, body (ids masked), allowed methods."""
    answer = client.request(method, path, content=content, headers=headers, follow_redirects=False)
    shown = ("content-type", "content-length", "allow", "location")
    return (
        answer.status_code,
        {name: answer.headers.get(name) for name in shown},
        UUID.sub(b"<id>", answer.content),
    )


REQUESTS = [  # name, body, headers, method, path
    ("accepted", json.dumps(FINISHED).encode(), {"x-token": TOKEN}, "POST", URL),
    (
        "bearer-derived-context",
        json.dumps({**FINISHED, "shkeptncontext": "my-context"}).encode(),
        {"authorization": f"Bearer {TOKEN}"},
        "POST",
        URL,
    ),
    ("query", json.dumps(FINISHED).encode(), {"x-token": TOKEN}, "POST", URL + "?x=1"),
    ("empty", b"", {"x-token": TOKEN}, "POST", URL),
    ("not-json", b"{nope", {"x-token": TOKEN}, "POST", URL),
    ("array", b"[1]", {"x-token": TOKEN}, "POST", URL),
    ("nan", b'{"type": "a", "data": {"x": NaN}}', {"x-token": TOKEN}, "POST", URL),
    ("rejected", b'{"data": {}}', {"x-token": TOKEN}, "POST", URL),
    (
        "refused-by-the-store",
        json.dumps({**FINISHED, "data": {**DATA, "note": "\x00"}}).encode(),
        {"x-token": TOKEN},
        "POST",
        URL,
    ),
    ("too-large", b"x" * (64 * 1024 + 1), {"x-token": TOKEN}, "POST", URL),
    ("no-token", json.dumps(FINISHED).encode(), {}, "POST", URL),
    ("wrong-token", json.dumps(FINISHED).encode(), {"x-token": "wrong"}, "POST", URL),
    ("trailing-slash", json.dumps(FINISHED).encode(), {"x-token": TOKEN}, "POST", URL + "/"),
    ("get", b"", {"x-token": TOKEN}, "GET", URL),
    ("put", b"{}", {"x-token": TOKEN}, "PUT", URL),
]


def test_lean_path_answers_like_the_route(context: ServerContext) -> None:
    """Each request gets the same answer, and stores as much, with and without the lean path."""
    for name, content, headers, method, path in REQUESTS:
        answers, counts = [], [len(stored(context))]
        for app in (bootstrap.api_app(context, ROUTERS), framework_only(bootstrap.api_app(context, ROUTERS))):
            client = TestClient(app)
            answers.append(answer_of(client, content, headers, method, path))
            client.close()
            counts.append(len(stored(context)))
        assert answers[0] == answers[1], name
        assert counts[1] - counts[0] == counts[2] - counts[1], name


def test_a_database_failure_is_a_500_on_both_paths(context: ServerContext) -> None:
    """An unexpected error reaches the server's error handling as before: 500, counted as such."""
    with engine_of(context).begin() as connection:
        connection.execute(text("ALTER TABLE events RENAME TO events_gone"))
    labels = {"method": "POST", "route": URL, "status": "500"}
    answers, counted = [], []
    for app in (bootstrap.api_app(context, ROUTERS), framework_only(bootstrap.api_app(context, ROUTERS))):
        client = TestClient(app, raise_server_exceptions=False)
        answers.append(answer_of(client, json.dumps(FINISHED).encode(), {"x-token": TOKEN}, "POST", URL))
        client.close()
        counted.append(context.metrics.registry.get_sample_value("slogate_http_requests_total", labels))
    assert answers[0] == answers[1]
    assert answers[0][0] == 500
    assert counted == [1.0, 2.0]  # the metrics are the context's: one 500 counted by each app


def test_failures_are_rate_limited_alike(context: ServerContext) -> None:
    """Failed tokens spend the client's burst on the lean path as on the others: then 429 for wrong
    tokens on both, while the right token still passes on both."""
    client = TestClient(bootstrap.api_app(context, ROUTERS))
    codes = [client.post(URL, json=FINISHED, headers={"x-token": "wrong"}).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    refused = client.get("/api/v1/metadata", headers={"x-token": "wrong"})
    assert refused.status_code == 429
    assert refused.json()["message"].startswith("too many requests")
    assert stored(context) == []
    assert client.get("/api/v1/metadata", headers={"x-token": TOKEN}).status_code == 200
    assert client.post(URL, json=FINISHED, headers={"x-token": TOKEN}).status_code == 200
    assert client.post(URL, json=FINISHED, headers={"x-token": "wrong"}).status_code == 429


def test_the_lean_path_serves_the_route_inside_the_metrics_and_the_limit(context: ServerContext) -> None:
    """The middleware order: security headers, body limit, metrics, lean path, JSON bodies; apps without
    the event route have no lean path."""
    app = bootstrap.api_app(context, ROUTERS)
    assert middleware(app) == [SecurityHeaders, BodyLimit, RequestMetrics, EventIngestion, JsonBodies]
    without = bootstrap.api_app(context, (auth.router, meta.router))
    assert middleware(without) == [SecurityHeaders, BodyLimit, RequestMetrics, JsonBodies]


def test_metrics_of_the_lean_path(make_client: Callable[..., TestClient]) -> None:
    """Requests are counted by the route's template and status, events by type."""
    client = make_client(routers=ROUTERS)
    assert client.post(URL, json=FINISHED).status_code == 200
    assert client.post(URL, content=b"[]").status_code == 400
    text = client.get("/metrics").text
    assert 'slogate_http_requests_total{method="POST",route="/api/v1/event",status="200"} 1.0' in text
    assert 'slogate_http_requests_total{method="POST",route="/api/v1/event",status="400"} 1.0' in text
    assert 'slogate_http_request_duration_seconds_count{route="/api/v1/event"} 2.0' in text
    assert 'slogate_events_total{type="sh.keptn.event.test.finished"} 1.0' in text


def test_the_route_is_still_documented(make_client: Callable[..., TestClient]) -> None:
    """/api/openapi.json describes POST /api/v1/event (served by the lean path) as before."""
    document = make_client(routers=ROUTERS, token=None).get("/api/openapi.json").json()
    operation = document["paths"]["/api/v1/event"]["post"]
    assert operation["summary"] == "Send a Keptn CloudEvent"
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["type", "data"]
    assert operation["responses"]["200"]["description"] == "The Keptn context of the accepted event"


class CountingStore:
    """The context's store, remembering how many events each transaction carried."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.transactions: list[int] = []

    def add(self, events: Sequence[KeptnEvent]) -> None:
        self.transactions.append(len(events))
        self.store.add(events)


def post_together(app: FastAPI, bodies: Sequence[dict[str, Any]]) -> list[httpx.Response]:
    """The answers to ``bodies`` posted at once, each on its own request."""

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://slogate") as client:
            posts = (client.post(URL, json=body, headers={"x-token": TOKEN}) for body in bodies)
            return await asyncio.gather(*posts)

    return asyncio.run(post_all())


def test_concurrent_posts_share_transactions(context: ServerContext) -> None:
    """Eleven posts at once: eleven 200s once stored, in fewer transactions than events."""
    counting = CountingStore(context.store)
    intake = EventIntake(GroupCommit(counting), context.metrics.event_accepted)
    app = bootstrap.api_app(dataclasses.replace(context, intake=intake), ROUTERS)
    answers = post_together(app, [{**FINISHED, "triggeredid": f"t-{n}"} for n in range(11)])
    assert [answer.status_code for answer in answers] == [200] * 11
    assert sorted(event.triggeredid for event in stored(context)) == sorted(f"t-{n}" for n in range(11))
    assert sum(counting.transactions) == 11
    assert len(counting.transactions) < 11


def test_a_refused_post_among_concurrent_ones_fails_alone(context: ServerContext) -> None:
    """Eleven posts at once, one refused by the store: ten 200s, one 400 with Keptn's body."""
    bodies = [{**FINISHED, "triggeredid": f"t-{n}"} for n in range(11)]
    bodies[4] = {**FINISHED, "data": {**DATA, "note": "nul \x00"}}
    answers = post_together(bootstrap.api_app(context, ROUTERS), bodies)
    assert [answer.status_code for answer in answers] == [200] * 4 + [400] + [200] * 6
    assert answers[4].json()["code"] == 400
    assert "text must not contain NUL characters" in answers[4].json()["message"]
    expected = sorted(f"t-{n}" for n in range(11) if n != 4)
    assert sorted(event.triggeredid for event in stored(context)) == expected
