"""POST /api/v1/event: Keptn's ingestion over HTTP — answers, error bodies, what gets stored, metrics."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate.api import datastore, events, meta
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.protocol.ingestion import DEFAULT_SOURCE, derived_context
from slogate.ports import EventCriteria, EventQueries
from slogate.server_context import ServerContext

URL = "/api/v1/event"
SCOPE = {"project": "sockshop", "stage": "qa", "service": "carts"}
TRIGGER = {"type": "sh.keptn.event.qa.delivery.triggered", "source": "ci", "data": SCOPE}


@pytest.fixture
def api(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of an app with the event and datastore routers, sending the token."""
    return make_client(routers=[events.router, datastore.router])


def stored(context: ServerContext) -> list[KeptnEvent]:
    """Every stored event, newest first."""
    store = context.store
    assert isinstance(store, EventQueries)
    return store.query(EventCriteria(limit=None))[0]


def test_accepted_event_is_stored_with_a_new_envelope(api: TestClient, context: ServerContext) -> None:
    """200 {keptnContext}; the stored event has a new id, the server's time and the answered context."""
    before = datetime.now(UTC)
    answer = api.post(URL, json={**TRIGGER, "id": "mine", "time": "2001-01-01T00:00:00Z"})
    assert answer.status_code == 200
    keptn_context = answer.json()["keptnContext"]
    assert answer.json() == {"keptnContext": keptn_context}
    assert uuid.UUID(keptn_context).version == 4
    [event] = stored(context)
    assert event.id != "mine"
    assert uuid.UUID(event.id).version == 4
    assert before <= event.time <= datetime.now(UTC)
    assert (event.shkeptncontext, event.source, event.type, dict(event.data)) == (
        keptn_context,
        "ci",
        TRIGGER["type"],
        SCOPE,
    )


def test_context_kept_derived_or_new(api: TestClient, context: ServerContext) -> None:
    """A UUID context is kept, any other string becomes Keptn's derived UUID, none a new one."""
    kept = "3f709bb7-0246-403e-83a0-1f436f7c6c09"
    assert api.post(URL, json={**TRIGGER, "shkeptncontext": kept}).json() == {"keptnContext": kept}
    assert api.post(URL, json={**TRIGGER, "shkeptncontext": "my-context"}).json() == {
        "keptnContext": "6d792d63-6f6e-4465-b874-202020202020"
    }
    first = api.post(URL, json=TRIGGER).json()["keptnContext"]
    second = api.post(URL, json=TRIGGER).json()["keptnContext"]
    assert first != second
    assert derived_context("my-context") == "6d792d63-6f6e-4465-b874-202020202020"
    assert len(stored(context)) == 4


def test_source_defaults_and_extensions_are_kept(api: TestClient, context: ServerContext) -> None:
    """No source → Keptn's API URL; triggeredid and gitcommitid travel with the event."""
    answer = api.post(
        URL,
        json={
            "type": "sh.keptn.event.deployment.started",
            "data": SCOPE,
            "triggeredid": "t-1",
            "gitcommitid": "c0ffee",
        },
    )
    assert answer.status_code == 200
    [event] = stored(context)
    assert (event.source, event.triggeredid, event.gitcommitid) == (DEFAULT_SOURCE, "t-1", "c0ffee")


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        pytest.param(
            {**TRIGGER, "type": "sh.keptn.event.deployment.triggered"}, "unknown event type action: triggered"
        ),
        pytest.param(
            {**TRIGGER, "type": "sh.keptn.event.test.status.changed"}, "unknown event type action: changed"
        ),
        pytest.param(
            {**TRIGGER, "type": "sh.keptn.event.qa.delivery.finished"}, "unknown event type action: finished"
        ),
        pytest.param({**TRIGGER, "type": "not.a.keptn.type"}, "unknown event type"),
        pytest.param(
            {**TRIGGER, "data": {**SCOPE, "stage": "prod"}},
            "stage name in event data and in event type does not match",
        ),
        pytest.param(
            {**TRIGGER, "data": {"project": "sockshop"}},
            "mandatory field(s) 'project', 'stage' or 'service' missing",
        ),
        pytest.param(
            {**TRIGGER, "type": "sh.keptn.event.deployment.started"},
            "mandatory field 'triggeredid' missing",
        ),
        pytest.param(
            {**TRIGGER, "type": "sh.keptn.event.deployment.finished", "triggeredid": "t"},
            "result field is not set",
        ),
        pytest.param(
            {
                **TRIGGER,
                "type": "sh.keptn.event.deployment.finished",
                "triggeredid": "t",
                "data": {**SCOPE, "result": "pass"},
            },
            "status field is not set",
        ),
        pytest.param(
            {**TRIGGER, "type": "sh.keptn.event.monitoring.configure", "data": {"project": "p"}},
            "mandatory fields(s) 'project', 'service' or 'type' missing",
        ),
        pytest.param({**TRIGGER, "data": {**SCOPE, "labels": {"a": 1}}}, "could not parse common event data"),
        pytest.param({"type": TRIGGER["type"], "source": "ci"}, "data in body is required"),
        pytest.param({"data": SCOPE}, "type in body is required"),
        pytest.param({**TRIGGER, "type": 5}, "invalid CloudEvent: 'type' must be a string, not a number"),
        pytest.param(
            {**TRIGGER, "shkeptncontext": ["x"]},
            "invalid CloudEvent: 'shkeptncontext' must be a string, not an array",
        ),
        pytest.param({**TRIGGER, "time": "soon"}, 'time in body must be of type date-time: "soon"'),
    ],
)
def test_rejections_store_nothing(
    api: TestClient, context: ServerContext, sent: dict[str, Any], message: str
) -> None:
    """Each broken rule is 400 with Keptn's body and text; nothing is stored."""
    answer = api.post(URL, json=sent)
    assert answer.status_code == 400
    assert answer.json() == {"code": 400, "message": message}
    assert stored(context) == []


