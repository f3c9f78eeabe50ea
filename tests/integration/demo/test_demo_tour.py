"""``make demo``: the offline tour runs real slogate commands and tells the tutorial's story."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slogate.demo.tour import BUILDS, run_tour


@pytest.mark.slow
def test_tour_records_pass_fail_pass_warning(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """v0.1.1 passes, v0.1.2 fails on its key SLI, v0.1.3 passes against v0.1.1, v0.1.4 warns."""
    monkeypatch.setenv("COLUMNS", "250")
    run_tour(tmp_path)
    history = json.loads((tmp_path / "history.json").read_text(encoding="utf-8"))
    assert len(history) == len(BUILDS)
    oldest_first = list(reversed(history))
    results = [entry["data"]["result"] for entry in oldest_first]
    assert results == ["pass", "fail", "pass", "warning"]
    assert oldest_first[1]["data"]["message"] == (
        "Evaluation failed due to key_sli objective 'HTTP Response Time': "
        "failed evaluation with score 0.000000"
    )
    # include_result_with_score: pass -> the failed v0.1.2 is skipped, v0.1.3 compares with v0.1.1.
    assert oldest_first[2]["data"]["evaluation"]["comparedEvents"] == [oldest_first[0]["id"]]
    output = capfd.readouterr().out
    assert "fail: key SLI 'HTTP Response Time' failed (0.41 > 0.2)" in output
    assert "(exit code 1)" in output
    assert "5 error(s)" in output
