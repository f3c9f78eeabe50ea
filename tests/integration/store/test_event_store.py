"""The SQL event store answers Keptn's datastore queries: round trip, order, filters, invalidation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType

import pytest

from slogate.adapters.store.database import open_database
from slogate.adapters.store.repository import SqlEventStore
from slogate.domain.protocol.gate_events import (
    EVALUATION_FINISHED,
    EVALUATION_INVALIDATED,
    EVALUATION_TRIGGERED,
    KeptnEvent,
)
from slogate.errors import ConflictError, InputError

from .builders import SCOPE, T0, event, fields, ids


def test_round_trip_keeps_every_field(store: SqlEventStore) -> None:
    """Every field comes back equal; the time is the same instant, aware, in UTC."""
    sent = KeptnEvent(
        id="3f7c1e9a-0000-4000-8000-000000000001",
        type=EVALUATION_FINISHED,
        source="https://github.com/keptn/keptn/lighthouse-service",
        time=datetime(2024, 5, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2))),
        shkeptncontext="9f0c-context",
        data={
            "project": "sockshop",
            "stage": "qa",
            "service": "carts",
            "result": "warning",
            "labels": {"buildId": "1.2.3", "owner": "Zoë 日本 🚀"},
            "evaluation": {
                "score": 87.5,
                "indicatorResults": [{"value": {"metric": "p95", "value": 0.25, "success": True}}],
                "comparedEvents": [],
                "gitCommit": None,
            },
        },
        triggeredid="triggered-1",
        gitcommitid="a1b2c3d",
    )
    store.add([sent])

    received = store.get(sent.id)

    assert received == sent
    assert received is not None
    assert received.time.tzinfo is UTC
    assert received.time == datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
    assert received.data["labels"]["owner"] == "Zoë 日本 🚀"
    assert (received.project, received.stage, received.service) == SCOPE


def test_round_trip_converts_mappings_and_tuples_to_plain_json(store: SqlEventStore) -> None:
    """Read-only mappings and tuples in data are stored as JSON objects and arrays."""
    store.add([event(id="frozen", nested=MappingProxyType({"values": (1, 2.5, "x")}))])

    received = store.get("frozen")

    assert received is not None
    assert received.data["nested"] == {"values": [1, 2.5, "x"]}


def test_events_survive_reopening_the_database(store: SqlEventStore, database_url: str) -> None:
    """A committed event is in the database: another engine on the same URL reads it."""
    store.add([event(id="durable")])

    other = open_database(database_url)
    try:
        received = SqlEventStore(other).get("durable")
    finally:
        other.dispose()

    assert received is not None
    assert received.id == "durable"


def test_get_unknown_is_none(store: SqlEventStore) -> None:
    """An id that was never stored gives None."""
    store.add([event(id="known")])

    assert store.get("unknown") is None


def test_newest_first_and_equal_times_by_insertion_order(store: SqlEventStore) -> None:
    """Newest time first; events with the same time come latest-inserted first."""
    store.add([event(id="old", minute=1), event(id="tie-a", minute=5), event(id="tie-b", minute=5)])
    store.add([event(id="tie-c", minute=5), event(id="middle", minute=3)])

    latest = store.latest_evaluations(*SCOPE, limit=10)

    assert ids(latest) == ["tie-c", "tie-b", "tie-a", "middle", "old"]


def test_order_compares_instants_across_offsets(store: SqlEventStore) -> None:
    """12:30+02:00 (10:30 UTC) is older than 11:00 UTC, whatever offset each event was sent with."""
    plus_two = timezone(timedelta(hours=2))
    early = event(id="early-local-noon")
    late = event(id="late-utc")
    store.add(
        [
            KeptnEvent(**{**fields(early), "time": datetime(2024, 5, 1, 12, 30, tzinfo=plus_two)}),
            KeptnEvent(**{**fields(late), "time": datetime(2024, 5, 1, 11, 0, tzinfo=UTC)}),
        ]
    )

    assert ids(store.latest_evaluations(*SCOPE, limit=2)) == ["late-utc", "early-local-noon"]
    assert ids(store.find(limit=2)) == ["late-utc", "early-local-noon"]


def test_limit_keeps_the_newest(store: SqlEventStore) -> None:
    """The limit cuts the oldest; limit 0 gives nothing."""
    store.add([event(id=f"e{m}", minute=m) for m in range(6)])

    assert ids(store.latest_evaluations(*SCOPE, limit=3)) == ["e5", "e4", "e3"]
    assert store.latest_evaluations(*SCOPE, limit=0) == []


def test_result_filter_keeps_the_given_results(store: SqlEventStore) -> None:
    """``results`` filters on data.result: {pass}, {pass, warning}, None (all), empty set (none)."""
    store.add(
        [
            event(id="pass", minute=4, result="pass"),
            event(id="warning", minute=3, result="warning"),
            event(id="fail", minute=2, result="fail"),
            event(id="no-result", minute=1, result=None, evaluation={"result": "pass"}),
        ]
    )

    def latest(results: frozenset[str] | None) -> list[str]:
        return ids(store.latest_evaluations(*SCOPE, limit=10, results=results))

    assert latest(frozenset({"pass"})) == ["pass"]
    assert latest(frozenset({"pass", "warning"})) == ["pass", "warning"]
    assert latest(None) == ["pass", "warning", "fail", "no-result"]
    assert latest(frozenset()) == []


def test_invalidated_evaluations_are_excluded_before_the_limit(store: SqlEventStore) -> None:
    """The two newest are invalidated; a limit of 2 still yields two valid evaluations."""
    store.add(
        [
            event(id="valid-old", minute=1, triggeredid="t1"),
            event(id="valid", minute=2, triggeredid="t2"),
            event(id="invalid-a", minute=3, triggeredid="t3"),
            event(id="invalid-b", minute=4, triggeredid="t4"),
            event(EVALUATION_INVALIDATED, id="inv-3", minute=5, triggeredid="t3", result=None),
            event(EVALUATION_INVALIDATED, id="inv-4", minute=6, triggeredid="t4", result=None),
        ]
    )

    assert ids(store.latest_evaluations(*SCOPE, limit=2)) == ["valid", "valid-old"]
    assert ids(store.latest_evaluations(*SCOPE, limit=2, exclude_invalidated=False)) == [
        "invalid-b",
        "invalid-a",
    ]


def test_invalidation_without_triggered_id_invalidates_nothing(store: SqlEventStore) -> None:
    """An evaluation.invalidated with an empty triggeredid does not hide evaluations that have none."""
    store.add(
        [
            event(id="untriggered", minute=1),
            event(EVALUATION_INVALIDATED, id="stray", minute=2, result=None),
        ]
    )

    assert ids(store.latest_evaluations(*SCOPE, limit=5)) == ["untriggered"]
    assert store.invalidated_triggered_ids([""]) == frozenset()


def test_invalidation_combines_with_the_result_filter(store: SqlEventStore) -> None:
    """Result filter and invalidation both apply before the limit."""
    store.add(
        [
            event(id="pass-old", minute=1, result="pass", triggeredid="t1"),
            event(id="fail", minute=2, result="fail", triggeredid="t2"),
            event(id="pass-invalid", minute=3, result="pass", triggeredid="t3"),
            event(EVALUATION_INVALIDATED, id="inv", minute=4, triggeredid="t3", result=None),
        ]
    )

    latest = store.latest_evaluations(*SCOPE, limit=1, results=frozenset({"pass"}))

    assert ids(latest) == ["pass-old"]


def test_latest_evaluations_are_scoped_to_the_service_and_type(store: SqlEventStore) -> None:
    """Other projects, stages, services and event types are not part of a service's history."""
    store.add(
        [
            event(id="mine", minute=1),
            event(id="other-project", minute=2, scope=("other", "qa", "carts")),
            event(id="other-stage", minute=3, scope=("sockshop", "production", "carts")),
            event(id="other-service", minute=4, scope=("sockshop", "qa", "orders")),
            event(EVALUATION_TRIGGERED, id="triggered", minute=5, result=None),
            event("sh.keptn.event.get-sli.finished", id="get-sli", minute=6),
        ]
    )

    assert ids(store.latest_evaluations(*SCOPE, limit=10)) == ["mine"]
    assert ids(store.latest_evaluations("sockshop", "qa", "orders", limit=10)) == ["other-service"]
    assert store.latest_evaluations("sockshop", "dev", "carts", limit=10) == []


