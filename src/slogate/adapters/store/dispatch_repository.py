"""``SqlDispatchStore``: events pending for a subscriber; completing one with what it emitted, atomically."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import ColumnElement, Engine, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import PendingEvent

from .database import Sessions
from .dispatch_tables import CursorRow
from .repository import insert_events, serialize_event_writes, to_event
from .tables import EventRow


class Fences(Protocol):
    """Checks, in the transaction that moves a listener's cursor, that this replica still runs it
    (``SqlLeaseStore``; none on SQLite, where one process runs everything)."""

    def fence(self, session: Session, name: str) -> None:
        """``LeaseLostError`` unless this replica holds the lease of listener ``name``."""
        ...


def _of_types(types: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """``type`` is one of ``types``; a ``*`` in a type matches any text (``sh.keptn.event.*.x``).

    Case-sensitive on every backend, as Keptn's types are: PostgreSQL's ``LIKE`` is, SQLite's is not
    (for ASCII), so SQLite matches with ``GLOB`` instead.
    """
    exact = [kind for kind in types if "*" not in kind]
    if len(exact) == len(types):  # exact types: read them from the (type, seq) index
        return EventRow.type.in_(exact)
    # a pattern matches most of the log: walk it in seq order; keep the planner off the type index,
    # which would fetch every event with the pattern's prefix and sort them
    column = EventRow.type + ""
    return or_(column.in_(exact), *[_matches(column, kind, dialect) for kind in types if "*" in kind])


def _matches(column: ColumnElement[str], pattern: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "sqlite":
        return column.op("GLOB", is_comparison=True)(_glob(pattern))
    return column.like(_like(pattern), escape="\\")


def _like(pattern: str) -> str:
    """The ``LIKE`` pattern (escape ``\\``) in which only ``*`` is special."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def _glob(pattern: str) -> str:
    """The ``GLOB`` pattern in which only ``*`` is special (``?`` and ``[`` stand for themselves)."""
    return pattern.replace("[", "[[]").replace("?", "[?]")


def move_cursor(session: Session, subscriber: str, seq: int) -> None:
    """Move the subscriber's cursor forward to ``seq`` (never back); create it if it is new."""
    moved = session.execute(
        update(CursorRow)
        .where(CursorRow.subscriber == subscriber, CursorRow.last_seq < seq)
        .values(last_seq=seq)
    )
    if not getattr(moved, "rowcount", 0) and session.get(CursorRow, subscriber) is None:
        session.add(CursorRow(subscriber=subscriber, last_seq=seq))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


class SqlDispatchStore:
    """Implements the ``DispatchStore`` port: a cursor per subscriber over the events table.

    Completing an event inserts what the handler emitted and moves the cursor in one transaction,
    so a crash before the commit redoes the work and a crash after it never repeats it.
    """

    def __init__(self, engine: Engine, fences: Fences | None = None) -> None:
        self._sessions = Sessions(engine)
        self._fences = fences

    def pending(
        self, subscriber: str, types: Sequence[str], limit: int, after: int | None = None
    ) -> list[PendingEvent]:
        """Events of ``types`` after ``after`` (None: after the subscriber's cursor), oldest first."""
        with self._sessions() as session:
            if after is None:
                cursor = session.get(CursorRow, subscriber)
                after = cursor.last_seq if cursor is not None else 0
            rows = session.execute(
                select(EventRow.__table__)
                .where(EventRow.seq > after, _of_types(types, _dialect(session)))
                .order_by(EventRow.seq)
                .limit(limit)
            ).all()
            return [PendingEvent(row.seq, to_event(row)) for row in rows]

    def complete(self, subscriber: str, pending: PendingEvent, emitted: Sequence[KeptnEvent]) -> None:
        """Store ``emitted`` and move the subscriber past ``pending``, in one transaction."""
        with self._sessions.begin() as session:
            serialize_event_writes(session, [event.type for event in emitted])  # and cursor moves
            if self._fences is not None:
                self._fences.fence(session, subscriber)
            insert_events(session, emitted)
            move_cursor(session, subscriber, pending.seq)

    def start_at_end(self, subscriber: str) -> None:
        """Give a new subscriber a cursor at the end of the log, so that it ignores old events."""
        try:
            with self._sessions.begin() as session:
                if session.get(CursorRow, subscriber) is None:
                    last = session.scalar(select(EventRow.seq).order_by(EventRow.seq.desc()).limit(1)) or 0
                    session.add(CursorRow(subscriber=subscriber, last_seq=last))
        except IntegrityError:  # another replica starting at the same time created it first
            if not self._has_cursor(subscriber):
                raise

    def _has_cursor(self, subscriber: str) -> bool:
        with self._sessions() as session:
            return session.get(CursorRow, subscriber) is not None
