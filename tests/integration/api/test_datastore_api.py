"""Keptn's datastore API: GET /api/mongodb-datastore/event and /event/type/{eventType}."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from slogate.api import datastore, events
from slogate.domain.protocol.gate_events import (
    EVALUATION_FINISHED,
    EVALUATION_INVALIDATED,
    EVALUATION_TRIGGERED,
    KeptnEvent,
)
from slogate.server_context import ServerContext
from tests.integration.store.builders import event, fields

EVENTS = "/api/mongodb-datastore/event"
BY_TYPE = f"{EVENTS}/type/{EVALUATION_FINISHED}"
OTHER = ("other", "prod", "api")
NO_PROJECT = ("", "", "")


@pytest.fixture
def api(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of an app with the event and datastore routers, sending the token."""
    return make_client(routers=[events.router, datastore.router])


def add(context: ServerContext, *stored: KeptnEvent) -> None:
    """Store events directly (their times are chosen by the test)."""
    context.store.add(list(stored))


def ids_of(answer: Any) -> list[str]:
    """The event ids of a 200 answer, in order."""
    assert answer.status_code == 200, answer.text
    return [document["id"] for document in answer.json()["events"]]


def error(answer: Any, status: int = 400) -> str:
    """The message of an error answer with Keptn's body."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == status
    message: str = body["message"]
    return message


# --- GET /event ---------------------------------------------------------------------------------


def test_documents_have_keptns_shape(api: TestClient, context: ServerContext) -> None:
    """Each event is a CloudEvent as Keptn's datastore answers it; the page says size and total."""
    add(
        context,
        KeptnEvent(**{**fields(event(id="e1", triggeredid="t1", context="ctx")), "gitcommitid": "g1"}),
        event(EVALUATION_TRIGGERED, id="e0", context="ctx", minute=-1, result=None),
    )
    answer = api.get(EVENTS, params={"keptnContext": "ctx"})
    assert answer.json() == {
        "events": [
            {
                "specversion": "1.0",
                "id": "e1",
                "source": "lighthouse-service",
                "type": EVALUATION_FINISHED,
                "time": "2024-05-01T12:00:00Z",
                "datacontenttype": "application/json",
                "data": {"project": "sockshop", "stage": "qa", "service": "carts", "result": "pass"},
                "shkeptncontext": "ctx",
                "triggeredid": "t1",
                "gitcommitid": "g1",
            },
            {
                "specversion": "1.0",
                "id": "e0",
                "source": "lighthouse-service",
                "type": EVALUATION_TRIGGERED,
                "time": "2024-05-01T11:59:00Z",
                "datacontenttype": "application/json",
                "data": {"project": "sockshop", "stage": "qa", "service": "carts"},
                "shkeptncontext": "ctx",
            },
        ],
        "pageSize": 20,
        "totalCount": 2,
    }


def test_paging_with_next_page_key(api: TestClient, context: ServerContext) -> None:
    """nextPageKey is the next offset as a string, and is left out on the last page."""
    add(context, *(event(id=f"e{n}", minute=n) for n in range(5)))
    pages, key = [], None
    while True:
        params = {"project": "sockshop", "pageSize": "2", **({"nextPageKey": key} if key else {})}
        body = api.get(EVENTS, params=params).json()
        pages.append([document["id"] for document in body["events"]])
        assert (body["pageSize"], body["totalCount"]) == (2, 5)
        key = body.get("nextPageKey")
        if key is None:
            break
        assert key == str(2 * len(pages))
    assert pages == [["e4", "e3"], ["e2", "e1"], ["e0"]]