def test_invalidated_triggered_ids_answers_which_are_invalidated(store: SqlEventStore) -> None:
    """Only ids with an evaluation.invalidated event are returned; other types do not count."""
    store.add(
        [
            event(EVALUATION_INVALIDATED, minute=1, triggeredid="t1", result=None),
            event(EVALUATION_INVALIDATED, minute=2, triggeredid="t1", result=None),
            event(EVALUATION_FINISHED, minute=3, triggeredid="t2"),
            event(EVALUATION_INVALIDATED, minute=4, triggeredid="t3", result=None),
        ]
    )

    assert store.invalidated_triggered_ids(["t1", "t2", "t4"]) == frozenset({"t1"})
    assert store.invalidated_triggered_ids([]) == frozenset()
    assert store.invalidated_triggered_ids(["t3", "t3"]) == frozenset({"t3"})


def test_invalidated_triggered_ids_handles_long_lists(store: SqlEventStore) -> None:
    """More ids than one IN list holds are answered completely."""
    invalidated = [f"t{n}" for n in range(0, 1200, 7)]
    store.add([event(EVALUATION_INVALIDATED, triggeredid=t, result=None) for t in invalidated])

    asked = [f"t{n}" for n in range(1200)]

    assert store.invalidated_triggered_ids(asked) == frozenset(invalidated)


