"""Data-sufficiency keys end to end: `slo lint` accepts them, rejects typos; `slo evaluate` shows them."""

from __future__ import annotations

import json
from pathlib import Path

from .cli_helpers import Run, write_json

SLO = """\
objectives:
  - sli: request_count
  - sli: response_time_p95
    pass: [{criteria: ["<600"]}]
    on_no_data: warning
    traffic_floor: {sli: request_count, min: 100}
    on_insufficient: informational
  - sli: error_rate
    pass: [{criteria: ["<1"]}]
sufficiency:
  on_insufficient: warning
total_score: {pass: "90%", warning: "75%"}
"""
NOTE = "insufficient data: request_count 12 < 100 (traffic floor of response_time_p95)"


def sli_file(tmp_path: Path, requests: float) -> Path:
    values = [
        {"metric": "request_count", "value": requests, "success": True},
        {"metric": "response_time_p95", "value": 300, "success": True},
        {"metric": "error_rate", "value": 0, "success": True},
    ]
    document = {
        "project": "sockshop",
        "stage": "staging",
        "service": "carts",
        "get-sli": {
            "start": "2024-05-06T10:00:00.000Z",
            "end": "2024-05-06T10:05:00.000Z",
            "indicatorValues": values,
        },
    }
    return write_json(tmp_path / "sli.json", document)


def test_lint_accepts_the_keys(run: Run, tmp_path: Path) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(SLO)
    result = run("slo", "lint", slo, "-o", "json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["problems"] == []


def test_lint_rejects_typos_and_bad_values(run: Run, tmp_path: Path) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(SLO.replace("on_no_data", "on_nodata").replace("traffic_floor", "traffic_flor"))
    result = run("slo", "lint", slo, "-o", "json")
    assert result.exit_code == 1
    messages = {p["path"]: p["message"] for p in json.loads(result.stdout)["problems"]}
    assert "(did you mean 'on_no_data'?)" in messages["objectives[1].on_nodata"]
    assert "(did you mean 'traffic_floor'?)" in messages["objectives[1].traffic_flor"]
    slo.write_text(
        SLO.replace("min: 100", "min: -1").replace("on_insufficient: informational", "on_insufficient: skip")
    )
    result = run("slo", "lint", slo, "-o", "json")
    assert result.exit_code == 1
    messages = {p["path"]: p["message"] for p in json.loads(result.stdout)["problems"]}
    assert messages["objectives[1].traffic_floor.min"].startswith("-1 is negative")
    assert messages["objectives[1].on_insufficient"].startswith("'skip' is not one of")


def test_evaluate_shows_the_insufficiency(run: Run, tmp_path: Path) -> None:
    """Below the floor: warning (the objectives alone pass), the note in JSON, the table and the sentence."""
    slo = tmp_path / "slo.yaml"
    slo.write_text(SLO)
    result = run("slo", "evaluate", "--slo", slo, "--sli-results", sli_file(tmp_path, 12), "-o", "json")
    document = json.loads(result.stdout)
    assert (result.exit_code, document["result"], document["evaluation"]["result"]) == (0, "warning", "pass")
    assert document["message"] == f"Evaluation returned a warning: {NOTE}"
    assert document["evaluation"]["indicatorResults"][1]["dataSufficiency"] == NOTE
    table = run("slo", "evaluate", "--slo", slo, "--sli-results", sli_file(tmp_path, 12))
    assert "insufficient data → info" in table.stdout
    assert "request_count 12 < 100" in table.stdout
    assert f"warning: {NOTE} (the objectives alone gave pass)" in " ".join(table.stdout.split())


def test_evaluate_above_the_floor_is_keptns(run: Run, tmp_path: Path) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(SLO)
    result = run("slo", "evaluate", "--slo", slo, "--sli-results", sli_file(tmp_path, 500), "-o", "json")
    document = json.loads(result.stdout)
    assert (document["result"], "message" in document) == ("pass", False)
    assert all("dataSufficiency" not in r for r in document["evaluation"]["indicatorResults"])
