"""The environment's overview query: the newest evaluations of every service of a project at once."""

from __future__ import annotations

from slogate.adapters.store.repository import SqlEventStore
from slogate.domain.protocol.gate_events import EVALUATION_INVALIDATED
from slogate.ports import EvaluationOverview

from .builders import event


def test_each_service_gets_its_newest_evaluations_with_score_and_invalidation(store: SqlEventStore) -> None:
    assert isinstance(store, EvaluationOverview)
    carts = [
        event(minute=m, scope=("shop", "qa", "carts"), triggeredid=f"t{m}", evaluation={"score": 10.0 * m})
        for m in range(5)
    ]
    tie = event(minute=4, scope=("shop", "qa", "carts"), triggeredid="tie", evaluation={"score": "n/a"})
    other = [
        event(minute=1, scope=("shop", "prod", "carts"), result="fail"),  # no score
        event(minute=2, scope=("shop", "qa", "orders"), triggeredid="o", evaluation={"score": 99}),
        event(minute=3, scope=("elsewhere", "qa", "carts"), evaluation={"score": 1}),
        event("sh.keptn.event.test.finished", minute=9, scope=("shop", "qa", "carts")),
        event(EVALUATION_INVALIDATED, minute=5, scope=("shop", "qa", "carts"), triggeredid="t3", result=None),
    ]
    store.add([*carts, tie, *other])

    found = store.latest_evaluations_by_service("shop", each=3)

    assert set(found) == {("qa", "carts"), ("prod", "carts"), ("qa", "orders")}
    qa = found[("qa", "carts")]
    assert [s.id for s in qa] == [tie.id, carts[4].id, carts[3].id]  # newest first, ties by storing order
    assert [s.score for s in qa] == ["n/a", "40.0", "30.0"]
    assert [s.invalidated for s in qa] == [False, False, True]
    assert qa[0].keptn_context == tie.shkeptncontext
    assert qa[0].time == tie.time
    assert qa[0].result == "pass"
    assert found[("prod", "carts")][0].score == ""
    assert found[("prod", "carts")][0].result == "fail"
    assert found[("qa", "orders")][0].score in ("99", "99.0")
    assert store.latest_evaluations_by_service("nope", each=3) == {}
    latest = store.latest_evaluations_by_service("shop", each=1)
    assert {key: [s.id for s in found] for key, found in latest.items()} == {
        ("qa", "carts"): [tie.id], ("prod", "carts"): [other[0].id], ("qa", "orders"): [other[1].id],
    }  # fmt: skip
    only = store.latest_evaluations_by_service("shop", each=2, only=[("qa", "orders"), ("prod", "nope")])
    assert {key: [s.id for s in found] for key, found in only.items()} == {("qa", "orders"): [other[1].id]}
    assert store.latest_evaluations_by_service("shop", each=2, only=[]) == {}