def test_find_filters_on_every_given_field(store: SqlEventStore) -> None:
    """Each filter narrows the result; None means any value; results are newest first."""
    store.add(
        [
            event(EVALUATION_TRIGGERED, id="trig", minute=1, context="c1", result=None),
            event(EVALUATION_FINISHED, id="fin", minute=2, context="c1"),
            event(
                EVALUATION_FINISHED, id="prod", minute=3, context="c2", scope=("sockshop", "prod", "carts")
            ),
            event(
                EVALUATION_FINISHED, id="orders", minute=4, context="c3", scope=("sockshop", "qa", "orders")
            ),
            event(EVALUATION_FINISHED, id="other", minute=5, context="c4", scope=("other", "qa", "carts")),
        ]
    )

    assert ids(store.find()) == ["other", "orders", "prod", "fin", "trig"]
    assert ids(store.find(type=EVALUATION_TRIGGERED)) == ["trig"]
    assert ids(store.find(project="sockshop")) == ["orders", "prod", "fin", "trig"]
    assert ids(store.find(project="sockshop", stage="qa")) == ["orders", "fin", "trig"]
    assert ids(store.find(service="carts", stage="qa")) == ["other", "fin", "trig"]
    assert ids(store.find(shkeptncontext="c1")) == ["fin", "trig"]
    assert ids(store.find(shkeptncontext="c1", type=EVALUATION_FINISHED)) == ["fin"]
    assert store.find(project="nobody") == []


def test_find_pages_with_limit_and_offset(store: SqlEventStore) -> None:
    """Pages are disjoint, newest first, and together list every event once."""
    store.add([event(id=f"e{m:02d}", minute=m % 4) for m in range(11)])
    expected = ids(store.find(limit=100))

    pages = [ids(store.find(limit=4, offset=offset)) for offset in (0, 4, 8, 12)]

    assert [len(page) for page in pages] == [4, 4, 3, 0]
    assert [i for page in pages for i in page] == expected
    assert expected[:3] == ["e07", "e03", "e10"]  # minute 3 (latest inserted first), then minute 2


def test_duplicate_id_rejects_the_whole_batch(store: SqlEventStore) -> None:
    """A batch with an id already stored raises ConflictError and stores none of its events."""
    store.add([event(id="taken", minute=1)])

    with pytest.raises(ConflictError) as raised:
        store.add([event(id="new-1", minute=2), event(id="taken", minute=3), event(id="new-2", minute=4)])

    assert raised.value.code == "conflict"
    assert "already stored: 'taken'" in raised.value.message
    assert store.get("new-1") is None
    assert store.get("new-2") is None
    assert ids(store.find()) == ["taken"]


def test_duplicate_id_within_one_batch_is_rejected(store: SqlEventStore) -> None:
    """Two events with one id in the same batch are a conflict too; nothing is stored."""
    with pytest.raises(ConflictError, match="repeated in the batch: 'twice'"):
        store.add([event(id="twice"), event(id="single"), event(id="twice")])

    assert store.find() == []


def test_naive_time_is_refused(store: SqlEventStore) -> None:
    """An event time without a timezone is an input error and nothing of the batch is stored."""
    naive = KeptnEvent(**{**fields(event(id="naive")), "time": datetime(2024, 5, 1, 12, 0)})

    with pytest.raises(InputError, match="no timezone"):
        store.add([event(id="fine"), naive])

    assert store.find() == []


def test_data_that_is_not_json_is_refused(store: SqlEventStore) -> None:
    """NaN and non-JSON objects in data are input errors naming where they are."""
    with pytest.raises(InputError, match=r"data\.evaluation\.score"):
        store.add([event(evaluation={"score": float("nan")})])
    with pytest.raises(InputError, match=r"data\.when"):
        store.add([event(when=T0)])

    assert store.find() == []


@pytest.mark.parametrize(("text", "problem"), [("a\x00b", "NUL characters"), ("\ud800", "lone surrogates")])
def test_text_postgresql_cannot_store_is_refused_on_every_backend(
    store: SqlEventStore, text: str, problem: str
) -> None:
    """NUL characters and lone surrogates in data values, data keys or the envelope are input errors
    on every backend (PostgreSQL's text and JSONB cannot hold them), naming where they are."""
    with pytest.raises(InputError, match=rf"data\.note\.deeper: text must not contain {problem}"):
        store.add([event(id="fine"), event(note={"deeper": text})])
    with pytest.raises(InputError, match=rf"data\.note: key '.*': text must not contain {problem}"):
        store.add([event(note={f"key{text}": 1})])
    with pytest.raises(InputError, match=rf"source: text must not contain {problem}"):
        store.add([KeptnEvent(**{**fields(event()), "source": text})])

    assert store.find() == []


def test_negative_paging_is_refused(store: SqlEventStore) -> None:
    """A negative limit or offset is an input error (backends disagree on what it would mean)."""
    with pytest.raises(InputError):
        store.find(limit=-1)
    with pytest.raises(InputError):
        store.find(offset=-1)
    with pytest.raises(InputError):
        store.latest_evaluations(*SCOPE, limit=-1)