def test_page_keys_that_are_not_numbers_start_over(api: TestClient, context: ServerContext) -> None:
    """As Keptn's strconv.Atoi with the error ignored: a key that is not a number means offset 0."""
    add(context, *(event(id=f"e{n}", minute=n) for n in range(3)))
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "nextPageKey": "abc"})) == ["e2", "e1", "e0"]
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "nextPageKey": "+2"})) == ["e0"]
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "nextPageKey": "9" * 30})) == []
    assert error(api.get(EVENTS, params={"project": "sockshop", "nextPageKey": "-1"})).startswith(
        "nextPageKey must not be negative"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "pageSize in query should be greater than or equal to 1"),
        ("101", "pageSize in query should be less than or equal to 100"),
        ("ten", 'pageSize in query must be of type int64: "ten"'),
        ("1e3", 'pageSize in query must be of type int64: "1e3"'),
        ("99999999999999999999", 'pageSize in query must be of type int64: "99999999999999999999"'),
    ],
)
def test_page_size_bounds(api: TestClient, value: str, message: str) -> None:
    """pageSize is 1–100, with go-openapi's messages."""
    assert error(api.get(EVENTS, params={"project": "sockshop", "pageSize": value})) == message


def test_filters(api: TestClient, context: ServerContext) -> None:
    """type, stage, service, eventID and source narrow the search; empty values count as absent."""
    add(
        context,
        event(id="a", context="c1"),
        event(EVALUATION_TRIGGERED, id="b", context="c1", scope=("sockshop", "prod", "carts"), minute=1),
        KeptnEvent(**{**fields(event(id="c", scope=("sockshop", "qa", "api"), minute=2)), "source": "ci"}),
    )
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "type": EVALUATION_TRIGGERED})) == ["b"]
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "stage": "qa"})) == ["c", "a"]
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "service": "api"})) == ["c"]
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "eventID": "a"})) == ["a"]
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "source": "ci"})) == ["c"]
    assert ids_of(api.get(EVENTS, params={"keptnContext": "c1", "stage": "", "type": ""})) == ["b", "a"]


def test_project_and_context_select_the_collection(api: TestClient, context: ServerContext) -> None:
    """Keptn searches one project: the given one, the context's, or else only events without a project."""
    add(
        context,
        event(id="shop", context="c1"),
        event(id="shop-other-context", context="c2", minute=1),
        event(id="other", context="c1", scope=OTHER, minute=2),
        event("sh.keptn.log.error", id="log", context="c3", scope=NO_PROJECT, result=None, minute=3),
    )
    assert ids_of(api.get(EVENTS, params={"project": "other"})) == ["other"]
    assert ids_of(api.get(EVENTS, params={"keptnContext": "c1"})) == ["shop"]
    assert ids_of(api.get(EVENTS, params={"keptnContext": "c1", "project": "other"})) == ["other"]
    assert ids_of(api.get(EVENTS)) == ["log"]
    assert ids_of(api.get(EVENTS, params={"type": EVALUATION_FINISHED})) == []
    assert ids_of(api.get(EVENTS, params={"keptnContext": "c3"})) == ["log"]


def test_root_events(api: TestClient, context: ServerContext) -> None:
    """root (any non-empty value, even "false") keeps the first stored event of each context."""
    add(
        context,
        event(EVALUATION_TRIGGERED, id="c1-root", context="c1", result=None),
        event(id="c1-next", context="c1", minute=1),
        event(EVALUATION_TRIGGERED, id="c2-root", context="c2", minute=2, result=None),
    )
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "root": "true"})) == ["c2-root", "c1-root"]
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "root": "false"})) == ["c2-root", "c1-root"]
    assert ids_of(api.get(EVENTS, params={"project": "sockshop", "root": ""})) == [
        "c2-root",
        "c1-next",
        "c1-root",
    ]


