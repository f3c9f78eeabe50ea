"""Hostile numbers and times answer 400 with Keptn's error body, never a 500; an unexpected failure
answers Keptn's JSON 500 body, never plain text."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx2 as httpx
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.api.context import ServerContext
from slogate.ports import EventCriteria, EventQueries

from .conftest import TOKEN

HUGE = "9" * 5000  # past Python's 4300-digit limit of int(str)
SCOPE = '"project": "sockshop", "stage": "qa", "service": "carts"'


def _event_body(number: str) -> bytes:
    envelope = '"type": "sh.keptn.event.qa.delivery.triggered", "source": "ci"'
    return f'{{{envelope}, "data": {{{SCOPE}, "n": {number}}}}}'.encode()


def _stored(context: ServerContext) -> int:
    store = context.store
    assert isinstance(store, EventQueries)
    return len(store.query(EventCriteria(limit=None))[0])


def _is_keptn_400(answer: httpx.Response, fragment: str) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == 400
    assert fragment in answer.json()["message"]


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (HUGE, "999999999999…(5000 characters)"),
        (
            "9" * 400,
            "999999999999…(400 characters)",
        ),  # parses in Python, but no float64 holds it (Go's decoder)
        ("-" + "9" * 400, "-99999999999…(401 characters)"),
        ("1e999", "1e999"),  # json.loads makes it inf, which PostgreSQL's JSONB refuses
        ("-1e999", "-1e999"),
    ],
)
def test_numbers_beyond_float64_in_an_event_are_400(
    client: TestClient, context: ServerContext, number: str, shown: str
) -> None:
    """Both ingestion paths (the lean one serves POST /api/v1/event) refuse the event and store nothing."""
    answer = client.post("/api/v1/event", content=_event_body(number))
    _is_keptn_400(answer, f"the request body holds the number {shown}")
    assert len(answer.json()["message"]) < 200  # thousands of digits are not echoed back
    assert answer.json()["message"].endswith("out of range: numbers must fit a float64")
    assert _stored(context) == 0


def test_numbers_within_float64_are_kept(client: TestClient, context: ServerContext) -> None:
    """A 300-digit integer and 1.5e300 still fit a float64: the event is stored."""
    assert client.post("/api/v1/event", content=_event_body("9" * 300)).status_code == 200
    assert client.post("/api/v1/event", content=_event_body("1.5e300")).status_code == 200
    assert _stored(context) == 2


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        (
            f"/api/mongodb-datastore/event?project=sockshop&pageSize={HUGE}",
            "pageSize in query must be of type int64",
        ),
        (
            f"/api/mongodb-datastore/event/type/x?filter=data.project:p&limit={HUGE}",
            "limit in query must be of type int64",
        ),
        ("/api/resource-service/v1/project/p/resource?pageSize=99999999999999999999", "pageSize"),
        (f"/api/resource-service/v1/project/p/resource?nextPageKey={'9' * 19}", "invalid nextPageKey"),
        (f"/api/controlPlane/v1/project?pageSize={HUGE}", "pageSize"),
        (f"/api/controlPlane/v1/project?nextPageKey={HUGE}", "nextPageKey"),
        (f"/api/controlPlane/v1/log?pageSize={HUGE}", "pageSize"),
        ("/api/controlPlane/v1/log?nextPageKey=1000000000000000001", "nextPageKey"),
        ("/api/controlPlane/v1/log?fromTime=9999-12-31T23:59:59-01:00", "out of range"),
        ("/api/controlPlane/v1/sequence/p?fromTime=9999-12-31T23:59:59-01:00", "fromTime"),
        ("/api/controlPlane/v1/sequence/p?beforeTime=0001-01-01T00:00:00%2B01:00", "beforeTime"),
        ("/api/mongodb-datastore/event?project=p&fromTime=9999-12-31T23:59:59-01:00", "out of range"),
        ("/api/mongodb-datastore/event?project=p&beforeTime=0001-01-01T00:00:00%2B01:00", "out of range"),
        (
            "/api/mongodb-datastore/event/type/t?filter=data.project:p&fromTime=9999-12-31T23:59:59-01:00",
            "fromTime",
        ),
    ],
)
def test_out_of_range_parameters_are_400(client: TestClient, path: str, fragment: str) -> None:
    """Numbers and times out of range in a query are the client's error, named in the message."""
    _is_keptn_400(client.get(path), fragment)


