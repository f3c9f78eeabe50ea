"""``slogate evaluations list|show|invalidate`` and ``slogate plugins`` over a real SQLite history."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from slogate.services.usecases.quality_gate import GateOutcome, run_gate
from tests.fakes import FakeClock, FakeProvider
from tests.integration.usecases.test_quality_gate import FAST, SLOW, tutorial_request

from .cli_helpers import Run, assert_one_line_error


@pytest.fixture
def history_db(tmp_path: Path) -> tuple[Path, list[GateOutcome]]:
    """A history file with a passing and a failing evaluation of the tutorial service."""
    path = tmp_path / "history.db"
    engine = open_database(f"sqlite:///{path}")
    try:
        upgrade(engine)
        store = SqlEventStore(engine)
        clock = FakeClock()
        outcomes = [
            asyncio.run(run_gate(tutorial_request((("buildId", build),)), FakeProvider(values), store, clock))
            for build, values in (("1", FAST), ("2", SLOW))
        ]
    finally:
        engine.dispose()
    return path, outcomes


def test_list_shows_newest_first(run: Run, history_db: tuple[Path, list[GateOutcome]]) -> None:
    """The list holds both evaluations, the failing (newest) first, with labels and results."""
    path, (passed, failed) = history_db
    result = run("evaluations", "list", "--db", path, "-o", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [entry["id"] for entry in listed] == [failed.finished_id, passed.finished_id]
    assert [entry["data"]["result"] for entry in listed] == ["fail", "pass"]
    assert listed[0]["data"]["labels"] == {"buildId": "2"}
    assert listed[0]["invalidated"] is False


def test_list_table_and_filters(run: Run, history_db: tuple[Path, list[GateOutcome]]) -> None:
    """The table names the service and results; a filter on another stage lists nothing."""
    path, (passed, _) = history_db
    result = run("evaluations", "list", "--db", path, "--project", "fulltour")
    assert result.exit_code == 0
    assert passed.finished_id in result.stdout
    assert "helloservice" in result.stdout
    assert "buildId=1" in result.stdout
    empty = run("evaluations", "list", "--db", path, "--stage", "production", "-o", "json")
    assert json.loads(empty.stdout) == []


def test_show_explains_the_stored_evaluation(run: Run, history_db: tuple[Path, list[GateOutcome]]) -> None:
    """show prints the objective table and the sentence, rebuilt from the stored payload and SLO."""
    path, (_, failed) = history_db
    result = run("evaluations", "show", failed.finished_id, "--db", path)
    assert result.exit_code == 0, result.output
    assert "HTTP Response Time (key)" in result.stdout
    assert "fail: key SLI 'HTTP Response Time' failed (0.41 > 0.2)" in result.stdout
    as_json = json.loads(run("evaluations", "show", failed.finished_id, "--db", path, "-o", "json").stdout)
    assert as_json["data"]["evaluation"]["comparedEvents"] == [history_db[1][0].finished_id]


def test_invalidate_marks_and_is_idempotent(run: Run, history_db: tuple[Path, list[GateOutcome]]) -> None:
    """invalidate marks the evaluation ignored; a second call says it already is; list shows the mark."""
    path, (passed, _) = history_db
    first = run("evaluations", "invalidate", passed.finished_id, "--db", path, "--reason", "broken test")
    assert first.exit_code == 0
    assert "now ignored for comparisons" in first.stdout
    engine = open_database(f"sqlite:///{path}")
    try:
        (invalidation,) = SqlEventStore(engine).find(type="sh.keptn.event.evaluation.invalidated")
    finally:
        engine.dispose()
    assert invalidation.data["evaluation"] == {"reason": "broken test"}
    again = run("evaluations", "invalidate", passed.finished_id, "--db", path)
    assert again.exit_code == 0
    assert "already ignored" in again.stdout
    listed = json.loads(run("evaluations", "list", "--db", path, "-o", "json").stdout)
    assert {entry["id"]: entry["invalidated"] for entry in listed}[passed.finished_id] is True
    shown = run("evaluations", "show", passed.finished_id, "--db", path)
    assert "ignored for comparisons" in shown.stdout


@pytest.mark.parametrize("command", ["show", "invalidate"])
def test_unknown_id_is_one_line_error(
    run: Run, history_db: tuple[Path, list[GateOutcome]], command: str
) -> None:
    """An unknown id exits 2 with one line naming it and the command that lists ids."""
    path, _ = history_db
    result = run("evaluations", command, "no-such-id", "--db", path)
    assert_one_line_error(result, "no evaluation with id 'no-such-id'", "slogate evaluations list")


def test_unusable_database_is_one_line_error(run: Run, tmp_path: Path) -> None:
    """A database path that is a directory gives one line naming it, exit 2."""
    result = run("evaluations", "list", "--db", tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert str(tmp_path) in result.stderr
    assert "Traceback" not in result.stderr


def test_plugins_lists_the_prometheus_provider(run: Run) -> None:
    """The built-in Prometheus provider is registered in slogate.sli_providers and loads."""
    result = run("plugins", "-o", "json")
    assert result.exit_code == 0, result.output
    plugins = {(p["group"], p["name"]): p for p in json.loads(result.stdout)}
    prometheus = plugins[("slogate.sli_providers", "prometheus")]
    assert prometheus["error"] == ""
    assert prometheus["distribution"] == "slogate"
    table = run("plugins")
    assert "prometheus" in table.stdout
    assert "loaded" in table.stdout