def test_time_window(api: TestClient, context: ServerContext) -> None:
    """fromTime and beforeTime are exclusive bounds; times without an offset are UTC."""
    add(context, *(event(id=f"m{n}", minute=n) for n in range(4)))
    window = {"project": "sockshop", "fromTime": "2024-05-01T12:00:00Z", "beforeTime": "2024-05-01T12:03:00"}
    assert ids_of(api.get(EVENTS, params=window)) == ["m2", "m1"]
    assert ids_of(
        api.get(EVENTS, params={"project": "sockshop", "fromTime": "2024-05-01T14:01:00+02:00"})
    ) == [
        "m3",
        "m2",
    ]
    message = error(api.get(EVENTS, params={"project": "sockshop", "beforeTime": "noon"}))
    assert message.startswith("beforeTime 'noon' is not a time")


# --- GET /event/type/{eventType} -----------------------------------------------------------------


def test_by_type_newest_first_with_limit(api: TestClient, context: ServerContext) -> None:
    """Events of the path's type matching the filter, newest first, at most limit of them."""
    add(
        context,
        *(event(id=f"e{n}", minute=n) for n in range(3)),
        event(EVALUATION_TRIGGERED, id="trig", minute=5, result=None),
    )
    answer = api.get(BY_TYPE, params={"filter": "data.project:sockshop", "limit": "2"})
    assert list(answer.json()) == ["events"]
    assert ids_of(answer) == ["e2", "e1"]
    assert answer.json()["events"][0]["type"] == EVALUATION_FINISHED


def test_by_type_filter_grammar(api: TestClient, context: ServerContext) -> None:
    """key:value AND key:v1,v2 over data fields, nested data, and envelope fields."""
    add(
        context,
        event(id="pass", result="pass", context="c1", labels={"buildId": "1"}),
        event(id="warn", result="warning", context="c1", minute=1, labels={"buildId": "2"}),
        event(id="fail", result="fail", context="c1", minute=2),
        event(id="prod", result="pass", context="c2", scope=("sockshop", "prod", "carts"), minute=3),
    )
    assert ids_of(
        api.get(
            BY_TYPE, params={"filter": "data.project:sockshop AND data.stage:qa AND data.result:pass,warning"}
        )
    ) == ["warn", "pass"]
    assert ids_of(api.get(BY_TYPE, params={"filter": "shkeptncontext:c2"})) == ["prod"]
    assert ids_of(api.get(BY_TYPE, params={"filter": "shkeptncontext:c1 AND data.labels.buildId:2"})) == [
        "warn"
    ]
    assert ids_of(api.get(BY_TYPE, params={"filter": "data.project:sockshop AND id:fail"})) == ["fail"]
    assert ids_of(
        api.get(BY_TYPE, params={"filter": "data.project:sockshop AND source:lighthouse-service"})
    ) == [
        "prod",
        "fail",
        "warn",
        "pass",
    ]


def test_by_type_filter_oddities(api: TestClient, context: ServerContext) -> None:
    """As in Keptn: pairs without exactly one ':' are ignored, the last of a repeated key wins, the
    path's type overrides a type in the filter, and an unknown field matches nothing."""
    add(context, event(id="a"), event(id="b", stage_note="x", minute=1))
    base = "data.project:sockshop"
    assert ids_of(api.get(BY_TYPE, params={"filter": f"{base} AND time:2024-05-01T12:00:00Z"})) == ["b", "a"]
    assert ids_of(api.get(BY_TYPE, params={"filter": f"{base} AND id:zzz AND id:a"})) == ["a"]
    assert ids_of(api.get(BY_TYPE, params={"filter": f"{base} AND type:{EVALUATION_TRIGGERED}"})) == [
        "b",
        "a",
    ]
    assert ids_of(api.get(BY_TYPE, params={"filter": f"{base} AND nosuchfield:x"})) == []
    assert ids_of(api.get(BY_TYPE, params={"filter": f"{base} AND data.stage_note:x"})) == ["b"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "event filter must not be empty: invalid event filter"),
        ({"filter": ""}, "event filter must not be empty: invalid event filter"),
        (
            {"filter": "data.stage:qa"},
            "invalid event filter: either 'shkeptncontext' or 'data.project' must be set",
        ),
        (
            {"filter": "data.project: AND shkeptncontext:"},
            "invalid event filter: either 'shkeptncontext' or 'data.project' must be set",
        ),
        (
            {"filter": "data.project:http://x"},
            "invalid event filter: either 'shkeptncontext' or 'data.project' must be set",
        ),
        ({"filter": "data.project:p", "limit": "0"}, "limit in query should be greater than or equal to 1"),
        ({"filter": "data.project:p", "limit": "500"}, "limit in query should be less than or equal to 100"),
        (
            {"filter": "data.project:p", "excludeInvalidated": "maybe"},
            'excludeInvalidated in query must be of type bool: "maybe"',
        ),
        (
            {"filter": "data.project:p", "fromTime": "x"},
            "fromTime 'x' is not a time: use RFC 3339, e.g. 2024-05-01T12:00:00.000Z",
        ),
    ],
)
def test_by_type_errors(api: TestClient, params: dict[str, str], message: str) -> None:
    """A missing or unscoped filter and bad parameters are 400 with a clear message."""
    assert error(api.get(BY_TYPE, params=params)) == message


