"""``SqlDeliveryLog``: the ``DeliveryLog`` port over the events table, a few grouped, indexed queries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Float,
    Select,
    String,
    and_,
    distinct,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import type_coerce

from slogate.domain.protocol.event_types import DEPLOYMENT_FINISHED, PREFIX, ROLLBACK_TRIGGERED
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, EVALUATION_INVALIDATED
from slogate.ports.delivery_log import CountRow, Deliveries, DeliveryRow, LogCounts, SignalRow

from .tables import EventRow

_SEQUENCE_FINISHED = f"{PREFIX}.%.%.finished"  # sh.keptn.event.<stage>.<sequence>.finished
_ROLLBACK_SEQUENCE = f"{PREFIX}.%.rollback.triggered"
_REMEDIATION_SEQUENCE = f"{PREFIX}.%.remediation.triggered"
_SCOPE = (EventRow.project, EventRow.stage, EventRow.service)


class SqlDeliveryLog:
    """Deliveries, their failures and the log's counts, read from the events table.

    Example::

        log = SqlDeliveryLog(open_database("sqlite:///data/slogate.db"))
        log.deliveries("sockshop", "production", since=0.0, until=time.time())
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine  # Core connections: no ORM work on 100,000 rows
        self._sqlite = engine.dialect.name == "sqlite"

    def _epoch(self, column: Any) -> ColumnElement[float]:
        """``column`` (a time) as seconds since the epoch, computed by the database (no parsing here)."""
        if self._sqlite:  # UTC text: julianday() reads it, to the millisecond
            return type_coerce(func.round((func.julianday(column) - 2440587.5) * 86400.0, 3), Float)
        return type_coerce(func.extract("epoch", column), Float)

    def _seconds_between(self, start: Any, end: Any) -> ColumnElement[float]:
        """Seconds from ``start`` to ``end`` (times), computed by the database."""
        if self._sqlite:
            return type_coerce(func.round((func.julianday(end) - func.julianday(start)) * 86400.0, 3), Float)
        return type_coerce(func.extract("epoch", end - start), Float)

    def deliveries(self, project: str, stage: str, since: float, until: float) -> Deliveries:
        """The stage's ``deployment.finished`` events in ``[since, until)``: the lead time of each (from
        its context's first event), and the failed ones with the next passing evaluation after them."""
        first = aliased(EventRow)
        started = (
            select(func.min(first.time))
            .where(first.shkeptncontext == EventRow.shkeptncontext)
            .scalar_subquery()
        )
        window = (
            EventRow.type == DEPLOYMENT_FINISHED,
            EventRow.project == project,
            EventRow.stage == stage,
            EventRow.time >= _moment(since),
            EventRow.time < _moment(until),
        )
        leads = select(self._seconds_between(started, EventRow.time)).where(*window)
        failed = select(
            EventRow.shkeptncontext,
            EventRow.service,
            self._epoch(EventRow.time),
            self._next_pass(project, stage),
        ).where(*window, EventRow.result == "fail")
        with self._engine.connect() as connection:
            lead_times = list(connection.execute(leads).scalars())
            failed_rows = connection.execute(failed).fetchall()
        return Deliveries(lead_times, list(map(DeliveryRow._make, failed_rows)))

    def failures(self, project: str, stage: str, since: float, until: float) -> list[SignalRow]:
        """The failed evaluations (not invalidated) and rollbacks of the stage's deliveries in ``[since,
        until)`` (same context and service), each with the next passing evaluation after it."""
        delivered = aliased(EventRow)
        # coalesce() keeps the database off the type index: a few events of the context are cheaper
        # to look at than all of the service's deployments (columns are never null: same result)
        of_a_delivery = (
            select(delivered.seq)
            .where(
                delivered.shkeptncontext == EventRow.shkeptncontext,
                func.coalesce(delivered.type, "") == DEPLOYMENT_FINISHED,
                func.coalesce(delivered.project, "") == project,
                func.coalesce(delivered.stage, "") == stage,
                func.coalesce(delivered.service, "") == EventRow.service,
                delivered.time >= _moment(since),
                delivered.time < _moment(until),
            )
            .correlate(EventRow)
            .exists()
        )
        scope = and_(
            EventRow.project == project,
            EventRow.stage == stage,
            EventRow.time >= _moment(since),
            of_a_delivery,
        )
        failed = and_(
            EventRow.type == EVALUATION_FINISHED,
            EventRow.result == "fail",
            EventRow.triggeredid.not_in(_invalidated()),
        )
        evaluations = self._signal_query("evaluation", scope, failed, project, stage)
        rolled_back = EventRow.type.in_((ROLLBACK_TRIGGERED, f"{PREFIX}.{stage}.rollback.triggered"))
        rollbacks = self._signal_query("rollback", scope, rolled_back, project, stage)
        with self._engine.connect() as connection:
            rows = [*connection.execute(evaluations).fetchall(), *connection.execute(rollbacks).fetchall()]
        return sorted(map(SignalRow._make, rows), key=_time)

    def counts(self) -> LogCounts:
        """Evaluations by result, latest scores, sequences by name and result, rollbacks, remediations."""
        latest = (
            select(func.max(EventRow.seq)).where(EventRow.type == EVALUATION_FINISHED).group_by(*_SCOPE)
        ).scalar_subquery()
        # as text: a posted event's score may be anything, and a cast in SQL would fail the scrape
        scores = select(*_SCOPE, EventRow.data["score"].as_string()).where(EventRow.seq.in_(latest))
        with self._engine.connect() as session:
            evaluations = _grouped(session, EventRow.type == EVALUATION_FINISHED, EventRow.result)
            sequences = _grouped(
                session, EventRow.type.like(_SEQUENCE_FINISHED), EventRow.type, EventRow.result
            )
            rollbacks = _grouped(session, _is_rollback(), count=func.count(distinct(EventRow.shkeptncontext)))
            remediations = _grouped(session, EventRow.type.like(_REMEDIATION_SEQUENCE))
            score_rows = session.execute(scores).all()
        return LogCounts(
            evaluations=evaluations,
            scores=tuple(
                CountRow(tuple(row[:3]), score)
                for row in score_rows
                if (score := _number(row[3])) is not None
            ),
            sequences=tuple(_sequence_rows(sequences)),
            rollbacks=rollbacks,
            remediations=remediations,
        )

    def version(self) -> int:
        """The last event's position (0 for an empty log)."""
        with self._engine.connect() as session:
            return int(session.execute(select(func.max(EventRow.seq))).scalar() or 0)

    def _signal_query(
        self, kind: str, scope: ColumnElement[bool], condition: ColumnElement[bool], project: str, stage: str
    ) -> Select[str, str, str, float, float]:
        return select(
            literal(kind, String),
            EventRow.shkeptncontext,
            EventRow.service,
            self._epoch(EventRow.time),
            self._next_pass(project, stage),
        ).where(scope, condition)

    def _next_pass(self, project: str, stage: str) -> ColumnElement[float]:
        """The time of the first passing, not invalidated evaluation of the outer row's service after
        the outer row, in another context (a correlated subquery: one index seek per outer row)."""
        passed = aliased(EventRow)
        first = (
            select(passed.time)
            .where(
                passed.type == EVALUATION_FINISHED,
                passed.project == project,
                passed.stage == stage,
                passed.service == EventRow.service,
                passed.time > EventRow.time,
                passed.result == "pass",
                passed.shkeptncontext != EventRow.shkeptncontext,
                passed.triggeredid.not_in(_invalidated()),
            )
            .order_by(passed.time)
            .limit(1)
            .correlate(EventRow)
            .scalar_subquery()
        )
        return self._epoch(first)


