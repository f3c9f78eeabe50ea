"""The evaluation chart's geometry for a server-rendered SVG: score bars and line, SLI lines (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slogate.web.heatmap import Evaluated, colour_of, named_results, number, result_of

HEIGHT = 400
TOP, BOTTOM, LEFT, RIGHT = 16, 110, 44, 56  # margins; the bottom one holds the rotated labels
STEP = 30  # px per evaluation
BAR = 5
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


@dataclass(frozen=True, slots=True)
class Line:
    """One SLI's line, scaled to its own maximum; ``points`` carry their own titles."""

    name: str
    colour: str
    path: str
    points: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the SVG template draws."""

    width: int
    height: int
    plot_top: float
    plot_bottom: float
    left: float
    right: float
    grid: tuple[tuple[float, str], ...]
    bars: tuple[Bar, ...]
    score_path: str
    labels: tuple[tuple[float, str], ...]
    lines: tuple[Line, ...]


def _x(index: int) -> float:
    return LEFT + STEP / 2 + index * STEP


def _path(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def build_chart(newest_first: Sequence[Evaluated], labels: Sequence[str]) -> Chart:
    """The chart of ``newest_first`` (oldest drawn on the left), with the heatmap's column labels."""
    evaluations = list(reversed(newest_first))
    width = int(LEFT + RIGHT + max(len(evaluations), 8) * STEP)
    bottom = HEIGHT - BOTTOM
    span = bottom - TOP
    bars: list[Bar] = []
    for index, item in enumerate(evaluations):
        score = item.finished.evaluation.score if item.finished is not None else 0.0
        height = max(0.0, min(score, 100.0)) / 100 * span
        title = f"{labels[index]}: score {number(score)} ({result_of(item)})"
        bars.append(Bar(_x(index), bottom - height, height, colour_of(result_of(item)), title))
    grid = tuple((bottom - span * level / 100, str(level)) for level in (0, 25, 50, 75, 100))
    score_path = _path([(bar.x, bar.y) for bar in bars])
    return Chart(
        width=width,
        height=HEIGHT,
        plot_top=TOP,
        plot_bottom=bottom,
        left=LEFT,
        right=width - RIGHT,
        grid=grid,
        bars=tuple(bars),
        score_path=score_path,
        labels=tuple((_x(i), label) for i, label in enumerate(labels)),
        lines=_sli_lines(evaluations, labels, bottom, span),
    )


def _sli_lines(
    evaluations: Sequence[Evaluated], labels: Sequence[str], bottom: float, span: float
) -> tuple[Line, ...]:
    values: dict[str, dict[int, float]] = {}
    for index, item in enumerate(evaluations):
        for name, result in named_results(item.finished).items():
            if result.value is not None and result.value.success:
                values.setdefault(name, {})[index] = result.value.value
    lines: list[Line] = []
    for number_, name in enumerate(sorted(values, key=str.casefold)):
        series = values[name]
        top = max((abs(v) for v in series.values()), default=0.0) or 1.0
        points = tuple(
            (_x(i), bottom - max(0.0, v) / top * span, f"{name} at {labels[i]}: {number(v)}")
            for i, v in sorted(series.items())
        )
        colour = PALETTE[number_ % len(PALETTE)]
        lines.append(Line(name, colour, _path([(x, y) for x, y, _ in points]), points))
    return tuple(lines)
