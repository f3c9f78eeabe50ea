"""Keptn's error log of integrations (GET/POST/DELETE /api/controlPlane/v1/log), the datastore's
/health and the import that slogate does not offer (501)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx2 as httpx
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.api.context import ServerContext
from slogate.api.meta import IMPORT_UNSUPPORTED
from slogate.ports.integration_log import LogFilter

from .conftest import TOKEN

LOG = "/api/controlPlane/v1/log"


def _ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _entry(integration: str, message: str, hours_ago: float, **extra: str) -> dict[str, str]:
    return {"integrationid": integration, "message": message, "time": _ago(hours_ago), **extra}


def _messages(answer: httpx.Response) -> list[str]:
    return [entry["message"] for entry in answer.json()["logs"]]


def test_posted_entries_are_read_back_newest_first(client: TestClient) -> None:
    """POST answers 200 with an empty body; GET gives Keptn's LogEntry fields and paging."""
    posted = client.post(
        LOG,
        json={
            "logs": [
                _entry("jes", "old", 3, shkeptncontext="ctx-1", task="deployment", triggeredid="t-1"),
                _entry("jes", "new", 1),
                _entry("other", "elsewhere", 2),
                {"integrationid": "jes", "message": "now", "gitcommitid": "ignored"},  # time: receipt
            ]
        },
    )
    assert (posted.status_code, posted.content) == (200, b"")
    answer = client.get(LOG, params={"integrationId": "jes"}).json()
    assert [entry["message"] for entry in answer["logs"]] == ["now", "new", "old"]
    assert {key: value for key, value in answer["logs"][2].items() if key != "time"} == {
        "integrationid": "jes",
        "message": "old",
        "shkeptncontext": "ctx-1",
        "task": "deployment",
        "triggeredid": "t-1",
    }
    assert set(answer["logs"][1]) == {"integrationid", "message", "time"}  # unset fields are omitted
    assert (answer["nextPageKey"], answer["pageSize"], answer["totalCount"]) == (0, 3, 3)
    first = client.get(LOG, params={"pageSize": 2}).json()
    assert (_messages_of(first), first["nextPageKey"], first["totalCount"]) == (["now", "new"], 2, 4)
    second = client.get(LOG, params={"pageSize": 2, "nextPageKey": 2}).json()
    assert (_messages_of(second), second["nextPageKey"]) == (["elsewhere", "old"], 0)


def _messages_of(body: dict[str, list[dict[str, str]]]) -> list[str]:
    return [entry["message"] for entry in body["logs"]]


def test_time_filters_and_delete(client: TestClient) -> None:
    """fromTime is inclusive, beforeTime exclusive; DELETE takes the same filters and answers {}."""
    client.post(LOG, json={"logs": [_entry("a", f"{hours}h", hours) for hours in (1, 2, 3, 4)]})
    window = {"fromTime": _ago(3.5), "beforeTime": _ago(1.5)}
    assert _messages(client.get(LOG, params=window)) == ["2h", "3h"]
    deleted = client.delete(LOG, params={"integrationId": "a", **window})
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert _messages(client.get(LOG)) == ["1h", "4h"]
    client.delete(LOG, params={"integrationId": "someone-else"})
    assert _messages(client.get(LOG)) == ["1h", "4h"]
    client.delete(LOG)
    assert _messages(client.get(LOG)) == []


def test_entries_expire_after_120_hours(client: TestClient, context: ServerContext) -> None:
    """Entries older than Keptn's LOG_TTL are neither read nor kept: a later write purges them."""
    client.post(LOG, json={"logs": [_entry("a", "expired", 121), _entry("a", "live", 119)]})
    assert _messages(client.get(LOG)) == ["live"]
    assert _messages(client.get(LOG, params={"fromTime": _ago(200)})) == ["live"]
    client.post(LOG, json={"logs": []})
    entries, total = context.logs._store.find(LogFilter(), 10, 0)
    assert [entry.message for entry in entries] == ["live"]
    assert total == 1


def test_a_bad_entry_stores_nothing(client: TestClient) -> None:
    """A time that is not RFC 3339 is 400 naming the entry; the valid entries before it are not stored."""
    answer = client.post(LOG, json={"logs": [_entry("a", "fine", 1), {"integrationid": "a", "time": "soon"}]})
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("logs[1].time: 'soon' is not a time")
    assert _messages(client.get(LOG)) == []


def test_bad_queries_and_bodies_are_400(client: TestClient) -> None:
    """Keptn's error body for a bad filter, page size or body."""
    for params in ({"fromTime": "yesterday"}, {"pageSize": 0}, {"nextPageKey": -1}, {"pageSize": "x"}):
        assert client.get(LOG, params=params).status_code == 400, params
    assert client.delete(LOG, params={"beforeTime": "x"}).status_code == 400
    assert client.post(LOG, json={"logs": [{"message": 5}]}).status_code == 400
    assert client.post(LOG, json={"entries": []}).status_code == 400


def test_the_log_needs_the_token_and_survives_a_restart(
    make_client: Callable[..., TestClient], context: ServerContext
) -> None:
    """401 without the token; the entries are in the database, so a new server reads them."""
    anonymous = make_client(token=None)
    assert anonymous.get(LOG).status_code == 401
    assert anonymous.post(LOG, json={"logs": []}).status_code == 401
    make_client().post(LOG, json={"logs": [_entry("a", "kept", 1)]})
    restarted = bootstrap.server_context(context.settings)
    try:
        client = TestClient(bootstrap.api_app(restarted))
        client.headers["x-token"] = TOKEN
        assert _messages(client.get(LOG)) == ["kept"]
    finally:
        restarted.close()


def test_datastore_health_and_import(client: TestClient, anonymous: TestClient) -> None:
    """GET /api/mongodb-datastore/health is 200 {"status": "OK"}; POST /api/v1/import is 501."""
    assert client.get("/api/mongodb-datastore/health").json() == {"status": "OK"}
    assert anonymous.get("/api/mongodb-datastore/health").status_code == 401  # behind the gateway's token
    answer = client.post("/api/v1/import", params={"project": "sockshop"})
    assert answer.status_code == 501
    assert answer.json() == {"code": 501, "message": IMPORT_UNSUPPORTED}
