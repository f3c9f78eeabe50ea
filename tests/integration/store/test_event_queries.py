"""The datastore query of the SQL store: fields, JSON paths, time bounds, collections, roots, invalidation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from slogate.adapters.store.repository import SqlEventStore
from slogate.domain.protocol.gate_events import (
    EVALUATION_FINISHED,
    EVALUATION_INVALIDATED,
    EVALUATION_TRIGGERED,
    KeptnEvent,
)
from slogate.errors import InputError
from slogate.ports import EventCriteria, EventQueries, FieldMatch

from .builders import T0, event, fields, ids

DEPLOYMENT_FINISHED = "sh.keptn.event.deployment.finished"


def match(*path: str, values: tuple[str, ...]) -> FieldMatch:
    """A field condition."""
    return FieldMatch(tuple(path), values)


def query_ids(store: SqlEventStore, **criteria: object) -> list[str]:
    """The ids of the events the criteria select (no limit unless given)."""
    criteria.setdefault("limit", None)
    events, _ = store.query(EventCriteria(**criteria))  # type: ignore[arg-type]
    return ids(events)


def test_store_is_an_event_queries_port(store: SqlEventStore) -> None:
    """SqlEventStore implements the EventQueries port."""
    assert isinstance(store, EventQueries)


def test_column_fields(store: SqlEventStore) -> None:
    """Envelope fields and the indexed data fields filter by equality, several values as IN."""
    store.add(
        [
            event(id="a", triggeredid="t1", context="c1"),
            KeptnEvent(**{**fields(event(id="b", result="fail", context="c2")), "gitcommitid": "g1"}),
            KeptnEvent(
                **{**fields(event(DEPLOYMENT_FINISHED, id="c", scope=("p2", "prod", "api"))), "source": "ci"}
            ),
        ]
    )
    assert query_ids(store, fields=(match("id", values=("a",)),)) == ["a"]
    assert query_ids(store, fields=(match("type", values=(DEPLOYMENT_FINISHED,)),)) == ["c"]
    assert query_ids(store, fields=(match("source", values=("ci",)),)) == ["c"]
    assert query_ids(store, fields=(match("shkeptncontext", values=("c1", "c2")),)) == ["b", "a"]
    assert query_ids(store, fields=(match("triggeredid", values=("t1",)),)) == ["a"]
    assert query_ids(store, fields=(match("gitcommitid", values=("g1",)),)) == ["b"]
    assert query_ids(store, fields=(match("data", "project", values=("p2",)),)) == ["c"]
    assert query_ids(store, fields=(match("data", "stage", values=("qa",)),)) == ["b", "a"]
    assert query_ids(store, fields=(match("data", "service", values=("api", "carts")),)) == ["c", "b", "a"]
    assert query_ids(store, fields=(match("data", "result", values=("fail",)),)) == ["b"]
    both = (match("data", "result", values=("pass",)), match("data", "stage", values=("qa",)))
    assert query_ids(store, fields=both) == ["a"]


def test_json_paths_inside_data(store: SqlEventStore) -> None:
    """Other data.* keys are read from the JSON document, nested keys included."""
    store.add(
        [
            event(id="a", labels={"buildId": "1.0", "team": "x"}),
            event(id="b", labels={"buildId": "2.0"}, minute=1),
            event(id="c", evaluation={"result": "warning"}, minute=2),
        ]
    )
    assert query_ids(store, fields=(match("data", "labels", "buildId", values=("2.0",)),)) == ["b"]
    assert query_ids(store, fields=(match("data", "labels", "buildId", values=("1.0", "2.0")),)) == ["b", "a"]
    assert query_ids(store, fields=(match("data", "evaluation", "result", values=("warning",)),)) == ["c"]
    assert query_ids(store, fields=(match("data", "labels", "missing", values=("x",)),)) == []


@pytest.mark.parametrize(
    "path",
    [
        ("time",),
        ("data",),
        ("unknown",),
        ("id", "x"),
        ("data", "", "x"),
        ("data", 'we"ird'),
        ("data", "back\\slash"),
    ],
)
def test_unresolvable_paths_match_nothing(store: SqlEventStore, path: tuple[str, ...]) -> None:
    """A field the store cannot resolve matches no event (and never breaks the query)."""
    store.add([event(id="a")])
    assert query_ids(store, fields=(FieldMatch(path, ("a",)),)) == []


def test_constant_fields(store: SqlEventStore) -> None:
    """specversion and datacontenttype are the same for every stored event."""
    store.add([event(id="a")])
    assert query_ids(store, fields=(match("specversion", values=("1.0",)),)) == ["a"]
    assert query_ids(store, fields=(match("specversion", values=("0.2",)),)) == []
    assert query_ids(store, fields=(match("datacontenttype", values=("application/json", "x")),)) == ["a"]


def test_no_values_match_nothing(store: SqlEventStore) -> None:
    """An empty value list selects nothing."""
    store.add([event(id="a")])
    assert query_ids(store, fields=(match("id", values=()),)) == []


def test_time_bounds_are_strict(store: SqlEventStore) -> None:
    """after and before exclude events at exactly that time."""
    store.add([event(id=f"m{minute}", minute=minute) for minute in range(4)])
    assert query_ids(store, after=T0 + timedelta(minutes=1)) == ["m3", "m2"]
    assert query_ids(store, before=T0 + timedelta(minutes=2)) == ["m1", "m0"]
    assert query_ids(store, after=T0, before=T0 + timedelta(minutes=3)) == ["m2", "m1"]


def test_paging_and_total(store: SqlEventStore) -> None:
    """Newest first (ties by insertion, latest first), paged by limit/offset, total over all pages."""
    store.add([event(id=f"e{n}", minute=n // 2) for n in range(5)])
    page, total = store.query(EventCriteria(limit=2, offset=1))
    assert (ids(page), total) == (["e3", "e2"], 5)
    assert store.query(EventCriteria(limit=2, offset=4)) == (
        store.query(EventCriteria(limit=9, offset=4))[0],
        5,
    )
    assert store.query(EventCriteria(limit=2, count=False))[1] == -1
    assert query_ids(store) == ["e4", "e3", "e2", "e1", "e0"]


def test_paging_must_not_be_negative(store: SqlEventStore) -> None:
    """Negative limits and offsets are input errors."""
    with pytest.raises(InputError, match="must not be negative"):
        store.query(EventCriteria(offset=-1))
    with pytest.raises(InputError, match="must not be negative"):
        store.query(EventCriteria(limit=-1))


def test_project_collection(store: SqlEventStore) -> None:
    """project_collection keeps one project's events; "" keeps the events without a project."""
    store.add([event(id="with"), event(id="without", scope=("", "", ""))])
    assert query_ids(store, project_collection="sockshop") == ["with"]
    assert query_ids(store, project_collection="") == ["without"]


