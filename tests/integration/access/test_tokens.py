"""Scoped tokens: shown once, stored as a hash; revocation and expiry hold at once on a second server context
(another replica) over the same database; hostile token values are 401, never 500."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from slogate import bootstrap
from slogate.adapters.store.access_repository import SqlAccessStore
from slogate.server_context import ServerContext
from slogate.services.usecases.access import AccessService
from tests.integration.access.access_world import ADMIN_TOKEN, CP, World, make_token, settings_for, world
from tests.support.engines import dispose_engine, engine_of
from tests.support.postgres import needs_postgres


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=needs_postgres),
    ]
)
def replicas(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[World, TestClient, ServerContext]]:
    """The world (replica A) and a client of a second server context (replica B, its own data dir and
    connections) on the same database: a SQLite file, or a PostgreSQL database."""
    database_url, server, name = "", None, ""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        name = server.create_database("template0")
        database_url = server.url(name)
    else:
        database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    try:
        with world(tmp_path / "a", database_url) as world_:
            (tmp_path / "b").mkdir()
            for key in ("secrets.key", "bridge-session.key"):  # replicas share their keys (deployment.md)
                if (tmp_path / "a" / key).exists():
                    shutil.copy2(tmp_path / "a" / key, tmp_path / "b" / key)
            other = bootstrap.server_context(settings_for(tmp_path / "b", database_url))
            try:
                yield world_, TestClient(bootstrap.api_app(other)), other
            finally:
                dispose_engine(other)
                other.close()
    finally:
        if server is not None:
            server.drop_database(name)


def _engine(context: ServerContext) -> Engine:
    return engine_of(context)


def test_the_secret_is_shown_once_and_stored_as_a_hash(
    replicas: tuple[World, TestClient, ServerContext],
) -> None:
    world_, _, _ = replicas
    token = make_token(world_.admin, "ci", "operator", "alpha")
    assert token.startswith("slg_")
    listed = world_.admin.get("/api/slogate/v1/tokens").json()["tokens"]
    shown = next(t for t in listed if t["name"] == "ci")
    assert "token" not in shown
    assert token not in str(listed)
    secret = token.split("_", 2)[2]
    with _engine(world_.context).connect() as connection:
        rows = connection.execute(text("SELECT digest FROM access_tokens WHERE name = 'ci'")).scalars().all()
        dump = str(connection.execute(text("SELECT * FROM access_tokens")).fetchall())
    assert rows == [hashlib.sha256(secret.encode()).hexdigest()]
    assert secret not in dump
    assert shown["grants"] == [{"role": "operator", "project": "alpha", "stages": []}]
    assert shown["createdBy"] == "api-token"


def test_revocation_holds_at_once_on_another_replica(
    replicas: tuple[World, TestClient, ServerContext],
) -> None:
    world_, replica_b, _ = replicas
    token = make_token(world_.admin, "ci", "viewer", "alpha")
    headers = {"x-token": token}
    assert replica_b.get(f"{CP}/project/alpha", headers=headers).status_code == 200
    assert world_.admin.delete("/api/slogate/v1/tokens/ci").status_code == 200
    assert replica_b.get(f"{CP}/project/alpha", headers=headers).status_code == 401
    assert world_.client(token).get(f"{CP}/project/alpha").status_code == 401
    assert world_.admin.delete("/api/slogate/v1/tokens/ci").status_code == 404


def test_expiry_holds_on_every_replica(replicas: tuple[World, TestClient, ServerContext]) -> None:
    world_, replica_b, other = replicas
    answer = world_.admin.post(
        "/api/slogate/v1/tokens",
        json={"name": "short", "role": "viewer", "project": "alpha", "expires": "1h"},
    )
    assert answer.status_code == 201, answer.text
    token = answer.json()["token"]
    expires = datetime.fromisoformat(answer.json()["expiresAt"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    assert replica_b.get(f"{CP}/project/alpha", headers={"x-token": token}).status_code == 200
    # replica B's clock, an hour and a second later: the token is refused there (read from the database)
    later = AccessService(
        SqlAccessStore(_engine(other)), other.tokens, lambda: expires + timedelta(seconds=1)
    )
    assert later.principal_for_token(token) is None
    just_before = AccessService(
        SqlAccessStore(_engine(other)), other.tokens, lambda: expires - timedelta(seconds=1)
    )
    assert just_before.principal_for_token(token) is not None


@pytest.mark.parametrize(
    "bad",
    [
        "",
        " ",
        "x" * 100_000,
        "slg_",
        "slg__",
        "slg_000000000000_" + "a" * 43,
        "slg_ZZZZ_secret",
        "slg_" + "a" * 12 + "_" + "ü" * 30,
        "ünïcödé-tökên",
        ADMIN_TOKEN + "x",
        ADMIN_TOKEN[:-1],
        "Bearer " + ADMIN_TOKEN,
        "null",
        "%00",
    ],
)
def test_hostile_tokens_are_401(bad: str, tmp_path: Path) -> None:
    with world(tmp_path / "data") as world_:
        real = make_token(world_.admin, "real", "viewer", "alpha")
        client = world_.client(None)
        for value in (bad, real[:-1] + ("A" if real[-1] != "A" else "B"), real.replace("slg_", "slg_0", 1)):
            raw = value.encode("utf-8")  # headers are bytes: unicode arrives as its UTF-8 (latin-1 read)
            answer = client.get(f"{CP}/project", headers=[(b"x-token", raw)] if raw.strip() else {})
            assert answer.status_code in (401, 429), (value[:40], answer.text)
            assert answer.json()["code"] in (401, 429)
            bearer = client.get(f"{CP}/project", headers=[(b"authorization", b"Bearer " + raw)])
            assert bearer.status_code in (401, 429), value[:40]
        assert client.get(f"{CP}/project", headers={"x-token": real}).status_code == 200


def test_who_may_manage_tokens(tmp_path: Path) -> None:
    """An owner manages its project's tokens only; others manage none; a global role needs the admin."""
    with world(tmp_path / "data") as world_:
        owner = world_.as_role("owner")
        made = owner.post(
            "/api/slogate/v1/tokens", json={"name": "o1", "role": "operator", "project": "alpha"}
        )
        assert made.status_code == 201, made.text
        assert made.json()["createdBy"] == "t-owner"
        refused = owner.post(
            "/api/slogate/v1/tokens", json={"name": "o2", "role": "viewer", "project": "beta"}
        )
        assert refused.status_code == 403
        assert "token.manage" in refused.json()["message"]
        assert owner.post("/api/slogate/v1/tokens", json={"name": "o3", "role": "admin"}).status_code == 403
        names = {t["name"] for t in owner.get("/api/slogate/v1/tokens").json()["tokens"]}
        assert "o1" in names
        assert "t-outsider" not in names
        assert "t-admin" not in names
        assert owner.delete("/api/slogate/v1/tokens/t-outsider").status_code == 403
        assert world_.as_role("maintainer").get("/api/slogate/v1/tokens").status_code == 403
        assert world_.as_role("maintainer").delete("/api/slogate/v1/tokens/no-such").status_code == 403
        assert owner.delete("/api/slogate/v1/tokens/o1").status_code == 200


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "x", "role": "king", "project": "alpha"}, "role: Input should be 'viewer', 'operator'"),
        ({"name": "x", "role": "admin", "project": "alpha"}, "on a project"),
        ({"name": "x", "role": "viewer"}, "without --project"),
        ({"name": "bad name!", "role": "viewer", "project": "alpha"}, "name: String should match pattern"),
        ({"name": "x", "role": "viewer", "project": "alpha", "expires": "yesterday"}, "--expires"),
        ({"name": "x", "role": "viewer", "project": "alpha", "expires": "2001-01-01"}, "in the past"),
        ({"name": "x", "role": "auditor", "stages": ["dev"]}, "--stage needs --project"),
        ({"name": "t-viewer", "role": "viewer", "project": "alpha"}, "exists"),
    ],
)
def test_bad_token_requests_say_what_is_wrong(body: dict[str, object], fragment: str, tmp_path: Path) -> None:
    with world(tmp_path / "data") as world_:
        answer = world_.admin.post("/api/slogate/v1/tokens", json=body)
        assert answer.status_code in (400, 409), answer.text
        assert fragment in answer.json()["message"]


