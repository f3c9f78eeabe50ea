"""Replicas starting together migrate once; /ready says whether the database answers with the current
schema (503 with the reason otherwise) while /health stays the liveness probe; the live replicas."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from slogate import bootstrap
from slogate.adapters.shared_keys import create_keys
from slogate.adapters.store import database
from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.replica_repository import SqlReplicaStore
from slogate.ports.replicas import ReplicaRecord
from slogate.server_context import ServerContext
from tests.integration.replicas.conftest import TOKEN, MakeReplica
from tests.support.engines import engine_of
from tests.support.postgres import PostgresServer, needs_postgres
from tests.support.tcpproxy import CuttableProxy

HEAD = max(  # the newest migration's revision: the file names start with it
    path.name.split("_")[0]
    for path in (Path(database.__file__).parent / "migrations" / "versions").glob("0*.py")
)


def _client(context: ServerContext) -> TestClient:
    client = TestClient(bootstrap.api_app(context))
    client.headers["x-token"] = TOKEN
    return client


@needs_postgres
def test_three_replicas_starting_together_on_an_empty_database_migrate_it_once(shared_url: str) -> None:
    engines = [open_database(shared_url) for _ in range(3)]
    together = threading.Barrier(3)
    failures: list[BaseException] = []

    def start(engine: Engine) -> None:
        together.wait()
        try:
            upgrade(engine)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert failures == []
        with engines[0].connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
                HEAD
            ]
            assert connection.execute(text("SELECT count(*) FROM replicas")).scalar() == 0
    finally:
        for engine in engines:
            engine.dispose()


def test_ready_answers_ok_on_a_current_database(tmp_path: Path, make_replica: MakeReplica) -> None:
    context = make_replica("solo:8080", f"sqlite:///{tmp_path / 'slogate.db'}")
    with TestClient(bootstrap.api_app(context)) as anonymous:  # no token: for load balancers
        assert anonymous.get("/ready").json() == {"status": "OK"}
        assert anonymous.get("/health").status_code == 200


@needs_postgres
def test_ready_is_503_with_the_reason_while_the_database_is_away_and_ok_again_after(
    postgres_server: PostgresServer, shared_url: str, make_replica: MakeReplica, tmp_path: Path
) -> None:
    create_keys(tmp_path / "keys")
    with CuttableProxy(postgres_server.port) as proxy:
        url = shared_url.replace(f":{postgres_server.port}/", f":{proxy.port}/")
        context = make_replica("a:1", url, tmp_path / "keys")
        anonymous = TestClient(bootstrap.api_app(context))
        assert anonymous.get("/ready").status_code == 200
        proxy.cut()
        away = anonymous.get("/ready")
        assert away.status_code == 503
        assert away.json() == {
            "status": "unavailable",
            "reason": "the database does not answer (OperationalError)",
        }
        assert anonymous.get("/health").status_code == 200  # alive: a supervisor must not restart it
        proxy.restore()
        assert anonymous.get("/ready").status_code == 200  # the pool's broken connections are replaced


@needs_postgres
def test_ready_is_503_when_the_schema_is_not_the_current_one(
    shared_url: str, make_replica: MakeReplica, tmp_path: Path
) -> None:
    create_keys(tmp_path / "keys")
    context = make_replica("a:1", shared_url, tmp_path / "keys")
    with engine_of(context).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    answer = TestClient(bootstrap.api_app(context)).get("/ready")
    assert answer.status_code == 503
    assert answer.json()["reason"] == f"the database schema is at revision 0012, not {HEAD}"


@needs_postgres
def test_the_replicas_seen_lately_are_listed_by_every_replica(
    shared_url: str, make_replica: MakeReplica, tmp_path: Path
) -> None:
    create_keys(tmp_path / "keys")
    first = make_replica("host-a:8080", shared_url, tmp_path / "keys")
    second = make_replica("host-b:8080", shared_url, tmp_path / "keys")
    assert first.replicas is not None
    assert second.replicas is not None
    first.replicas.beat()
    second.replicas.beat()
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    SqlReplicaStore(engine_of(first)).beat(ReplicaRecord("dead:8080", "0.1", long_ago, long_ago))
    listing = _client(second).get("/api/slogate/v1/replicas").json()
    assert listing["self"] == "host-b:8080"
    assert [replica["name"] for replica in listing["replicas"]] == ["host-a:8080", "host-b:8080"]
    assert listing["replicas"][0]["lastSeen"].endswith("Z")
    assert [replica.name for replica in first.integrations.replicas()] == ["host-a:8080", "host-b:8080"]


def test_the_replicas_listing_needs_the_token(tmp_path: Path, make_replica: MakeReplica) -> None:
    context = make_replica("solo:8080", f"sqlite:///{tmp_path / 'slogate.db'}")
    assert TestClient(bootstrap.api_app(context)).get("/api/slogate/v1/replicas").status_code == 401


@pytest.mark.parametrize("name", ["solo:8080"])
def test_the_heartbeat_runs_with_the_server_and_its_row_goes_at_a_clean_stop(
    tmp_path: Path, make_replica: MakeReplica, name: str
) -> None:
    context = make_replica(name, f"sqlite:///{tmp_path / 'slogate.db'}")
    with _client(context) as client:  # the lifespan runs the heartbeat
        names = [replica["name"] for replica in client.get("/api/slogate/v1/replicas").json()["replicas"]]
        assert names == [name]
    assert context.integrations.replicas() == []


@needs_postgres
def test_three_replicas_built_together_on_an_empty_database_all_come_up(
    shared_url: str, make_replica: MakeReplica, tmp_path: Path
) -> None:
    create_keys(tmp_path / "keys")
    together = threading.Barrier(3)
    built: dict[str, ServerContext] = {}
    failures: list[BaseException] = []

    def start(name: str) -> None:
        together.wait()
        try:
            built[name] = make_replica(name, shared_url, tmp_path / "keys")
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=start, args=(f"r{index}:80",)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    for context in built.values():
        assert _client(context).get("/ready").json() == {"status": "OK"}
    with engine_of(built["r0:80"]).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM key_checks")).scalar() == 2
