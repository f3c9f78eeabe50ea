"""The project's SLI provider from the event log, on each backend: the latest ``monitoring.configure``
since the project was last deleted, read with one query on the scope index."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine, select

from slogate.adapters.store.event_conditions import criteria_conditions, newest_first
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.tables import EventRow
from slogate.domain.protocol.event_types import MONITORING_CONFIGURE, PROJECT_DELETE_FINISHED
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import EventCriteria, FieldMatch
from slogate.services.usecases.provider_choice import chosen_provider

from .builders import event

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def configure(provider: object, minute: float, project: str = "sockshop") -> KeptnEvent:
    """A ``monitoring.configure`` of ``project`` (no stage, as Keptn's CLI sends it)."""
    built = event(MONITORING_CONFIGURE, minute=minute, scope=(project, "", "carts"), result=None)
    return dataclasses.replace(built, data={**built.data, "type": provider})


def test_latest_choice_wins_ties_by_storing_order_and_deletion_forgets(store: SqlEventStore) -> None:
    store.add([configure("dynatrace", 1), configure("datadog", 2, project="other")])
    store.add([configure("neoload", 3), configure("my-provider", 3)])  # same time: stored last wins
    assert chosen_provider(store, "sockshop") == "my-provider"
    assert chosen_provider(store, "other") == "datadog"
    store.add([event(PROJECT_DELETE_FINISHED, minute=4, scope=("sockshop", "", ""), result=None)])
    assert chosen_provider(store, "sockshop") is None
    assert chosen_provider(store, "other") == "datadog"
    store.add([configure(7, 5), configure(None, 5.5, project="other")])  # not a name: nothing chosen
    assert chosen_provider(store, "sockshop") is None
    assert chosen_provider(store, "other") is None
    store.add([configure("sumologic", 6)])
    assert chosen_provider(store, "sockshop") == "sumologic"
    assert chosen_provider(store, "sock%") is None  # an exact match, never a pattern


@SQLITE_ONLY
def test_the_choice_is_read_from_the_scope_index(engine: Engine) -> None:
    """Lighthouse asks it for every evaluation: the (type, project, …) index finds the few events."""
    criteria = EventCriteria(
        fields=(
            FieldMatch(("type",), (MONITORING_CONFIGURE, PROJECT_DELETE_FINISHED)),
            FieldMatch(("data", "project"), ("sockshop",)),
        ),
        limit=1,
        count=False,
    )
    query = newest_first(select(EventRow).where(*criteria_conditions(criteria))).limit(1)
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        plan = " | ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "ix_events_type_scope_time (type=? AND project=?)" in plan