def test_an_integration_token_runs_a_remote_executor_and_nothing_else(tmp_path: Path) -> None:
    """Register, ping, poll its project's tasks, answer them; no trigger, no approval, no other project."""
    with world(tmp_path / "data") as world_:
        executor = world_.as_role("integration")
        registration = {
            "name": "remote",
            "metadata": {"hostname": "h", "integrationversion": "1", "distributorversion": "1"},
            "subscriptions": [
                {"event": "sh.keptn.event.deployment.triggered", "filter": {"projects": ["alpha"]}}
            ],
        }
        registered = executor.post(f"{CP}/uniform/registration", json=registration)
        assert registered.status_code == 201, registered.text
        integration = registered.json()["id"]
        assert executor.put(f"{CP}/uniform/registration/{integration}/ping").status_code == 200
        delivery = {
            "type": "sh.keptn.event.dev.delivery.triggered",
            "source": "ci",
            "data": {"project": "alpha", "stage": "dev", "service": "svc"},
        }
        assert executor.post("/api/v1/event", json=delivery).status_code == 403
        assert world_.admin.post("/api/v1/event", json=delivery).status_code == 200
        polled = executor.get(
            f"{CP}/event/triggered/sh.keptn.event.deployment.triggered", params={"project": "alpha"}
        )
        assert polled.status_code == 200
        started = {
            "type": "sh.keptn.event.deployment.started",
            "source": "remote",
            "shkeptncontext": "0" * 8 + "-0000-4000-8000-" + "0" * 12,
            "triggeredid": "x",
            "data": {"project": "alpha", "stage": "dev", "service": "svc"},
        }
        assert executor.post("/api/v1/event", json=started).status_code != 403
        started["data"] = {"project": "beta", "stage": "dev", "service": "svc"}
        assert executor.post("/api/v1/event", json=started).status_code == 403
        approval = {
            "type": "sh.keptn.event.approval.finished",
            "source": "remote",
            "shkeptncontext": started["shkeptncontext"],
            "triggeredid": "x",
            "data": {
                "project": "alpha",
                "stage": "dev",
                "service": "svc",
                "result": "pass",
                "status": "succeeded",
            },
        }
        assert executor.post("/api/v1/event", json=approval).status_code == 403


