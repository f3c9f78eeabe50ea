"""``SqlEventStore``: the ``EventStore`` port over the events table, every query answered in SQL."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    exists,
    func,
    insert,
    select,
    text,
    tuple_,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from slogate.adapters.store.paging import check_paging
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, EVALUATION_INVALIDATED, KeptnEvent
from slogate.errors import ConflictError, InputError
from slogate.ports import EvaluationSummary, EventCriteria

from .database import Sessions
from .event_conditions import criteria_conditions, latest_evaluations_query, newest_first
from .tables import EventRow

_IN_CHUNK = 500  # bound parameters per IN (...) list, well below every backend's limit
_INSERT_EVENT = insert(EventRow.metadata.tables[EventRow.__tablename__])  # Core: no ORM bulk-insert work


class SqlEventStore:
    """Keptn events in a SQL database (see ``database.open_database``); implements ``EventStore``
    and ``EventQueries``.

    Example::

        store = SqlEventStore(open_database("sqlite:///data/slogate.db"))
        store.add([event])
        store.latest_evaluations("sockshop", "qa", "carts", limit=3, results=frozenset({"pass"}))
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add(self, events: Sequence[KeptnEvent]) -> None:
        """Store ``events`` in one transaction, in order; a duplicate id stores none of them."""
        if not events:
            return
        values = [event_values(event) for event in events]
        try:
            with self._sessions.write_connection() as connection:
                serialize_event_writes(connection, [event.type for event in events])
                connection.execute(_INSERT_EVENT, values)
        except IntegrityError:
            conflict = self._conflict([event.id for event in events])
            if conflict is None:
                raise  # not a duplicate id: a defect, keep the database's own error
            raise conflict from None

    def get(self, event_id: str) -> KeptnEvent | None:
        """The event with ``event_id``, or None."""
        with self._sessions() as session:
            row = session.scalars(select(EventRow).where(EventRow.id == event_id)).one_or_none()
            return None if row is None else to_event(row)

    def latest_evaluations(
        self,
        project: str,
        stage: str,
        service: str,
        *,
        limit: int,
        results: frozenset[str] | None = None,
        exclude_invalidated: bool = True,
    ) -> list[KeptnEvent]:
        """``evaluation.finished`` events of one service, newest first, as Keptn's datastore answers.

        The invalidation anti-join is part of the query, so invalidated events never take a slot of
        ``limit``. An empty ``results`` set matches nothing.
        """
        check_paging(limit, 0)
        query = latest_evaluations_query(
            project, stage, service, results=results, exclude_invalidated=exclude_invalidated
        )
        return self._events(query.limit(limit))

    def latest_evaluations_by_service(
        self, project: str, *, each: int, only: Collection[tuple[str, str]] | None = None
    ) -> dict[tuple[str, str], list[EvaluationSummary]]:
        """``EvaluationOverview``: the ``each`` newest ``evaluation.finished`` of every (stage, service) of
        ``project`` (invalidated ones included), newest first, in one query: the ranks come from the
        scope index alone; of the kept rows only the columns shown, the score and whether an
        ``evaluation.invalidated`` names it are read."""
        check_paging(each, 0)
        order = (EventRow.time.desc(), EventRow.seq.desc())
        rank = func.row_number().over(partition_by=(EventRow.stage, EventRow.service), order_by=order)
        ranking = select(EventRow.seq, rank.label("rank")).where(
            EventRow.type == EVALUATION_FINISHED, EventRow.project == project
        )
        if only is not None:
            if not only:
                return {}
            ranking = ranking.where(tuple_(EventRow.stage, EventRow.service).in_(sorted(only)))
        ranked = ranking.subquery()
        c = EventRow.__table__.c
        invalidation = aliased(EventRow, name="invalidation")
        invalidated = exists().where(
            invalidation.type == EVALUATION_INVALIDATED,
            invalidation.triggeredid == c.triggeredid,
            invalidation.triggeredid != "",
        )
        query = (
            select(
                c.id, c.shkeptncontext, c.stage, c.service, c.time, c.triggeredid, c.result,
                c.data["evaluation"]["score"].as_string().label("score"), invalidated.label("invalidated"),
            )
            .join(ranked, c.seq == ranked.c.seq)
            .where(ranked.c.rank <= each)
            .order_by(c.time.desc(), c.seq.desc())
        )  # fmt: skip
        found: dict[tuple[str, str], list[EvaluationSummary]] = {}
        with self._sessions() as session:
            rows = session.execute(query).all()
        for event_id, context, stage, service, moment, triggered_id, result, score, gone in rows:
            summary = EvaluationSummary(
                event_id, context, stage, service, moment, triggered_id, result,
                "" if score is None else str(score), bool(gone),
            )  # fmt: skip
            found.setdefault((stage, service), []).append(summary)
        return found

    def invalidated_triggered_ids(self, triggered_ids: Sequence[str]) -> frozenset[str]:
        """Which of ``triggered_ids`` have an ``evaluation.invalidated`` event."""
        wanted = sorted({triggered_id for triggered_id in triggered_ids if triggered_id})
        found: set[str] = set()
        with self._sessions() as session:
            for chunk in _chunks(wanted, _IN_CHUNK):
                query = (
                    select(EventRow.triggeredid)
                    .where(EventRow.type == EVALUATION_INVALIDATED, EventRow.triggeredid.in_(chunk))
                    .distinct()
                )
                found.update(session.scalars(query))
        return frozenset(found)

    def find(
        self,
        *,
        type: str | None = None,
        project: str | None = None,
        stage: str | None = None,
        service: str | None = None,
        shkeptncontext: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[KeptnEvent]:
        """Events matching every given field (None = any), newest first, paged by ``limit``/``offset``."""
        check_paging(limit, offset)
        filters = {
            EventRow.type: type,
            EventRow.project: project,
            EventRow.stage: stage,
            EventRow.service: service,
            EventRow.shkeptncontext: shkeptncontext,
        }
        query = select(EventRow).where(
            *(column == value for column, value in filters.items() if value is not None)
        )
        return self._events(newest_first(query).limit(limit).offset(offset))

    def query(self, criteria: EventCriteria) -> tuple[list[KeptnEvent], int]:
        """Events matching ``criteria``, newest first, paged, and how many match in all (-1 when
        ``criteria.count`` is false); page and count are read in one transaction, so they agree."""
        check_paging(criteria.limit or 0, criteria.offset)
        conditions = criteria_conditions(criteria)
        page = newest_first(select(EventRow).where(*conditions)).offset(criteria.offset)
        if criteria.limit is not None:
            page = page.limit(criteria.limit)
        with self._sessions() as session, session.begin():
            total = -1
            if criteria.count:
                total = session.scalar(select(func.count()).select_from(EventRow).where(*conditions)) or 0
            events = [to_event(row) for row in session.scalars(page)]
        return events, total

    def _events(self, query: Select[EventRow]) -> list[KeptnEvent]:
        with self._sessions() as session:
            return [to_event(row) for row in session.scalars(query)]

    def _conflict(self, ids: Sequence[str]) -> ConflictError | None:
        """The error naming the ids that repeat in the batch or are stored already; None if none do."""
        repeated = sorted(event_id for event_id, count in Counter(ids).items() if count > 1)
        with self._sessions() as session:
            stored = sorted(
                stored_id
                for chunk in _chunks(sorted(set(ids)), _IN_CHUNK)
                for stored_id in session.scalars(select(EventRow.id).where(EventRow.id.in_(chunk)))
            )
        reasons = []
        if stored:
            reasons.append(f"already stored: {_some(stored)}")
        if repeated:
            reasons.append(f"repeated in the batch: {_some(repeated)}")
        if not reasons:
            return None
        return ConflictError(
            f"duplicate event id ({'; '.join(reasons)}); nothing of this batch was stored — "
            "every event needs a new id"
        )


# Any fixed number: the key of the PostgreSQL advisory lock that orders writers of the events table.
_EVENT_WRITES_LOCK = 7_304_721
WAKEUP_CHANNEL = "slogate_events"  # PostgreSQL NOTIFY channel: events were committed
_PAYLOAD_LIMIT = 1000  # characters; a longer list of types is sent as "" (look at every type)


def serialize_event_writes(transaction: Session | Connection, types: Sequence[str] = ()) -> None:
    """Make ``seq`` order equal commit order, which in-process subscribers rely on; on PostgreSQL,
    also tell the other replicas (``NOTIFY``, sent at commit) that events of ``types`` are coming.

    SQLite has one writer at a time anyway; on PostgreSQL, sequence values are taken at insert but
    become visible at commit, so concurrent writers could expose seq 11 before seq 10 and a cursor
    would skip 10. A transaction-scoped advisory lock serialises the writers until they commit.
    The notification rides on the same statement: one round trip.
    """
    bind = transaction if isinstance(transaction, Connection) else transaction.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not types:
        transaction.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _EVENT_WRITES_LOCK})
        return
    transaction.execute(
        text("SELECT pg_advisory_xact_lock(:key), pg_notify(:channel, :payload)"),
        {"key": _EVENT_WRITES_LOCK, "channel": WAKEUP_CHANNEL, "payload": _payload(types)},
    )


