"""The data-sufficiency example in docs/quality-gate.md lints clean and judges as the page says."""

from __future__ import annotations

from pathlib import Path

from slogate.adapters.yamlfile import load_document
from slogate.services.usecases.offline_gate import evaluate, lint, load_slo
from tests.unit.conftest import sli_results

PAGE = Path(__file__).resolve().parents[2] / "docs" / "quality-gate.md"


def example() -> str:
    section = PAGE.read_text(encoding="utf-8").split("## Data sufficiency\n", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_example_lints_clean() -> None:
    assert lint(load_slo(example(), "slo.yaml", load_document), None, "") == []


def test_the_example_judges_as_the_page_says() -> None:
    loaded = load_slo(example(), "slo.yaml", load_document)
    values = (("request_count", 12.0), ("response_time_p95", 300.0), ("error_rate", 0.0))
    report = evaluate(loaded, sli_results(*values), ())
    page = " ".join(PAGE.read_text(encoding="utf-8").split())
    assert report.event.message in page
    assert report.explanation in page
    assert (report.event.result, report.event.evaluation.result) == ("warning", "pass")
