"""The standalone gate's use case over the real SQLite store: fetch, evaluate, store, compare, invalidate."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.yamlfile import load_document
from slogate.domain.evaluation.window import Window
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, EVALUATION_TRIGGERED
from slogate.errors import InputError, NotFoundError
from slogate.services.usecases import offline_gate as gate
from slogate.services.usecases.quality_gate import GateOutcome, GateRequest, invalidate, run_gate
from tests.fakes import FakeClock, FakeProvider

RT = "http_response_time_seconds_main_page_sum"
FAST = {RT: 0.004, "request_throughput": 0.55, "go_routines": 7.0}
SLOW = {RT: 0.41, "request_throughput": 0.52, "go_routines": 7.0}
WINDOW = Window(datetime(2026, 11, 26, 9, 55, tzinfo=UTC), datetime(2026, 11, 26, 10, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlEventStore]:
    """A migrated SQLite store in a temporary file."""
    engine = open_database(f"sqlite:///{tmp_path / 'gate.db'}")
    try:
        upgrade(engine)
        yield SqlEventStore(engine)
    finally:
        engine.dispose()


def tutorial_request(labels: tuple[tuple[str, str], ...] = (), slo_text: str | None = None) -> GateRequest:
    """A gate request for the tutorial's service with its SLO."""
    text = (
        slo_text
        if slo_text is not None
        else (resources.files("slogate.demo") / "data" / "slo.yaml").read_text()
    )
    return GateRequest(
        project="fulltour",
        stage="qa",
        service="helloservice",
        window=WINDOW,
        slo=gate.load_slo(text, "slo.yaml", load_document),
        queries={RT: "q1", "request_throughput": "q2", "go_routines": "q3"},
        labels=labels,
        timeframe="5m",
    )


def run(request: GateRequest, provider: FakeProvider, store: SqlEventStore, clock: FakeClock) -> GateOutcome:
    """Run the gate to completion."""
    return asyncio.run(run_gate(request, provider, store, clock))


def test_gate_stores_triggered_and_finished_events(store: SqlEventStore) -> None:
    """One evaluation stores evaluation.triggered and evaluation.finished, linked by triggeredid."""
    outcome = run(tutorial_request((("buildId", "1"),)), FakeProvider(FAST), store, FakeClock())
    assert outcome.report.event.result == "pass"
    finished = store.get(outcome.finished_id)
    assert finished is not None
    assert finished.type == EVALUATION_FINISHED
    assert finished.source == "lighthouse-service"
    triggered = store.get(finished.triggeredid)
    assert triggered is not None
    assert triggered.type == EVALUATION_TRIGGERED
    assert triggered.shkeptncontext == finished.shkeptncontext == outcome.keptn_context
    assert triggered.data["evaluation"] == {
        "start": "2026-11-26T09:55:00.000Z",
        "end": "2026-11-26T10:00:00.000Z",
        "timeframe": "5m",
    }
    assert triggered.data["labels"] == {"buildId": "1"}
    assert finished.data["labels"] == {"buildId": "1"}
    assert finished.data["evaluation"]["score"] == 100.0


def test_gate_asks_the_provider_for_every_objective_in_order(store: SqlEventStore) -> None:
    """The provider gets the SLO's SLIs in file order, the window and the sli.yaml queries."""
    provider = FakeProvider(FAST)
    run(tutorial_request(), provider, store, FakeClock())
    (asked,) = provider.requests
    assert asked.indicators == (RT, "request_throughput", "go_routines")
    assert (asked.start, asked.end) == (WINDOW.start, WINDOW.end)
    assert dict(asked.queries)["go_routines"] == "q3"
    assert provider.closed is False  # closing is the caller's job


def test_slow_build_fails_against_the_fast_one(store: SqlEventStore) -> None:
    """The tutorial's acceptance: v0.1.2 at 0.41 s fails with the key-SLI message, compared with v0.1.1."""
    clock = FakeClock()
    first = run(tutorial_request(), FakeProvider(FAST), store, clock)
    second = run(tutorial_request(), FakeProvider(SLOW), store, clock)
    event = second.report.event
    assert event.result == "fail"
    assert event.evaluation.score == pytest.approx(66.66666666666667)
    assert event.evaluation.compared_events == (first.finished_id,)
    assert event.message == (
        "Evaluation failed due to key_sli objective 'HTTP Response Time': "
        "failed evaluation with score 0.000000"
    )
    assert second.report.explanation == "fail: key SLI 'HTTP Response Time' failed (0.41 > 0.2)"


