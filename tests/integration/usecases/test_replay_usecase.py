"""The what-if use case over the real SQLite store: how much history it loads, and that it is enough."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.yamlfile import load_document
from slogate.domain.evaluation.replay import StoredBuild, replay_builds
from slogate.domain.evaluation.replay_flips import DecidingCriterion, FlippedObjective
from slogate.domain.evaluation.window import format_time
from slogate.domain.protocol.gate_events import Target
from slogate.services.usecases import offline_gate as gate
from slogate.services.usecases.quality_gate import GateOutcome, invalidate, run_gate
from slogate.services.usecases.replay import ReplayRequest, flip_text, replay_history
from tests.fakes import FakeClock, FakeProvider
from tests.integration.usecases.test_quality_gate import RT, tutorial_request
from tests.support.replay_history import TUTORIAL_SLO

# the tutorial's SLO comparing with the average of the last 2 evaluations whatever their result
ALL_RESULTS = TUTORIAL_SLO.replace(
    'compare_with: "single_result"', "compare_with: several_results\n  number_of_comparison_results: 2"
).replace('include_result_with_score: "pass"', "include_result_with_score: all")
assert ALL_RESULTS.count("several_results") == 1
assert "include_result_with_score: all" in ALL_RESULTS
TIGHTER_ALL = ALL_RESULTS.replace('">=-80%"', '">=-5%"')


def _c(kind: str, criteria: str, target: float, violated: bool) -> DecidingCriterion:
    return DecidingCriterion(kind, Target(criteria, target, violated))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlEventStore]:
    engine = open_database(f"sqlite:///{tmp_path / 'replay.db'}")
    try:
        upgrade(engine)
        yield SqlEventStore(engine)
    finally:
        engine.dispose()


def _history(store: SqlEventStore, builds: int, slo: str) -> list[GateOutcome]:
    clock = FakeClock()
    outcomes = []
    for n in range(builds):
        values = {RT: 0.05, "request_throughput": 1.0 + (n % 4) * 0.3 - (n % 3) * 0.25, "go_routines": 7.0}
        request = tutorial_request((("buildId", str(n)),), slo)
        outcomes.append(asyncio.run(run_gate(request, FakeProvider(values), store, clock)))
    return outcomes


def _everything(store: SqlEventStore, slo: str, last: int) -> tuple[object, ...]:
    """The newest ``last`` builds of a replay of the whole stored history (the reference)."""
    events = store.latest_evaluations(
        "fulltour", "qa", "helloservice", limit=10_000, exclude_invalidated=False
    )
    ignored = store.invalidated_triggered_ids([event.triggeredid for event in events])
    builds = [StoredBuild(e.id, format_time(e.time), e.triggeredid in ignored, e.data) for e in events]
    return replay_builds(gate.load_slo(slo, "new.yaml", load_document).file, builds)[:last]


def _request(slo: str, last: int) -> ReplayRequest:
    return ReplayRequest(
        "fulltour", "qa", "helloservice", gate.load_slo(slo, "new.yaml", load_document), last
    )


@pytest.mark.parametrize("invalidated", [(), (8, 9), (6, 7, 8, 9)], ids=["none", "two", "four"])
def test_without_a_result_filter_only_the_needed_baselines_are_loaded(
    store: SqlEventStore, invalidated: tuple[int, ...]
) -> None:
    outcomes = _history(store, 14, ALL_RESULTS)
    clock = FakeClock()
    for n in invalidated:  # just older than the 4 reported builds (10 to 13)
        invalidate(store, outcomes[n].finished_id, clock)
    report = replay_history(store, _request(TIGHTER_ALL, 4))
    assert report.builds == _everything(store, TIGHTER_ALL, 4)
    assert report.replayed == 4 + 2 + len(invalidated)  # the reported builds, 2 baselines, the invalidated
    assert (
        report.builds[-1].compared
        == tuple(outcomes[n].finished_id for n in (9, 8, 7, 6, 5, 4) if n not in invalidated)[:2]
    )
    assert report.changed > 0


def test_with_a_result_filter_every_earlier_build_is_replayed(store: SqlEventStore) -> None:
    _history(store, 14, TUTORIAL_SLO)
    tighter = TUTORIAL_SLO.replace('">=-80%"', '">=-5%"')
    report = replay_history(store, _request(tighter, 4))
    assert report.replayed == 14
    assert report.builds == _everything(store, tighter, 4)


def test_a_short_history_is_replayed_whole(store: SqlEventStore) -> None:
    _history(store, 3, ALL_RESULTS)
    report = replay_history(store, _request(TIGHTER_ALL, 50))
    assert (len(report.builds), report.replayed) == (3, 3)
    assert report.builds == _everything(store, TIGHTER_ALL, 50)


@pytest.mark.parametrize(
    ("flip", "text"),
    [
        (
            FlippedObjective("rt", "RT", "pass", "warning", 116.0, (_c("pass", "<=+10%", 112.75, True),)),
            "RT: pass → warning (116 violates pass <=+10% (112.75))",
        ),
        (
            FlippedObjective("rt", "RT", "fail", "pass", 90.0, (_c("pass", "<=+10%", 112.75, False),)),
            "RT: fail → pass (90 meets pass <=+10% (112.75))",
        ),
        (
            FlippedObjective("cpu", "cpu", None, "fail", None, (), "no value stored"),
            "cpu: — → fail (no value stored)",
        ),
        (FlippedObjective("tp", "TP", "pass", None, 1.5, ()), "TP: pass → — (1.5)"),
    ],
)
def test_a_flip_reads_as_a_sentence(flip: FlippedObjective, text: str) -> None:
    assert flip_text(flip) == text
