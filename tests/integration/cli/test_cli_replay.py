"""``slogate evaluations replay``: what-if on a real SQLite history, storing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from slogate.services.usecases.quality_gate import GateOutcome
from tests.support.replay_history import (
    FLIPPED_BY_TIGHTER,
    TIGHTER_SLO,
    TUTORIAL_SLO,
    WITH_CPU,
    write_history,
)

from .cli_helpers import Run, assert_one_line_error

History = tuple[Path, list[GateOutcome]]


def _all_events(path: Path) -> int:
    engine = open_database(f"sqlite:///{path}")
    try:
        return len(SqlEventStore(engine).find(limit=10_000))
    finally:
        engine.dispose()


@pytest.fixture
def history(tmp_path: Path) -> History:
    """Five tutorial builds stored by the gate, and SLO files next to them."""
    path = tmp_path / "history.db"
    engine = open_database(f"sqlite:///{path}")
    try:
        upgrade(engine)
        outcomes = write_history(SqlEventStore(engine))
    finally:
        engine.dispose()
    for name, text in (("same.yaml", TUTORIAL_SLO), ("tighter.yaml", TIGHTER_SLO), ("cpu.yaml", WITH_CPU)):
        (tmp_path / name).write_text(text)
    return path, outcomes


def replay(run: Run, path: Path, slo: str, *extra: str) -> dict[str, object]:
    args = ("--project", "fulltour", "--stage", "qa", "--service", "helloservice", "--db", str(path))
    result = run("evaluations", "replay", "--slo", path.parent / slo, *args, *extra, "-o", "json")
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_the_tightened_slo_flips_the_expected_builds_and_stores_nothing(run: Run, history: History) -> None:
    path, _ = history
    before = _all_events(path)
    document = replay(run, path, "tighter.yaml")
    assert _all_events(path) == before
    builds = document["builds"]
    assert isinstance(builds, list)
    assert [b["labels"]["buildId"] for b in builds] == ["5", "4", "3", "2", "1"]
    changed = [b["labels"]["buildId"] for b in builds if b["changed"]]
    assert tuple(sorted(changed)) == FLIPPED_BY_TIGHTER
    three = builds[2]
    assert (three["old"], three["new"]) == (
        {"result": "pass", "score": 100.0},
        {"result": "fail", "score": 66.66666666666666},
    )
    (flip,) = three["flipped"]
    assert flip["sli"] == "http_response_time_seconds_main_page_sum"
    assert (flip["displayName"], flip["oldStatus"], flip["newStatus"], flip["value"]) == (
        "HTTP Response Time",
        "pass",
        "fail",
        0.15,
    )
    assert [(c["kind"], c["criteria"]) for c in flip["criteria"]] == [("pass", "<=0.1"), ("warning", "<=0.1")]
    assert document["summary"] == {
        "builds": 5,
        "changed": 2,
        "notReplayed": 0,
        "replayedInAll": 5,
        "text": "2 of 5 builds would change verdict",
    }


def test_the_table_shows_old_and_new_side_by_side(run: Run, history: History) -> None:
    path, _ = history
    args = ("--project", "fulltour", "--stage", "qa", "--service", "helloservice", "--db", path)
    result = run("evaluations", "replay", "--slo", path.parent / "tighter.yaml", *args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    row = next(line for line in lines if "buildId=3" in line)
    assert "pass → fail" in row
    assert "100 → 66.6667" in row or "100 → 66.66666666666666" in row
    assert "HTTP Response Time: pass → fail (0.15 violates pass <=0.1, warning <=0.1)" in row
    assert lines[-1] == "2 of 5 builds would change verdict"


def test_the_unchanged_slo_changes_nothing(run: Run, history: History) -> None:
    path, outcomes = history
    document = replay(run, path, "same.yaml")
    for build, outcome in zip(document["builds"], reversed(outcomes), strict=True):  # type: ignore[call-overload]
        assert build["id"] == outcome.finished_id
        assert build["new"] == build["old"]
        assert build["flipped"] == []
        assert build["comparedEvents"] == list(outcome.report.event.evaluation.compared_events)
    assert document["summary"]["changed"] == 0  # type: ignore[index]


def test_an_invalidated_build_is_reported_but_never_compared_with(run: Run, history: History) -> None:
    path, outcomes = history
    first = outcomes[0].finished_id
    assert run("evaluations", "invalidate", first, "--db", path).exit_code == 0
    document = replay(run, path, "same.yaml")
    builds = document["builds"]
    assert isinstance(builds, list)
    assert builds[-1]["id"] == first
    assert builds[-1]["invalidated"] is True
    assert all(first not in build["comparedEvents"] for build in builds)
    # build 2 compared with build 1 at the time; without it, its throughput objective has no baseline
    assert builds[-2]["comparedEvents"] == []


def test_an_sli_never_collected_is_reported_as_such(run: Run, history: History) -> None:
    path, _ = history
    document = replay(run, path, "cpu.yaml", "--last", "2")
    builds = document["builds"]
    assert isinstance(builds, list)
    assert len(builds) == 2
    assert document["summary"]["replayedInAll"] == 5  # type: ignore[index]
    assert [build["noValueStored"] for build in builds] == [["cpu_seconds"], ["cpu_seconds"]]
    (flip,) = builds[0]["flipped"]
    assert (flip["sli"], flip["oldStatus"], flip["newStatus"], flip["value"], flip["note"]) == (
        "cpu_seconds",
        None,
        "fail",
        None,
        "no value stored",
    )


def test_a_bad_slo_gets_the_lint_errors_and_exit_2(run: Run, history: History) -> None:
    path, _ = history
    bad = path.parent / "bad.yaml"
    bad.write_text(TUTORIAL_SLO.replace("objectives:", "objectivs: []\nobjectives:"))
    before = _all_events(path)
    args = ("--project", "fulltour", "--stage", "qa", "--service", "helloservice", "--db", path)
    result = run("evaluations", "replay", "--slo", bad, *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: {bad}: ")
    assert "objectivs" in lines[0]
    assert all(line.startswith("error: ") for line in lines)
    assert _all_events(path) == before
    missing = run("evaluations", "replay", "--slo", path.parent / "nope.yaml", *args)
    assert_one_line_error(missing, "nope.yaml", "no such file")


def test_no_history_says_so(run: Run, history: History) -> None:
    path, _ = history
    args = ("--project", "fulltour", "--stage", "production", "--service", "helloservice", "--db", path)
    result = run("evaluations", "replay", "--slo", path.parent / "same.yaml", *args)
    assert result.exit_code == 0, result.output
    assert "No stored evaluations of fulltour/production/helloservice" in result.stdout