def _invalidated() -> Select[str]:
    return select(EventRow.triggeredid).where(
        EventRow.type == EVALUATION_INVALIDATED, EventRow.triggeredid != ""
    )


def _time(row: SignalRow) -> float:
    return row.time


def _is_rollback() -> ColumnElement[bool]:
    return or_(EventRow.type == ROLLBACK_TRIGGERED, EventRow.type.like(_ROLLBACK_SEQUENCE))


def _grouped(
    session: Any,
    condition: ColumnElement[bool],
    *extra: Any,
    count: Any = None,
) -> tuple[CountRow, ...]:
    """Counts of the events matching ``condition`` by project, stage, service and ``extra`` columns."""
    columns = (*_SCOPE, *extra)
    query = select(*columns, count if count is not None else func.count()).where(condition).group_by(*columns)
    return tuple(CountRow(tuple(row[:-1]), float(row[-1])) for row in session.execute(query).all())


def _sequence_rows(rows: Sequence[CountRow]) -> list[CountRow]:
    """Sequence-finished groups as (project, stage, service, sequence name, result); the lifecycle
    events that look like sequences (``sh.keptn.event.project.create.finished``) are left out."""
    kept: list[CountRow] = []
    for row in rows:
        project, stage, service, event_type, result = row.labels
        parts = event_type.split(".")
        if len(parts) == 6 and stage and parts[3] == stage:
            kept.append(CountRow((project, stage, service, parts[4], result), row.value))
    return kept


def _number(value: object) -> float | None:
    """A finite number from a stored JSON value (a number, or text of one), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