def test_exclude_invalidated(api: TestClient, context: ServerContext) -> None:
    """excludeInvalidated drops events whose triggeredid has an .invalidated event in the project."""
    add(
        context,
        event(id="kept", triggeredid="t1"),
        event(id="invalidated", triggeredid="t2", minute=1),
        event(EVALUATION_INVALIDATED, id="inv", triggeredid="t2", minute=2, result=None),
    )
    scoped = {"filter": "data.project:sockshop"}
    assert ids_of(api.get(BY_TYPE, params={**scoped, "excludeInvalidated": "true"})) == ["kept"]
    assert ids_of(api.get(BY_TYPE, params={**scoped, "excludeInvalidated": "0"})) == ["invalidated", "kept"]
    assert ids_of(api.get(BY_TYPE, params=scoped)) == ["invalidated", "kept"]


def test_by_type_context_selects_its_project(api: TestClient, context: ServerContext) -> None:
    """With only shkeptncontext, Keptn searches the project the context maps to."""
    add(context, event(id="shop", context="c1"), event(id="other", context="c1", scope=OTHER, minute=1))
    assert ids_of(api.get(BY_TYPE, params={"filter": "shkeptncontext:c1"})) == ["shop"]
    assert ids_of(api.get(BY_TYPE, params={"filter": "shkeptncontext:c1 AND data.project:other"})) == [
        "other"
    ]
    assert ids_of(api.get(BY_TYPE, params={"filter": "data.project:sockshop,other"})) == ["other", "shop"]


def test_by_type_from_time(api: TestClient, context: ServerContext) -> None:
    """fromTime keeps events strictly after it."""
    add(context, *(event(id=f"m{n}", minute=n) for n in range(3)))
    params = {"filter": "data.project:sockshop", "fromTime": "2024-05-01T12:01:00.000Z"}
    assert ids_of(api.get(BY_TYPE, params=params)) == ["m2"]


# --- every route ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [EVENTS, BY_TYPE])
def test_token_is_required(make_client: Callable[..., TestClient], path: str) -> None:
    """Without the token every datastore route is 401 with Keptn's body."""
    anonymous = make_client(routers=[datastore.router], token=None)
    assert error(anonymous.get(path, params={"filter": "data.project:p"}), 401).startswith(
        "missing or invalid"
    )


def test_store_without_queries_is_a_server_error(
    make_client: Callable[..., TestClient], context: ServerContext
) -> None:
    """A store that cannot answer the queries is 500, not a crash."""
    client = make_client(routers=[datastore.router])
    app = client.app
    assert isinstance(app, FastAPI)
    app.state.context = dataclasses.replace(context, store=cast(Any, object()))
    assert error(client.get(EVENTS), 500) == "the configured event store cannot answer datastore queries"