def test_users_get_the_grants_bound_to_them_and_their_groups(tmp_path: Path) -> None:
    """What the Bridge's OIDC login asks: bindings by user and by group, managed through the API."""
    with world(tmp_path / "data") as world_:
        for body in (
            {"subject": "group:team-a", "role": "operator", "project": "alpha", "stages": ["dev"]},
            {"subject": "user:alice", "role": "viewer", "project": "beta"},
            {"subject": "group:team-b", "role": "owner", "project": "beta"},
        ):
            assert world_.admin.post("/api/slogate/v1/roles", json=body).status_code == 201
        alice = world_.context.access.principal_for_user("alice", ["team-a"])
        assert {(g.role.value, g.project, tuple(g.stages)) for g in alice.grants} == {
            ("operator", "alpha", ("dev",)),
            ("viewer", "beta", ()),
        }
        assert world_.context.access.principal_for_user("mallory", ["team-c"]).grants == ()
        # an owner of alpha manages alpha's bindings only
        owner = world_.as_role("owner")
        assert (
            owner.post(
                "/api/slogate/v1/roles", json={"subject": "user:bob", "role": "viewer", "project": "beta"}
            ).status_code
            == 403
        )
        listed = owner.get("/api/slogate/v1/roles").json()["bindings"]
        assert [b["subject"] for b in listed] == ["group:team-a"]
        revoke = {"subject": "group:team-a", "role": "operator", "project": "alpha"}
        assert owner.delete("/api/slogate/v1/roles", params=revoke).status_code == 200
        assert world_.context.access.grants_for_subjects(["group:team-a"]) == ()
