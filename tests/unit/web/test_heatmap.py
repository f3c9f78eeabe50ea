"""The heatmap model: column order and labels, row order, cell colours, selection and compared marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, KeptnEvent
from slogate.domain.protocol.gate_json import decode_evaluation_finished
from slogate.web.chart import build_chart
from slogate.web.heatmap import ROW_LIMIT, Evaluated, build_heatmap, column_labels, score_text

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _result(name: str, status: str, value: float, violated: bool = False) -> dict[str, Any]:
    return {
        "score": 1.0 if status == "pass" else 0.0,
        "status": status,
        "displayName": name,
        "keySli": False,
        "value": {"metric": name.lower(), "value": value, "comparedValue": 1.0, "success": True},
        "passTargets": [{"criteria": "<=+10%", "targetValue": 1.1, "violated": violated}],
        "warningTargets": None,
    }


def _evaluated(
    index: int, result: str, results: list[dict[str, Any]], compared: tuple[str, ...] = (), build: str = ""
) -> Evaluated:
    data: dict[str, Any] = {
        "project": "p",
        "stage": "qa",
        "service": "s",
        "result": result,
        "status": "succeeded",
        "evaluation": {
            "timeStart": "2026-11-26T11:00:00.000Z",
            "timeEnd": "2026-11-26T11:05:00.000Z",
            "result": result,
            "score": 100.0 if result == "pass" else 0.0,
            "sloFileContent": "",
            "indicatorResults": results,
            "comparedEvents": list(compared),
        },
    }
    if build:
        data["labels"] = {"buildId": build}
    event = KeptnEvent(f"e{index}", EVALUATION_FINISHED, "lighthouse-service", T0 + timedelta(minutes=index),
                       f"ctx{index}", data, triggeredid=f"t{index}")  # fmt: skip
    return Evaluated(event, decode_evaluation_finished(data), None, invalidated=False)


def _history() -> list[Evaluated]:
    """Newest first, as the store answers."""
    first = _evaluated(
        1, "pass", [_result("Latency", "pass", 1.0), _result("Errors", "pass", 0.0)], build="b1"
    )
    second = _evaluated(2, "warning", [_result("Latency", "warning", 1.05)], compared=("e1",))
    results = [_result("Latency", "fail", 2.0, violated=True), _result("Info", "info", 5.0)]
    third = _evaluated(3, "fail", results, compared=("e1",), build="b1")
    return [third, second, first]


def test_columns_run_oldest_first_with_build_ids_or_times_and_repeated_labels_numbered() -> None:
    heatmap = build_heatmap(_history(), selected_id="e3")
    assert [c.event_id for c in heatmap.columns] == ["e1", "e2", "e3"]
    assert [c.label for c in heatmap.columns] == ["b1", "2026-11-26 12:02", "b1 (1)"]
    assert next(c.href for c in heatmap.columns) == "/bridge/evaluation/ctx1/e1"


def test_rows_are_score_then_slis_in_the_slos_order_with_empty_cells_where_absent() -> None:
    """The newest evaluation's objectives in their order (not alphabetically), then older-only ones."""
    heatmap = build_heatmap(_history(), selected_id="e3")
    assert [r.name for r in heatmap.rows] == ["Score", "Latency", "Info", "Errors"]
    errors = heatmap.rows[3]
    assert errors.cells[1] is None
    assert errors.cells[2] is None
    assert heatmap.rows[0].score_row


def test_cells_are_coloured_by_status() -> None:
    heatmap = build_heatmap(_history(), selected_id="e3")
    score, latency, info, _ = heatmap.rows
    assert [c.colour for c in score.cells if c] == ["#7dc540", "#e6be00", "#dc172a"]
    assert [c.colour for c in latency.cells if c] == ["#7dc540", "#e6be00", "#dc172a"]
    assert info.cells[2] is not None
    assert info.cells[2].colour == "#ddf4ff"


def test_the_selected_column_and_those_it_was_compared_with_are_marked() -> None:
    heatmap = build_heatmap(_history(), selected_id="e3")
    assert [(c.selected, c.compared) for c in heatmap.columns] == [
        (False, True),
        (False, False),
        (True, False),
    ]
    again = build_heatmap(_history(), selected_id="e1")
    assert [c.compared for c in again.columns] == [False, False, False]


