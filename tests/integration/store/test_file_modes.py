"""Data files are private whatever the umask: directories 0700; the database (with -wal, -shm), keys 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from slogate import bootstrap
from slogate.adapters.api_token import ApiTokens
from slogate.adapters.private_files import private_directory, touch_private
from slogate.adapters.secret_box import SecretBox
from slogate.adapters.session_files import DataDirSessionFiles
from slogate.adapters.store.database import open_database
from slogate.settings import Settings
from slogate.web.login import credentials
from slogate.web.session import Session, SessionKeys


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_the_data_dir_and_its_files_are_private_under_umask_022(tmp_path: Path) -> None:
    data_dir = tmp_path / "var" / "slogate"
    context = bootstrap.server_context(Settings(data_dir=data_dir))
    engine = open_database(context.settings.database())
    try:
        assert context.tokens.ensure() is not None
        keys = SessionKeys(DataDirSessionFiles(data_dir), lambda: credentials(context))
        keys.revoke(Session(keys.issue().split(".")[0], 2**40))
        with engine.begin() as connection:  # a write: SQLite creates the -wal and -shm files
            connection.execute(text("CREATE TABLE probe (x INTEGER)"))
        files = ["slogate.db", "slogate.db-wal", "slogate.db-shm", "api-token.sha256"]
        files += ["bridge-session.key", "bridge-sessions.revoked"]
        for name in files:
            assert _mode(data_dir / name) == 0o600, name
        assert _mode(data_dir) == 0o700
        assert _mode(data_dir.parent) == 0o700
    finally:
        engine.dispose()
        context.close()


@pytest.mark.usefixtures("open_umask")
def test_existing_files_and_directories_are_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    existing = shared / "old.db"
    existing.write_bytes(b"")
    private_directory(shared)
    touch_private(existing)
    assert _mode(shared) == 0o755
    assert _mode(existing) == 0o644
    touch_private(shared / "new.db")
    assert _mode(shared / "new.db") == 0o600


@pytest.mark.usefixtures("open_umask")
@pytest.mark.parametrize("first", ["token", "secrets", "session"])
def test_whichever_key_comes_first_creates_a_private_data_dir(tmp_path: Path, first: str) -> None:
    """With PostgreSQL the database creates no data dir: the first key file does, mode 0700."""
    data_dir = tmp_path / "new" / "slogate"
    if first == "token":
        ApiTokens(data_dir).rotate()
        created = data_dir / "api-token.sha256"
    elif first == "secrets":
        box = SecretBox.in_data_dir(data_dir)
        box.encrypt(b"value")
        created = box.path
    else:
        SessionKeys(DataDirSessionFiles(data_dir)).issue()
        created = data_dir / "bridge-session.key"
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir.parent) == 0o700
    assert _mode(created) == 0o600