def insert_events(session: Session, events: Sequence[KeptnEvent]) -> None:
    """Insert ``events`` in their order (``seq`` follows it), in one statement."""
    if events:
        session.execute(insert(EventRow), [event_values(event) for event in events])


def _payload(types: Sequence[str]) -> str:
    """The notification's payload: the types, each once, comma-separated ("" when too long: any)."""
    payload = ",".join(dict.fromkeys(types))
    return payload if len(payload) <= _PAYLOAD_LIMIT else ""


def event_values(event: KeptnEvent) -> dict[str, Any]:
    """The column values of ``event``; ``InputError`` for a naive time, data that is not JSON, or
    text that not every backend can store."""
    if event.time.utcoffset() is None:
        raise InputError(f"event {event.id!r}: time {event.time.isoformat()} has no timezone")
    for name in ("id", "type", "source", "shkeptncontext", "triggeredid", "gitcommitid"):
        _text(getattr(event, name), f"event {event.id!r}: {name}")
    data = _json_object(event.data, f"event {event.id!r}: data")
    return {
        "id": event.id,
        "type": event.type,
        "source": event.source,
        "time": event.time,
        "shkeptncontext": event.shkeptncontext,
        "triggeredid": event.triggeredid,
        "gitcommitid": event.gitcommitid,
        "project": event.project,
        "stage": event.stage,
        "service": event.service,
        "result": str(data.get("result") or ""),
        "data": data,
    }


