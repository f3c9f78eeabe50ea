"""Keys shared by the replicas of one database: secrets and Bridge sessions hold on every replica; a
replica with other keys refuses to start; one process on SQLite keeps its data-dir keys."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from slogate import bootstrap
from slogate.adapters.shared_keys import create_keys
from slogate.cli.app import app
from slogate.errors import ConfigError
from slogate.server_context import ServerContext
from slogate.settings import Settings
from slogate.web.session import COOKIE
from tests.integration.replicas.conftest import TOKEN, MakeReplica
from tests.support.engines import engine_of
from tests.support.postgres import needs_postgres


def _bridge(context: ServerContext) -> TestClient:
    return TestClient(bootstrap.server_app(context))


def _csrf(client: TestClient, cookie: str) -> str:
    page = client.get("/bridge/", headers={"cookie": f"{COOKIE}={cookie}"}, follow_redirects=False)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.status_code
    return found.group(1)


def _opens(client: TestClient, cookie: str) -> bool:
    page = client.get("/bridge/", headers={"cookie": f"{COOKIE}={cookie}"}, follow_redirects=False)
    return page.status_code == 200


@needs_postgres
def test_a_secret_written_through_one_replica_is_read_by_another(
    make_replica: MakeReplica, shared_url: str, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    create_keys(keys)
    first = make_replica("a:1", shared_url, keys)
    second = make_replica("b:2", shared_url, keys)
    first.secrets.create("dynatrace", None, {"DT_API_TOKEN": "dt0c01.secret"})
    assert second.secrets.values("dynatrace") == {"DT_API_TOKEN": "dt0c01.secret"}
    assert not (tmp_path / "a-1" / "secrets.key").exists()  # the shared key, not a data-dir one
    assert not (tmp_path / "b-2" / "secrets.key").exists()


@needs_postgres
def test_a_bridge_session_and_its_csrf_token_hold_on_every_replica_and_a_logout_everywhere(
    make_replica: MakeReplica, shared_url: str, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    create_keys(keys)
    first, second = (
        _bridge(make_replica("a:1", shared_url, keys)),
        _bridge(make_replica("b:2", shared_url, keys)),
    )
    assert first.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
    cookie = first.cookies[COOKIE]
    first.cookies.clear()
    assert _opens(second, cookie)
    token = _csrf(first, cookie)  # a form drawn by one replica is posted to the other
    logout = second.post(
        "/bridge/logout",
        data={"csrf": token},
        headers={"cookie": f"{COOKIE}={cookie}"},
        follow_redirects=False,
    )
    assert logout.status_code == 303
    assert not _opens(first, cookie)  # logged out through the other replica
    assert not _opens(second, cookie)


@needs_postgres
def test_a_replica_with_other_keys_refuses_to_start(
    make_replica: MakeReplica, shared_url: str, tmp_path: Path
) -> None:
    keys, other = tmp_path / "keys", tmp_path / "other"
    create_keys(keys)
    create_keys(other)
    make_replica("a:1", shared_url, keys)
    with pytest.raises(ConfigError, match=r"secrets\.key is not the secrets\.key the other replicas"):
        make_replica("b:2", shared_url, other)
    with pytest.raises(ConfigError, match=r"slogate server keys --key-dir DIR"):
        make_replica("c:3", shared_url)  # its own data-dir keys: differ too


@needs_postgres
def test_only_check_values_of_the_keys_reach_the_database(
    make_replica: MakeReplica, shared_url: str, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    create_keys(keys)
    context = make_replica("a:1", shared_url, keys)
    with engine_of(context).connect() as connection:
        stored = connection.execute(text("SELECT name, check_value FROM key_checks")).all()
    assert {name for name, _ in stored} == {"secrets.key", "bridge-session.key"}
    for key_file in ("secrets.key", "bridge-session.key"):
        key = (keys / key_file).read_bytes()
        for _, value in stored:
            assert key.strip().hex() not in value
            assert key.strip().decode("latin-1") not in value


@needs_postgres
@pytest.mark.parametrize("missing", ["secrets.key", "bridge-session.key"])
def test_a_key_dir_without_a_key_is_a_clear_error_and_nothing_is_made_up(
    make_replica: MakeReplica, shared_url: str, tmp_path: Path, missing: str
) -> None:
    keys = tmp_path / "keys"
    create_keys(keys)
    (keys / missing).unlink()
    with pytest.raises(ConfigError, match=rf"{re.escape(missing)} does not exist: create the keys once"):
        make_replica("a:1", shared_url, keys)
    assert not (keys / missing).exists()


def test_create_keys_keeps_existing_keys_and_makes_private_files(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert sorted(path.name for path in create_keys(keys)) == ["bridge-session.key", "secrets.key"]
    before = {path.name: path.read_bytes() for path in keys.iterdir()}
    assert create_keys(keys) == []
    assert {path.name: path.read_bytes() for path in keys.iterdir()} == before
    assert os.stat(keys).st_mode & 0o777 == 0o700
    assert {os.stat(path).st_mode & 0o777 for path in keys.iterdir()} == {0o600}


def test_one_process_on_sqlite_keeps_its_data_dir_keys_and_secrets(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_token=TOKEN)  # type: ignore[arg-type]
    before = bootstrap.server_context(settings)
    try:
        before.secrets.create("prometheus", None, {"PROMETHEUS_URL": "http://127.0.0.1:9090"})
    finally:
        before.close()
    key = (tmp_path / "data" / "secrets.key").read_bytes()
    after = bootstrap.server_context(settings)
    try:
        assert after.secrets.values("prometheus") == {"PROMETHEUS_URL": "http://127.0.0.1:9090"}
        assert type(after.session_files).__name__ == "DataDirSessionFiles"  # logouts stay in the data dir
    finally:
        after.close()
    assert (tmp_path / "data" / "secrets.key").read_bytes() == key


def test_a_key_dir_on_sqlite_is_used_instead_of_the_data_dir(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    create_keys(keys)
    settings = Settings(data_dir=tmp_path / "data", api_token=TOKEN, key_dir=keys)  # type: ignore[arg-type]
    context = bootstrap.server_context(settings)
    try:
        context.secrets.create("prometheus", None, {"PROMETHEUS_URL": "http://127.0.0.1:9090"})
        cookie_keys = bootstrap.server_app(context).state.bridge_keys
        assert cookie_keys.verify(cookie_keys.issue()) is not None
    finally:
        context.close()
    assert not (tmp_path / "data" / "secrets.key").exists()
    assert not (tmp_path / "data" / "bridge-session.key").exists()


def test_slogate_server_keys_creates_the_keys_once(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["server", "keys", "--key-dir", str(tmp_path / "keys")])
    assert first.exit_code == 0, first.output
    assert first.output.split() == [
        "created",
        str(tmp_path / "keys" / "secrets.key"),
        "created",
        str(tmp_path / "keys" / "bridge-session.key"),
    ]
    again = runner.invoke(app, ["server", "keys", "--key-dir", str(tmp_path / "keys")])
    assert again.exit_code == 0, again.output
    assert "has both keys already; nothing was changed" in again.output
