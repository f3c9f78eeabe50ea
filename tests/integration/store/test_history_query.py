"""Lighthouse's history query: it matches a reference model and each backend answers it from the indexes."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from slogate.adapters.store.event_conditions import latest_evaluations_query
from slogate.adapters.store.repository import SqlEventStore
from slogate.domain.protocol.gate_events import EVALUATION_INVALIDATED
from tests.support.postgres import needs_postgres

from .builders import SCOPE, event, ids

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
POSTGRESQL_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=needs_postgres)], indirect=True
)


@SQLITE_ONLY
def test_latest_evaluations_query_uses_the_scope_index(engine: Engine) -> None:
    """SQLite answers the history query from the (type, project, stage, service, time, seq) index."""
    query = latest_evaluations_query(*SCOPE, results=frozenset({"pass"}), exclude_invalidated=True)
    compiled = query.limit(3).compile(engine, compile_kwargs={"literal_binds": True})

    with engine.connect() as connection:
        plan = " | ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))

    assert "ix_events_type_scope_time" in plan
    assert "ix_events_triggeredid_type" in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index yields newest first


@POSTGRESQL_ONLY
def test_postgresql_reads_the_history_newest_first_from_the_scope_index(engine: Engine) -> None:
    """PostgreSQL can walk the scope index backwards for the history query, with no sort step.

    The tables are empty, so sequential scans are switched off to see which indexes the plan can use
    (which index the anti-join picks depends on statistics, so only the outer scan is checked).
    """
    query = latest_evaluations_query(*SCOPE, results=frozenset({"pass"}), exclude_invalidated=True)
    compiled = query.limit(3).compile(engine, compile_kwargs={"literal_binds": True})

    with engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " | ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))

    assert "Index Scan Backward using ix_events_type_scope_time on events " in plan
    assert "Sort" not in plan


_histories = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),  # minute (many ties)
        st.sampled_from(["pass", "warning", "fail"]),
        st.booleans(),  # invalidated
    ),
    max_size=12,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=_histories, limit=st.integers(min_value=0, max_value=6))
def test_latest_evaluations_match_a_model(
    store: SqlEventStore, history: list[tuple[int, str, bool]], limit: int
) -> None:
    """For any history: filter, drop invalidated, sort by (time, insertion) descending, then limit."""
    scope = (f"p-{uuid.uuid4()}", "qa", "carts")
    events = [
        event(minute=minute, scope=scope, result=result, triggeredid=f"{scope[0]}-{n}")
        for n, (minute, result, _) in enumerate(history)
    ]
    invalidations = [
        event(EVALUATION_INVALIDATED, minute=9, scope=scope, result=None, triggeredid=e.triggeredid)
        for e, (_, _, invalid) in zip(events, history, strict=True)
        if invalid
    ]
    store.add(events + invalidations)
    wanted = frozenset({"pass", "warning"})

    expected = [
        e.id
        for position, e in sorted(enumerate(events), key=lambda pair: (pair[1].time, pair[0]), reverse=True)
        if e.data["result"] in wanted and not history[position][2]
    ][:limit]

    assert ids(store.latest_evaluations(*scope, limit=limit, results=wanted)) == expected