class _EventColumns(Protocol):
    """What ``to_event`` reads: an ORM row or a Core row of the events table."""

    id: str
    type: str
    source: str
    time: datetime
    shkeptncontext: str
    triggeredid: str
    gitcommitid: str
    data: dict[str, Any]


def to_event(row: _EventColumns) -> KeptnEvent:
    """The domain event of ``row`` (time aware, in UTC)."""
    return KeptnEvent(
        id=row.id,
        type=row.type,
        source=row.source,
        time=row.time,
        shkeptncontext=row.shkeptncontext,
        data=row.data,
        triggeredid=row.triggeredid,
        gitcommitid=row.gitcommitid,
    )


def _some(ids: Sequence[str], shown: int = 5) -> str:
    named = ", ".join(repr(event_id) for event_id in ids[:shown])
    return f"{named} and {len(ids) - shown} more" if len(ids) > shown else named


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _json_object(value: Mapping[str, Any], where: str) -> dict[str, Any]:
    converted = _json_value(value, where)
    if not isinstance(converted, dict):
        raise InputError(f"{where} must be a JSON object")
    return converted


def _text(value: str, where: str) -> str:
    """``value`` if every backend can store it: PostgreSQL's text and JSONB take neither NUL
    characters nor lone surrogates (halves of UTF-16 pairs, not Unicode text), SQLite takes both."""
    if "\x00" in value:
        raise InputError(f"{where}: text must not contain NUL characters (\\u0000)")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f"{where}: text must not contain lone surrogates (not Unicode)") from None
    return value


def _json_value(value: object, where: str) -> Any:
    """A plain JSON value (dict, list, str, finite number, bool, None) equal to ``value``."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return _text(value, where)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{where}: {value} is not a JSON number")
        return value
    if isinstance(value, Mapping):
        converted: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(f"{where}: key {key!r} is not a string")
            _text(key, f"{where}: key {key!r}")
            converted[key] = _json_value(item, f"{where}.{key}")
        return converted
    if isinstance(value, list | tuple):
        return [_json_value(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise InputError(f"{where}: {type(value).__name__} is not a JSON value")
