"""Opening and migrating the database: schema created once, in step with the ORM, clear errors on bad URLs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from slogate.adapters.store.database import MIGRATIONS, alembic_config, open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.tables import Base
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, KeptnEvent
from slogate.errors import ConfigError

EXPECTED_INDEXES = {
    "ux_events_id": (["id"], True),
    "ix_events_type_scope_time": (
        ["type", "project", "stage", "service", "time", "seq", "result", "shkeptncontext", "triggeredid"],
        False,
    ),
    "ix_events_triggeredid_type": (["triggeredid", "type"], False),
    "ix_events_shkeptncontext_time": (["shkeptncontext", "time"], False),
    "ix_events_time_seq": (["time", "seq"], False),
    "ix_events_type_seq": (["type", "seq"], False),
}


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def bare_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database that has not been migrated."""
    engine = open_database(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def schema(engine: Engine) -> dict[str, Any]:
    """The schema as the database reports it: every table with its columns (in order, with type,
    nullability and default), keys, indexes and constraints; and the sequences where there are any."""
    inspector = inspect(engine)

    def by_name(items: list[Any]) -> dict[str | None, Any]:
        return {item["name"]: item for item in items}

    tables = {
        table: {
            "columns": [
                (column["name"], str(column["type"]), column["nullable"], column.get("default"))
                for column in inspector.get_columns(table)
            ],
            "primary key": inspector.get_pk_constraint(table),
            "foreign keys": by_name(inspector.get_foreign_keys(table)),
            "indexes": by_name(inspector.get_indexes(table)),
            "unique constraints": by_name(inspector.get_unique_constraints(table)),
            "check constraints": by_name(inspector.get_check_constraints(table)),
        }
        for table in inspector.get_table_names()
    }
    sequences = inspector.get_sequence_names() if engine.dialect.supports_sequences else []
    return {"tables": tables, "sequences": sorted(sequences)}


def revision(engine: Engine) -> frozenset[str]:
    """The Alembic revisions (heads) the database is at."""
    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def latest() -> frozenset[str]:
    """The head revisions of slogate's migrations."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def test_upgrade_creates_the_schema(bare_engine: Engine) -> None:
    """An empty database gets every table of the ORM metadata; events with its columns and indexes."""
    assert inspect(bare_engine).get_table_names() == []

    upgrade(bare_engine)

    inspector = inspect(bare_engine)
    assert set(inspector.get_table_names()) == {"alembic_version", *Base.metadata.tables}
    columns = {column["name"]: column for column in inspector.get_columns("events")}
    assert list(columns) == [
        "seq", "id", "type", "source", "time", "shkeptncontext", "triggeredid",
        "gitcommitid", "project", "stage", "service", "result", "data",
    ]  # fmt: skip
    assert not any(column["nullable"] for column in columns.values())
    assert inspector.get_pk_constraint("events")["constrained_columns"] == ["seq"]
    indexes = {
        index["name"]: (index["column_names"], bool(index["unique"]))
        for index in inspector.get_indexes("events")
    }
    assert indexes == EXPECTED_INDEXES
    assert revision(bare_engine) == latest()


def test_upgrade_twice_changes_nothing(bare_engine: Engine) -> None:
    """A second upgrade leaves the schema, the revision and the stored events as they were."""
    upgrade(bare_engine)
    store = SqlEventStore(bare_engine)
    store.add([KeptnEvent("kept", EVALUATION_FINISHED, "test", datetime(2024, 1, 1, tzinfo=UTC), "c", {})])
    before = schema(bare_engine)

    upgrade(bare_engine)

    assert schema(bare_engine) == before
    assert revision(bare_engine) == latest()
    assert store.get("kept") is not None


def test_orm_metadata_matches_the_migrated_schema(engine: Engine) -> None:
    """Alembic's autogenerate finds no difference between tables.py and the migrations (types included)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_downgrade_to_base_and_upgrade_again(engine: Engine) -> None:
    """The revision reverts cleanly, and upgrading again recreates the same schema."""
    migrated = schema(engine)
    config = alembic_config()

    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]

    upgrade(engine)
    assert schema(engine) == migrated


