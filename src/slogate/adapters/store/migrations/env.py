"""Alembic environment: migrates the connection that ``database.upgrade`` hands over (online only)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from slogate.adapters.store.database import open_database
from slogate.adapters.store.tables import Base


def run_migrations(connection: Connection) -> None:
    """Run the pending revisions on ``connection``; SQLite gets batch mode for table alterations."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Use the caller's connection, or open ``sqlalchemy.url`` when Alembic is driven by hand."""
    if context.is_offline_mode():
        raise SystemExit("slogate migrations run online only (no --sql)")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = open_database(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as own:
            run_migrations(own)
    finally:
        engine.dispose()


run()
