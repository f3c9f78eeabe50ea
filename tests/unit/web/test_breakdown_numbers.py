"""The SLI table and score header write numbers one way: two decimals for scores, info SLIs uncompared."""

from __future__ import annotations

import dataclasses

from slogate.adapters.yamlfile import load_document
from slogate.services.usecases.offline_gate import GateReport, evaluate, load_slo
from slogate.web.breakdown import score_header, sli_rows
from tests.unit.conftest import sli_results

SLO = (
    "objectives:\n  - sli: requests\n  - sli: p95\n    pass: [{criteria: ['<600']}]\n"
    "  - sli: errors\n    pass: [{criteria: ['<1']}]\n  - sli: cpu\n    pass: [{criteria: ['<1']}]\n"
    "total_score: {pass: '90%', warning: '50%'}\n"
)


def compared_report() -> GateReport:
    """p95 passes, errors and cpu fail: a score of 33.333…, compared with one earlier evaluation."""
    report = evaluate(
        load_slo(SLO, "slo.yaml", load_document),
        sli_results(("requests", 12.0), ("p95", 300.0), ("errors", 3.0), ("cpu", 2.0)),
        (),
    )
    evaluation = dataclasses.replace(report.event.evaluation, compared_events=("earlier",))
    return dataclasses.replace(report, event=dataclasses.replace(report.event, evaluation=evaluation))


def test_the_score_reads_33_33_in_the_header_and_the_points_with_two_decimals() -> None:
    report = compared_report()
    assert round(report.event.evaluation.score, 6) == 33.333333
    assert score_header(report).score == "33.33"
    p95 = next(row for row in sli_rows(report) if row.name == "p95")
    assert p95.points == "33.33/33.33"


def test_an_informational_sli_shows_no_compared_value() -> None:
    rows = {row.name: row for row in sli_rows(compared_report())}
    assert (rows["requests"].compared, rows["requests"].change) == ("", "")
    assert rows["p95"].compared == "0"  # a scored SLI shows its baseline, even 0