def test_a_huge_datastore_page_key_is_past_the_last_page(client: TestClient) -> None:
    """As Go's Atoi with the error ignored clamps nothing, a 5000-digit key is just far beyond the end."""
    answer = client.get(f"/api/mongodb-datastore/event?project=sockshop&nextPageKey={HUGE}")
    assert answer.status_code == 200
    assert answer.json()["events"] == []


@pytest.mark.parametrize("body", [f'{{"name": {HUGE}}}', f'{{"name": "p", "shipyard": {HUGE}}}'])
def test_huge_numbers_in_other_json_bodies_are_400(client: TestClient, body: str) -> None:
    """FastAPI's body parsing meets Python's int limit too: 400 with Keptn's body."""
    answer = client.post("/api/controlPlane/v1/project", content=body)
    assert answer.status_code == 400
    assert answer.json()["code"] == 400


def test_an_unexpected_failure_is_keptns_json_500(context: ServerContext) -> None:
    """The last-resort handler: a bug answers {"code": 500, "message": …} as JSON, no traceback."""
    broken = APIRouter()

    @broken.get("/api/broken")
    def fail() -> None:
        raise RuntimeError("secret detail of a bug")

    client = TestClient(bootstrap.api_app(context, [broken]), raise_server_exceptions=False)
    client.headers["x-token"] = TOKEN
    answer = client.get("/api/broken")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "code": 500,
        "message": "internal server error: the server could not answer this request",
    }


def test_hostile_input_without_a_token_is_401(make_client: Callable[..., TestClient]) -> None:
    """Without the token, hostile input is not even read: 401."""
    anonymous = make_client(token=None)
    assert anonymous.post("/api/v1/event", content=_event_body(HUGE)).status_code == 401


def test_an_unexpected_failure_on_the_lean_event_path_is_json_too(
    context: ServerContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST /api/v1/event bypasses FastAPI's routing; a bug there still answers Keptn's JSON 500."""

    async def broken(*_: object) -> str:
        raise RuntimeError("secret detail of a bug")

    monkeypatch.setattr("slogate.api.events.accept_posted", broken)
    client = TestClient(bootstrap.api_app(context), raise_server_exceptions=False)
    client.headers["x-token"] = TOKEN
    answer = client.post("/api/v1/event", content=_event_body("1"))
    assert answer.status_code == 500
    assert answer.json()["code"] == 500
    assert "secret detail" not in answer.text


@pytest.mark.parametrize(
    ("window", "fragment"),
    [
        ({"timeframe": "99999999999999h"}, "invalid duration"),
        ({"start": "9999-12-31T23:59:00Z", "timeframe": "5m"}, "ends outside the years 1 to 9999"),
        ({"start": "9999-12-31T23:59:59-01:00", "timeframe": "5m"}, "out of range"),
    ],
)
def test_evaluation_windows_out_of_range_are_400(
    client: TestClient, window: dict[str, str], fragment: str
) -> None:
    """Durations past Go's 292 years and windows past the year 9999 are 400 with the reason."""
    _create_project(client)
    answer = client.post(
        "/api/controlPlane/v1/project/sockshop/stage/qa/service/carts/evaluation", json=window
    )
    _is_keptn_400(answer, fragment)


@pytest.mark.parametrize(
    "path",
    [
        "/api/controlPlane/v1/project",
        "/api/controlPlane/v1/event/triggered/sh.keptn.event.qa.evaluation.triggered",
        "/api/controlPlane/v1/sequence-execution?project=sockshop",
        "/api/controlPlane/v1/log",
        "/api/resource-service/v1/project/sockshop/resource",
    ],
)
def test_the_largest_page_size_and_key_are_served(client: TestClient, path: str) -> None:
    """The bounds themselves (pageSize 2^62, the longest page key) reach the database without an
    integer overflow: an empty page, on SQLite and PostgreSQL."""
    _create_project(client)
    separator = "&" if "?" in path else "?"
    answer = client.get(f"{path}{separator}pageSize={2**62}&nextPageKey={'9' * 18}")
    assert answer.status_code == 200, answer.text
    answer = client.get(f"{path}{separator}pageSize={2**62 + 1}")
    assert answer.status_code == 400


def _create_project(client: TestClient) -> None:
    """Project sockshop with stage qa and service carts."""
    shipyard = (
        "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata:\n  name: s\n"
        "spec:\n  stages:\n  - name: qa\n"
    )
    project = {"name": "sockshop", "shipyard": base64.b64encode(shipyard.encode()).decode()}
    assert client.post("/api/controlPlane/v1/project", json=project).status_code == 201
    assert (
        client.post(
            "/api/controlPlane/v1/project/sockshop/service", json={"serviceName": "carts"}
        ).status_code
        == 200
    )
