"""The events table's queries as SQL: the datastore's criteria as WHERE conditions, and Keptn's query for
the previous evaluations of a service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, exists, false, func, select, true
from sqlalchemy.orm import aliased

from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, EVALUATION_INVALIDATED
from slogate.domain.protocol.ingestion import CONTENT_TYPE, SPEC_VERSION
from slogate.ports import EventCriteria, FieldMatch

from .tables import EventRow

_INVALIDATED = ".invalidated"  # the kind of every invalidating event (Keptn matches it case-sensitively)


def newest_first(query: Select[EventRow]) -> Select[EventRow]:
    """``query`` ordered newest event first (ties by the order of storing)."""
    return query.order_by(EventRow.time.desc(), EventRow.seq.desc())


def latest_evaluations_query(
    project: str,
    stage: str,
    service: str,
    *,
    results: frozenset[str] | None,
    exclude_invalidated: bool,
) -> Select[EventRow]:
    """Keptn's datastore query for previous evaluations, newest first, without its limit.

    ``NOT EXISTS`` an ``evaluation.invalidated`` event with the same (non-empty) ``triggeredid``.
    """
    query = select(EventRow).where(
        EventRow.type == EVALUATION_FINISHED,
        EventRow.project == project,
        EventRow.stage == stage,
        EventRow.service == service,
    )
    if results is not None:
        query = query.where(EventRow.result.in_(sorted(results)))
    if exclude_invalidated:
        invalidation = aliased(EventRow, name="invalidation")
        query = query.where(
            ~exists().where(
                invalidation.type == EVALUATION_INVALIDATED,
                invalidation.triggeredid == EventRow.triggeredid,
                invalidation.triggeredid != "",
            )
        )
    return newest_first(query)


# CloudEvent fields the datastore filters on that are columns of the events table
_COLUMNS = {
    ("id",): EventRow.id,
    ("type",): EventRow.type,
    ("source",): EventRow.source,
    ("shkeptncontext",): EventRow.shkeptncontext,
    ("triggeredid",): EventRow.triggeredid,
    ("gitcommitid",): EventRow.gitcommitid,
    ("data", "project"): EventRow.project,
    ("data", "stage"): EventRow.stage,
    ("data", "service"): EventRow.service,
    ("data", "result"): EventRow.result,
}
# fields every stored event has with the same value
_CONSTANTS = {("specversion",): SPEC_VERSION, ("datacontenttype",): CONTENT_TYPE}


def criteria_conditions(criteria: EventCriteria) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a datastore query (see ``EventCriteria``)."""
    conditions = [field_condition(match) for match in criteria.fields]
    if criteria.after is not None:
        conditions.append(EventRow.time > criteria.after)
    if criteria.before is not None:
        conditions.append(EventRow.time < criteria.before)
    if criteria.project_collection is not None:
        conditions.append(EventRow.project == criteria.project_collection)
    if criteria.context_collection is not None:
        first = aliased(EventRow, name="first_of_context")
        mapped = (
            select(first.project)
            .where(first.shkeptncontext == criteria.context_collection, first.project != "")
            .order_by(first.seq)
            .limit(1)
            .scalar_subquery()
        )
        conditions.append(EventRow.project == func.coalesce(mapped, ""))
    if criteria.roots_only:
        earlier = aliased(EventRow, name="earlier")
        conditions.append(EventRow.project != "")
        conditions.append(
            ~exists().where(
                earlier.shkeptncontext == EventRow.shkeptncontext,
                earlier.project == EventRow.project,
                earlier.seq < EventRow.seq,
            )
        )
    if criteria.exclude_invalidated:
        invalidation = aliased(EventRow, name="invalidation")
        conditions.append(
            ~exists().where(
                invalidation.triggeredid == EventRow.triggeredid,
                invalidation.triggeredid != "",
                invalidation.project == EventRow.project,
                _ends_with(invalidation.type, _INVALIDATED),
            )
        )
    return conditions


def _ends_with(column: SQLColumnExpression[str], suffix: str) -> ColumnElement[bool]:
    """Whether ``column`` ends with ``suffix``, case-sensitively on every backend (SQLite's ``LIKE``,
    which ``endswith`` compiles to, ignores ASCII case); ``substr`` with a start below 1 takes the
    whole (too short) text on both."""
    return func.substr(column, func.length(column) - (len(suffix) - 1)) == suffix


def field_condition(match: FieldMatch) -> ColumnElement[bool]:
    """``field IN values``; an unknown field matches nothing, a constant one everything or nothing."""
    if match.path in _CONSTANTS:
        return true() if _CONSTANTS[match.path] in match.values else false()
    column = _COLUMNS.get(match.path)
    expression: ColumnElement[Any] | None = None if column is None else column.expression
    keys = match.path[1:]
    if column is None and match.path[:1] == ("data",) and keys and all(map(_plain_key, keys)):
        expression = EventRow.data[keys].as_string()
    if expression is None or not match.values:
        return false()
    if len(match.values) == 1:
        return expression == match.values[0]
    return expression.in_(match.values)


def _plain_key(key: str) -> bool:
    """A key that can be put into a JSON path literal as it is (SQLite quotes keys with ``"``)."""
    return bool(key) and '"' not in key and "\\" not in key
