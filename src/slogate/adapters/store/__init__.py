"""The event store: SQLAlchemy tables, Alembic migrations and the repository (SQLite or PostgreSQL)."""