def test_migrations_ship_inside_the_package() -> None:
    """The migration environment, template and revisions live in the installed package directory."""
    assert (MIGRATIONS / "env.py").is_file()
    assert (MIGRATIONS / "script.py.mako").is_file()
    assert (MIGRATIONS / "versions" / "0001_events.py").is_file()
    assert alembic_config().get_main_option("script_location") == str(MIGRATIONS)


@SQLITE_ONLY
def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(engine: Engine) -> None:
    """Every SQLite connection is configured for a durable, concurrent store."""
    with engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert (journal, foreign_keys, busy_timeout) == ("wal", 1, 10_000)


def test_database_in_a_missing_directory_is_created(tmp_path: Path) -> None:
    """The directories of a SQLite path are created, and the file exists once migrated."""
    path = tmp_path / "a" / "b" / "slogate.db"

    engine = open_database(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()

    assert path.is_file()


def test_in_memory_database_works(tmp_path: Path) -> None:
    """``sqlite://`` gives one shared in-memory database, handy for quick experiments."""
    engine = open_database("sqlite://")
    try:
        upgrade(engine)
        store = SqlEventStore(engine)
        store.add([KeptnEvent("m", EVALUATION_FINISHED, "test", datetime(2024, 1, 1, tzinfo=UTC), "c", {})])
        assert store.get("m") is not None
    finally:
        engine.dispose()
    assert list(tmp_path.iterdir()) == []


def test_unwritable_location_is_a_config_error(tmp_path: Path) -> None:
    """A path below a regular file cannot be created: one line naming the URL and the fix."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    url = f"sqlite:///{blocker / 'db' / 'slogate.db'}"

    with pytest.raises(ConfigError) as raised:
        open_database(url)

    message = raised.value.message
    assert url in message
    assert "writable location" in message
    assert "\n" not in message


def test_a_directory_as_database_file_is_a_config_error(tmp_path: Path) -> None:
    """SQLite cannot open a directory as its file; the error names the URL and says what to check."""
    url = f"sqlite:///{tmp_path}"

    with pytest.raises(ConfigError) as raised:
        open_database(url)

    assert url in raised.value.message
    assert "not a directory" in raised.value.message
    assert "\n" not in raised.value.message


def test_malformed_url_is_a_config_error() -> None:
    """Text that is no database URL gives a ConfigError with example URLs."""
    with pytest.raises(ConfigError, match=r"'just some words': not a URL; use a URL like sqlite:///"):
        open_database("just some words")
    with pytest.raises(ConfigError) as raised:
        open_database("admin:hunter2@db-host")

    assert "hunter2" not in raised.value.message
    assert "admin:***@db-host" in raised.value.message


def test_unknown_driver_is_a_config_error() -> None:
    """A dialect SQLAlchemy does not know gives a ConfigError naming the URL."""
    with pytest.raises(ConfigError, match=r"unusable database URL nosuchdb://host/db"):
        open_database("nosuchdb://host/db")


def test_postgresql_failures_mask_the_password() -> None:
    """Whether the driver is missing or the server unreachable, the message hides the password."""
    with pytest.raises(ConfigError) as raised:
        open_database("postgresql+psycopg://slogate:s3cret@127.0.0.1:1/slogate")

    message = raised.value.message
    assert "s3cret" not in message
    assert "postgresql+psycopg://slogate:***@127.0.0.1:1/slogate" in message
    assert "\n" not in message


def test_database_from_a_newer_slogate_is_a_config_error(engine: Engine) -> None:
    """A revision this slogate does not know means the database is newer: say so, no traceback."""
    with engine.begin() as connection:  # one unknown revision in place of the head(s)
        connection.execute(text("DELETE FROM alembic_version"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999')"))

    with pytest.raises(ConfigError, match="newer slogate"):
        upgrade(engine)
