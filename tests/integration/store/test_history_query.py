"""Lighthouse's history query: it matches a reference model and SQLite answers it from the indexes."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from slogate.adapters.store.repository import SqlEventStore, latest_evaluations_query
from slogate.domain.events import EVALUATION_INVALIDATED

from .builders import SCOPE, event, ids


def test_latest_evaluations_query_uses_the_scope_index(engine: Engine) -> None:
    """SQLite answers the history query from the (type, project, stage, service, time, seq) index."""
    query = latest_evaluations_query(*SCOPE, results=frozenset({"pass"}), exclude_invalidated=True)
    compiled = query.limit(3).compile(engine, compile_kwargs={"literal_binds": True})

    with engine.connect() as connection:
        plan = " | ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))

    assert "ix_events_type_scope_time" in plan
    assert "ix_events_triggeredid_type" in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index yields newest first


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