@pytest.mark.parametrize(
    ("content", "start"),
    [
        pytest.param(b"", "the request body is empty", id="empty"),
        pytest.param(b"  \n", "the request body is empty", id="blank"),
        pytest.param(b'{"type": ', "the request body is not valid JSON: Expecting value", id="truncated"),
        pytest.param(
            b"{'type': 1}", "the request body is not valid JSON: Expecting property name", id="quotes"
        ),
        pytest.param(
            b'{"data": NaN}', "the request body is not valid JSON: NaN is not a JSON value", id="nan"
        ),
        pytest.param(b"[1, 2]", "the request body must be a JSON object", id="array"),
        pytest.param(b'"text"', "the request body must be a JSON object", id="string"),
        pytest.param(b"[" * 5000 + b"]" * 5000, "the request body nests JSON too deeply", id="deep"),
        pytest.param(
            b'{"type": "sh.keptn.log.error", "data": {"x": ' + b"[" * 200 + b"]" * 200 + b"}}",
            "the event nests objects and arrays deeper than 100 levels",
            id="deep-data",
        ),
    ],
)
def test_malformed_bodies(api: TestClient, context: ServerContext, content: bytes, start: str) -> None:
    """A body that is not a JSON object is 400 naming the problem; nothing is stored."""
    answer = api.post(URL, content=content, headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["code"] == 400
    assert answer.json()["message"].startswith(start)
    assert stored(context) == []


def test_invalid_utf8_is_replaced_like_go(api: TestClient, context: ServerContext) -> None:
    """Bytes that are not UTF-8 become U+FFFD, as Go's JSON decoder does, and the event is accepted."""
    content = b'{"type": "sh.keptn.log.error", "data": {"message": "caf\xe9"}}'
    assert api.post(URL, content=content).status_code == 200
    assert stored(context)[0].data == {"message": "caf\ufffd"}


def test_lone_surrogates_are_replaced_like_go(api: TestClient, context: ServerContext) -> None:
    """An escaped lone surrogate becomes U+FFFD, so the event can be stored and served."""
    content = b'{"type": "sh.keptn.log.error", "data": {"message": "x\\ud800"}}'
    assert api.post(URL, content=content).status_code == 200
    assert stored(context)[0].data == {"message": "x\ufffd"}
    listed = api.get("/api/mongodb-datastore/event", params={"type": "sh.keptn.log.error"})
    assert listed.json()["events"][0]["data"] == {"message": "x\ufffd"}


def test_too_large_body_is_413(api: TestClient, context: ServerContext) -> None:
    """Bodies over 64 KB are refused before they are read, with Keptn's error body."""
    big = {**TRIGGER, "data": {**SCOPE, "blob": "x" * 70_000}}
    answer = api.post(URL, content=json.dumps(big))
    assert answer.status_code == 413
    assert answer.json()["code"] == 413
    assert stored(context) == []


def test_token_is_required(make_client: Callable[..., TestClient], context: ServerContext) -> None:
    """Without the token the answer is 401 and nothing is stored."""
    anonymous = make_client(routers=[events.router], token=None)
    answer = anonymous.post(URL, json=TRIGGER)
    assert answer.status_code == 401
    assert answer.json()["code"] == 401
    assert stored(context) == []


def test_accepted_events_are_counted_by_type(make_client: Callable[..., TestClient]) -> None:
    """slogate_events_total counts accepted events by type; rejected ones are not counted."""
    client = make_client(routers=[events.router, meta.router])
    client.post(URL, json=TRIGGER)
    client.post(URL, json=TRIGGER)
    client.post(URL, json={**TRIGGER, "type": "sh.keptn.event.deployment.triggered"})
    text = client.get("/metrics").text
    assert 'slogate_events_total{type="sh.keptn.event.qa.delivery.triggered"} 2.0' in text
    assert "sh.keptn.event.deployment.triggered" not in text


def test_event_is_committed_before_the_answer(api: TestClient, context: ServerContext) -> None:
    """The answered event is readable at once through another path (the datastore API)."""
    keptn_context = api.post(URL, json=TRIGGER).json()["keptnContext"]
    listed = api.get("/api/mongodb-datastore/event", params={"keptnContext": keptn_context})
    [document] = listed.json()["events"]
    assert document["shkeptncontext"] == keptn_context
    assert document["source"] == "ci"
    parsed = datetime.fromisoformat(document["time"])
    assert timedelta(0) <= datetime.now(UTC) - parsed < timedelta(minutes=1)


def test_openapi_documents_the_routes(api: TestClient) -> None:
    """The OpenAPI document lists the event body and the datastore routes."""
    document = api.get("/api/openapi.json").json()
    body = document["paths"]["/api/v1/event"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["type", "data"]
    assert "/api/mongodb-datastore/event/type/{event_type}" in document["paths"]
