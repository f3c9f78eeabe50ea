"""The evaluation chart's geometry for a server-rendered SVG: the score on its 0–100 axis, then one
panel per SLI on its own axis with its real values (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slogate.web.heatmap import (
    Evaluated,
    colour_of,
    evaluation_href,
    number,
    result_of,
    score_text,
    sli_order,
)

WIDTH = 1000  # the viewBox's width at least; the SVG fills the page's width
LEFT, RIGHT = 84, 24
MIN_STEP = 22  # px per evaluation at least: a long history widens the chart (it then scrolls)
SCORE_TOP, SCORE_HEIGHT = 28, 220
PANEL, PANEL_GAP = 64, 40  # each SLI's panel and the room above it for its name
CHAR = 6.5  # px per character of a rotated column label (at 45°: ~0.7 of it downwards)
BAR_MAX = 24
PALETTE = (
    "#006bba", "#a30f7f", "#00a1b2", "#f28b1a", "#5b3fa0", "#2c8a3d", "#c6395b",
    "#4d6b8a", "#b28600", "#0b7a75", "#8a4d1f", "#7a5cc6", "#c24e00", "#3d5a1f",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Bar:
    """One score bar (and the score line's point at its top)."""

    x: float
    y: float
    height: float
    colour: str
    title: str
    width: float = 6.0
    href: str = ""  # the evaluation's board: a click selects it, as in Keptn's chart


@dataclass(frozen=True, slots=True)
class Line:
    """One SLI's panel: its own axis (``low``..``high`` in real values) and its points' titles."""

    name: str
    colour: str
    path: str
    points: tuple[tuple[float, float, str], ...]
    top: float  # the panel's top y
    bottom: float
    low: str  # the axis labels: the smallest and largest value shown ("" when there is no spread)
    high: str
    title: str = ""  # the panel's heading: the name, and the value when it never changed


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the SVG template draws."""

    width: int
    height: int
    plot_top: float
    plot_bottom: float  # of the score panel
    left: float
    right: float
    grid: tuple[tuple[float, str], ...]
    bars: tuple[Bar, ...]
    score_path: str
    labels: tuple[tuple[float, str], ...]
    labels_y: float
    lines: tuple[Line, ...]


def _path(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def build_chart(newest_first: Sequence[Evaluated], labels: Sequence[str]) -> Chart:
    """The chart of ``newest_first`` (oldest drawn on the left), with the heatmap's column labels."""
    evaluations = list(reversed(newest_first))
    count = max(len(evaluations), 1)
    width = max(WIDTH, LEFT + RIGHT + count * MIN_STEP)
    step = (width - LEFT - RIGHT) / count
    xs = [LEFT + step / 2 + index * step for index in range(len(evaluations))]
    bottom = SCORE_TOP + SCORE_HEIGHT
    bars: list[Bar] = []
    for index, item in enumerate(evaluations):
        score = item.finished.evaluation.score if item.finished is not None else 0.0
        height = max(0.0, min(score, 100.0)) / 100 * SCORE_HEIGHT
        title = f"{labels[index]}: score {score_text(score)} ({result_of(item)})"
        bar = min(BAR_MAX, max(4.0, step * 0.4))
        colour, href = colour_of(result_of(item)), evaluation_href(item.event)
        bars.append(Bar(xs[index], bottom - height, height, colour, title, bar, href))
    grid = tuple((bottom - SCORE_HEIGHT * level / 100, str(level)) for level in (0, 25, 50, 75, 100))
    lines = _sli_panels(evaluations, labels, xs, bottom)
    labels_y = (lines[-1].bottom if lines else bottom) + 8
    longest = max((len(label) for label in labels), default=0)
    return Chart(
        width=int(width),
        height=int(labels_y + 24 + longest * CHAR * 0.7),
        plot_top=SCORE_TOP,
        plot_bottom=bottom,
        left=LEFT,
        right=width - RIGHT,
        grid=grid,
        bars=tuple(bars),
        score_path=_path([(bar.x, bar.y) for bar in bars]),
        labels=tuple(zip(xs, labels, strict=False)),
        labels_y=labels_y,
        lines=lines,
    )


def _sli_panels(
    evaluations: Sequence[Evaluated], labels: Sequence[str], xs: Sequence[float], top: float
) -> tuple[Line, ...]:
    """One panel per SLI in the SLO's order, each scaled between its own smallest and largest value."""
    values: dict[str, dict[int, float]] = {}
    for name, index, result in sli_order(evaluations):
        if result.value is not None and result.value.success:
            values.setdefault(name, {})[index] = result.value.value
        else:
            values.setdefault(name, {})
    lines: list[Line] = []
    for position, (name, series) in enumerate(values.items()):
        panel_top = top + PANEL_GAP + position * (PANEL + PANEL_GAP)
        low, high = (min(series.values()), max(series.values())) if series else (0.0, 0.0)
        points = tuple(
            (xs[i], _y(v, panel_top, low, high), f"{name} at {labels[i]}: {number(v)}")
            for i, v in sorted(series.items())
        )
        colour = PALETTE[position % len(PALETTE)]
        path = _path([(x, y) for x, y, _ in points])
        if not series:
            title, shown = f"{name} (no value)", ("", "")
        elif low == high:  # one value throughout: said in the title, drawn mid-panel
            title, shown = f"{name} ({number(low)} throughout)", ("", "")
        else:
            title, shown = name, (number(low), number(high))
        lines.append(Line(name, colour, path, points, panel_top, panel_top + PANEL, *shown, title))
    return tuple(lines)


def _y(value: float, panel_top: float, low: float, high: float) -> float:
    """Where ``value`` goes in a panel spanning ``low``..``high``; one value alone is drawn mid-panel."""
    share = (value - low) / (high - low) if high > low else 0.5
    return panel_top + PANEL - share * PANEL