def test_tooltips_give_value_compared_value_and_violated_targets() -> None:
    latency = build_heatmap(_history(), selected_id="e3").rows[1]
    tooltip = latency.cells[2].tooltip if latency.cells[2] else ""
    assert "Value: 2" in tooltip
    assert "Compared value: 1" in tooltip
    assert "✗ <=+10% (target 1.1) (violated)" in tooltip
    score = build_heatmap(_history(), selected_id="e3").rows[0].cells[0]
    assert score is not None
    assert "Total passed SLIs: 2" in score.tooltip


def test_rows_beyond_the_limit_are_hidden_unless_all_are_asked_for() -> None:
    many = [_evaluated(1, "pass", [_result(f"SLI {i:02d}", "pass", 1.0) for i in range(15)])]
    assert len(build_heatmap(many, "e1").rows) == ROW_LIMIT
    assert build_heatmap(many, "e1").hidden == 16 - ROW_LIMIT
    assert len(build_heatmap(many, "e1", show_all=True).rows) == 16


def test_the_chart_draws_a_bar_per_evaluation_coloured_by_result() -> None:
    history = _history()
    chart = build_chart(history, column_labels(list(reversed(history))))
    assert [b.colour for b in chart.bars] == ["#7dc540", "#e6be00", "#dc172a"]
    assert chart.bars[0].height > chart.bars[1].height == 0.0
    assert [line.name for line in chart.lines] == ["Latency", "Info", "Errors"]  # the SLO's order


def test_the_chart_fills_the_width_and_gives_each_sli_its_own_axis_with_real_values() -> None:
    history = _history()
    chart = build_chart(history, column_labels(list(reversed(history))))
    assert chart.width >= 1000  # drawn at the page's width, never a 220 px strip
    latency, info, errors = chart.lines
    assert (latency.low, latency.high) == ("1", "2")  # its own axis, in its own unit
    assert latency.top >= chart.plot_bottom  # below the score panel, not over the 0-100 axis
    assert info.top >= latency.bottom
    assert errors.top >= info.bottom
    ys = [y for _, y, _ in latency.points]
    assert (ys[0], ys[-1]) == (latency.bottom, latency.top)  # smallest at the bottom, largest on top
    assert [title for _, _, title in latency.points][-1] == "Latency at b1 (1): 2"
    assert [y for _, y, _ in info.points] == [(info.top + info.bottom) / 2]  # one value: mid-panel
    assert (info.title, info.low, info.high) == ("Info (5 throughout)", "", "")
    wide = build_chart([_evaluated(i, "pass", []) for i in range(60)], [str(i) for i in range(60)])
    assert wide.width >= 60 * 22  # a long history widens the chart instead of squeezing it
    assert wide.lines == ()


def test_an_sli_without_any_value_gets_an_empty_panel() -> None:
    failed = _result("Latency", "fail", 0.0)
    failed["value"]["success"] = False
    chart = build_chart([_evaluated(1, "fail", [failed])], ["b1"])
    (line,) = chart.lines
    assert (line.points, line.title) == ((), "Latency (no value)")


def test_scores_read_with_two_decimals_everywhere_and_info_slis_compare_with_nothing() -> None:
    item = _evaluated(1, "fail", [_result("Latency", "fail", 2.0), _result("Info", "info", 5.0)], ("e0",))
    finished = item.finished
    assert finished is not None
    data = dict(item.event.data)
    data["evaluation"] = {**data["evaluation"], "score": 100 / 3}
    odd = Evaluated(item.event, decode_evaluation_finished(data), None, invalidated=False)
    heatmap = build_heatmap([odd], "e1")
    score = heatmap.rows[0].cells[0]
    assert score is not None
    assert "Score: 33.33\n" in score.tooltip
    assert heatmap.columns[0].score_shown == "33.33"
    assert score_text(100.0) == "100"
    assert score_text(66.666666) == "66.67"
    info = heatmap.rows[2].cells[0]
    assert info is not None
    assert "Compared value" not in info.tooltip
    latency = heatmap.rows[1].cells[0]
    assert latency is not None
    assert "Compared value: 1" in latency.tooltip
