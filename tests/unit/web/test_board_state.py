"""The evaluation board's state in its URL, and the SLI table's sort orders."""

from __future__ import annotations

from slogate.web.board_state import BoardState
from slogate.web.breakdown import SLIRow, sort_rows


def row(name: str, position: int, value: float | None, weight: str, status: str, points: float) -> SLIRow:
    return SLIRow(name, False, "", "", "", "", weight, (), (), status, "", "", "", points,
                  position=position, raw_value=value)  # fmt: skip


ROWS = [
    row("latency", 0, 2.0, "1", "fail", 0.0),
    row("Errors", 1, None, "3", "pass", 50.0),
    row("cpu", 2, 0.5, "2", "warning", 25.0),
]


def test_the_default_state_has_no_query_and_changes_are_kept_together() -> None:
    state = BoardState.of("heatmap", False, "score", "asc")
    assert state.query() == ""
    assert state.query(view="chart") == "?view=chart"
    chart = BoardState.of("chart", True, "value", "desc")
    assert chart.query() == "?view=chart&all=true&sort=value&order=desc"
    assert chart.query(show_all=False) == "?view=chart&sort=value&order=desc"
    assert BoardState.of("pie", False, "nonsense", "up") == BoardState()


def test_a_header_click_sorts_by_it_and_a_second_click_reverses() -> None:
    headers = {h["key"]: h for h in BoardState(sort="name").headers("/e")}
    assert (headers["name"]["aria"], headers["name"]["arrow"]) == ("ascending", " ▲")
    assert headers["name"]["href"] == "/e?sort=name&order=desc"
    assert (headers["value"]["aria"], headers["value"]["href"]) == ("none", "/e?sort=value")
    back = {h["key"]: h for h in BoardState(sort="name", descending=True).headers("/e")}
    assert (back["name"]["aria"], back["name"]["href"], back["name"]["arrow"]) == (
        "descending",
        "/e?sort=name",
        " ▼",
    )


def test_rows_sort_by_each_column() -> None:
    def names(sort: str, descending: bool = False) -> list[str]:
        return [r.name for r in sort_rows(ROWS, sort, descending)]

    assert names("score") == ["latency", "cpu", "Errors"]
    assert names("name") == ["cpu", "Errors", "latency"]  # case-insensitive
    assert names("slo") == ["latency", "Errors", "cpu"]
    assert names("value") == ["cpu", "latency", "Errors"]  # no value last
    assert names("weight", descending=True) == ["Errors", "cpu", "latency"]
    assert names("result") == ["latency", "cpu", "Errors"]  # failures first
    assert names("bogus") == names("score")