def test_failed_evaluations_are_not_compared_under_include_pass(store: SqlEventStore) -> None:
    """include_result_with_score: pass skips the failed build; the next one compares with the last pass."""
    clock = FakeClock()
    passed = run(tutorial_request(), FakeProvider(FAST), store, clock)
    run(tutorial_request(), FakeProvider(SLOW), store, clock)
    third = run(tutorial_request(), FakeProvider(FAST), store, clock)
    assert third.report.event.evaluation.compared_events == (passed.finished_id,)


def test_invalidated_evaluation_is_left_out_of_the_comparison(store: SqlEventStore) -> None:
    """After invalidating the latest pass, the next evaluation compares with the one before it."""
    clock = FakeClock()
    older = run(tutorial_request(), FakeProvider(FAST), store, clock)
    newer = run(tutorial_request(), FakeProvider({**FAST, "request_throughput": 5.0}), store, clock)
    invalidation = invalidate(store, newer.finished_id, clock, reason=" flaky load test ")
    assert invalidation.data["evaluation"] == {"reason": "flaky load test"}
    after = run(tutorial_request(), FakeProvider(FAST), store, clock)
    assert after.report.event.evaluation.compared_events == (older.finished_id,)
    assert "evaluation" not in invalidate(store, after.finished_id, clock).data  # no reason, no block
    stored = store.get(newer.finished_id)
    assert stored is not None
    assert store.invalidated_triggered_ids([stored.triggeredid]) == {stored.triggeredid}


def test_invalidating_an_unknown_id_is_not_found(store: SqlEventStore) -> None:
    """An id that names no evaluation is a NotFoundError naming it."""
    with pytest.raises(NotFoundError, match="no evaluation with id 'nope'"):
        invalidate(store, "nope", FakeClock())


@pytest.mark.parametrize(
    ("slo_text", "problem"),
    [
        pytest.param("", "the SLO file is empty", id="empty"),
        pytest.param("objectives: 5\n", "objectives: must be a list", id="unparsable"),
    ],
)
def test_unusable_slo_stores_nothing(store: SqlEventStore, slo_text: str, problem: str) -> None:
    """An empty or unparsable SLO is an input error and nothing is fetched or stored."""
    provider = FakeProvider(FAST)
    with pytest.raises(InputError, match=problem):
        run(tutorial_request(slo_text=slo_text), provider, store, FakeClock())
    assert provider.requests == []
    assert store.find() == []


def test_sli_without_query_stores_nothing(store: SqlEventStore) -> None:
    """An objective whose SLI has no query is an input error naming it; nothing is stored."""
    provider = FakeProvider(FAST, unsupported=("go_routines",))
    with pytest.raises(InputError, match="no query for 'go_routines'"):
        run(tutorial_request(), provider, store, FakeClock())
    assert provider.requests == []
    assert store.find() == []


def test_failed_sli_fails_only_its_objective(store: SqlEventStore) -> None:
    """A provider failure for one SLI fails that objective; get-sli's warning leaves the verdict alone."""
    outcome = run(tutorial_request(), FakeProvider({RT: 0.004, "go_routines": 7.0}), store, FakeClock())
    event = outcome.report.event
    results = {r.display_name: r for r in event.evaluation.indicator_results or ()}
    assert results["Request Throughput"].status == "fail"
    assert results["Request Throughput"].value is not None
    assert results["Request Throughput"].value.message == "query did not return any values"
    assert event.result == "warning"
    assert outcome.values[1].query == "fake(request_throughput)"


def test_every_sli_failing_fails_the_gate(store: SqlEventStore) -> None:
    """When every query fails, get-sli fails and lighthouse fails the evaluation with its message."""
    outcome = run(tutorial_request(), FakeProvider({}), store, FakeClock())
    event = outcome.report.event
    assert event.result == "fail"
    assert event.message == "lighthouse failed because SLI failed with message unable to retrieve metrics"


def test_history_is_scoped_to_the_service(store: SqlEventStore) -> None:
    """Evaluations of another stage are not compared."""
    clock = FakeClock()
    run(tutorial_request(), FakeProvider(FAST), store, clock)
    production = replace(tutorial_request(), stage="production")
    outcome = run(production, FakeProvider(FAST), store, clock)
    assert outcome.report.event.evaluation.compared_events == ()
