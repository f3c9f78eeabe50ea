"""``SqlIntegrationLogStore``: the ``IntegrationLogStore`` port over the ``integration_logs`` table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Engine, delete, func, select

from slogate.ports.integration_log import LogEntry, LogFilter

from .database import Sessions
from .log_tables import LogEntryRow


class SqlIntegrationLogStore:
    """The integrations' error log in a SQL database; implements ``IntegrationLogStore``.

    Example::

        store = SqlIntegrationLogStore(engine)
        store.add([LogEntry("abc", "could not deploy", now)], expire_before=now - timedelta(hours=120))
        entries, total = store.find(LogFilter(integration_id="abc"), limit=20, offset=0)
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add(self, entries: list[LogEntry], expire_before: datetime) -> None:
        """Store ``entries`` in one transaction, and drop those older than ``expire_before``."""
        with self._sessions.begin() as session:
            session.execute(delete(LogEntryRow).where(LogEntryRow.time < expire_before))
            session.add_all(_row(entry) for entry in entries)

    def find(self, where: LogFilter, limit: int, offset: int) -> tuple[list[LogEntry], int]:
        """One page of the matching entries, newest first, and how many match."""
        conditions = _conditions(where)
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(LogEntryRow).where(*conditions)) or 0
            rows = session.scalars(
                select(LogEntryRow)
                .where(*conditions)
                .order_by(LogEntryRow.time.desc(), LogEntryRow.seq.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return [_entry(row) for row in rows], total

    def delete(self, where: LogFilter) -> int:
        """Delete the matching entries; how many."""
        with self._sessions.begin() as session:
            deleted = session.execute(delete(LogEntryRow).where(*_conditions(where)))
            return int(getattr(deleted, "rowcount", 0) or 0)


def _conditions(where: LogFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.integration_id:
        conditions.append(LogEntryRow.integration_id == where.integration_id)
    if where.after is not None:
        conditions.append(LogEntryRow.time >= where.after)
    if where.before is not None:
        conditions.append(LogEntryRow.time < where.before)
    return conditions


def _row(entry: LogEntry) -> LogEntryRow:
    return LogEntryRow(
        integration_id=entry.integration_id,
        message=entry.message,
        time=entry.time,
        keptn_context=entry.keptn_context,
        task=entry.task,
        triggered_id=entry.triggered_id,
    )


def _entry(row: LogEntryRow) -> LogEntry:
    return LogEntry(
        integration_id=row.integration_id,
        message=row.message,
        time=row.time,
        keptn_context=row.keptn_context,
        task=row.task,
        triggered_id=row.triggered_id,
    )