def test_context_collection_is_the_project_of_the_contexts_first_event(store: SqlEventStore) -> None:
    """A context maps to the project of its first stored event that has one, as contextToProject does."""
    store.add(
        [
            event(EVALUATION_TRIGGERED, id="log", scope=("", "", ""), context="c1"),
            event(id="first", context="c1", minute=1),
            event(id="elsewhere", context="c1", scope=("other", "qa", "carts"), minute=2),
            event(id="same-project", context="c2", minute=3),
            event(id="orphan", context="c3", scope=("", "", "")),
        ]
    )
    context_is_c1 = (match("shkeptncontext", values=("c1",)),)
    assert query_ids(store, fields=context_is_c1, context_collection="c1") == ["first"]
    assert query_ids(store, context_collection="c1") == ["same-project", "first"]
    assert query_ids(store, context_collection="c3") == ["orphan", "log"]
    assert query_ids(store, context_collection="never-seen") == ["orphan", "log"]


def test_roots_only(store: SqlEventStore) -> None:
    """The first stored event of each (project, context); events without a project have none."""
    store.add(
        [
            event(id="c1-root", context="c1", minute=5),
            event(id="c1-later", context="c1", minute=1),
            event(id="c2-root", context="c2", minute=2),
            event(id="c1-other-project", context="c1", scope=("other", "qa", "x"), minute=3),
            event(id="no-project", context="c4", scope=("", "", "")),
        ]
    )
    assert query_ids(store, roots_only=True) == ["c1-root", "c1-other-project", "c2-root"]
    assert query_ids(store, roots_only=True, project_collection="sockshop") == ["c1-root", "c2-root"]
    assert query_ids(store, roots_only=True, fields=(match("id", values=("c1-later",)),)) == []


def test_exclude_invalidated(store: SqlEventStore) -> None:
    """An *.invalidated event with the same triggeredid in the same project hides the event."""
    store.add(
        [
            event(id="kept", triggeredid="t1"),
            event(id="hidden", triggeredid="t2", minute=1),
            event(id="other-kind", triggeredid="t3", minute=2),
            event(id="other-project", triggeredid="t4", minute=3),
            event(id="untriggered", minute=4),
            event(EVALUATION_INVALIDATED, id="inv-t2", triggeredid="t2", result=None),
            event("sh.keptn.event.deployment.invalidated", id="inv-t3", triggeredid="t3", result=None),
            event(
                EVALUATION_INVALIDATED,
                id="inv-t4",
                triggeredid="t4",
                scope=("p2", "qa", "carts"),
                result=None,
            ),
            event(EVALUATION_INVALIDATED, id="inv-none", result=None),
        ]
    )
    finished = (match("type", values=(EVALUATION_FINISHED,)),)
    assert query_ids(store, fields=finished, exclude_invalidated=True) == [
        "untriggered",
        "other-project",
        "kept",
    ]
    assert len(query_ids(store, fields=finished)) == 5
    page, total = store.query(EventCriteria(fields=finished, exclude_invalidated=True, limit=1))
    assert (ids(page), total) == (["untriggered"], 3)
