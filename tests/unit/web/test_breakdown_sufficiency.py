"""The Bridge's SLI breakdown shows what a data-sufficiency rule decided, with the reason."""

from __future__ import annotations

from slogate.adapters.yamlfile import load_document
from slogate.services.usecases.offline_gate import evaluate, load_slo
from slogate.web.breakdown import SLIRow, sli_rows
from slogate.web.pages import templates
from tests.unit.conftest import sli_results

SLO = (
    "objectives:\n  - sli: request_count\n  - sli: p95\n    pass: [{criteria: ['<600']}]\n"
    "    traffic_floor: {sli: request_count, min: 100}\n    on_insufficient: warning\n"
    "  - sli: errors\n    pass: [{criteria: ['<1']}]\n"
    "total_score: {pass: '90%', warning: '50%'}\n"
)


def rows_for(requests: float) -> list[SLIRow]:
    report = evaluate(
        load_slo(SLO, "slo.yaml", load_document),
        sli_results(("request_count", requests), ("p95", 300.0), ("errors", 0.0)),
        (),
    )
    return sli_rows(report)


def test_row_carries_word_and_reason() -> None:
    row = next(r for r in rows_for(12) if r.name == "p95")
    assert (row.status, row.result, row.data_word) == ("warning", "warning", "insufficient data")
    assert row.data_reason == "request_count 12 < 100 (traffic floor of p95)"
    html = templates.get_template("_eval_table.html").render(rows=rows_for(12))
    cell = html[html.index('<tr data-sli="p95"') :]
    cell = cell[: cell.index("</tr>")]
    assert '<span class="word insufficient" data-testid="data-sufficiency">insufficient data</span>' in cell
    assert "request_count 12 &lt; 100 (traffic floor of p95)" in cell


def test_sufficient_rows_are_unchanged() -> None:
    rows = rows_for(500)
    assert all(not r.data_word and not r.data_reason for r in rows)
    assert "data-sufficiency" not in templates.get_template("_eval_table.html").render(rows=rows)


def test_informational_by_rule_points_note() -> None:
    text = SLO.replace("    on_insufficient: warning\n", "")
    report = evaluate(
        load_slo(text, "slo.yaml", load_document),
        sli_results(("request_count", 1.0), ("p95", 300.0), ("errors", 0.0)),
        (),
    )
    row = next(r for r in sli_rows(report) if r.name == "p95")
    assert (row.result, row.points, row.points_note) == (
        "",
        "-",
        "no score: its data-sufficiency rule counts it as informational",
    )
    html = templates.get_template("_eval_table.html").render(rows=[row])
    assert '<span class="word info">info</span>' in html
