"""The evaluation heatmap as data: a Score row and one row per SLI over the last evaluations (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from slogate.domain.evaluation.criteria import CriterionError, parse_criterion
from slogate.domain.evaluation.slo import SLO
from slogate.domain.gonumbers import format_go_float
from slogate.domain.protocol.gate_events import (
    FAIL,
    INFO,
    PASS,
    WARNING,
    EvaluationFinished,
    IndicatorResult,
    KeptnEvent,
    Target,
)

# Keptn Bridge's heatmap colours (bridge-ui.md §1.1, §7.2)
CELL_COLOURS = {PASS: "#7dc540", WARNING: "#e6be00", FAIL: "#dc172a", INFO: "#ddf4ff"}
UNKNOWN_COLOUR = "#cccccc"
ROW_LIMIT = 10  # Score + 9 SLIs unless all are asked for
SCORE_ROW = "Score"


@dataclass(frozen=True, slots=True)
class Evaluated:
    """One stored evaluation, decoded once: ``finished``/``slo`` are None when they cannot be read."""

    event: KeptnEvent
    finished: EvaluationFinished | None
    slo: SLO | None
    invalidated: bool


@dataclass(frozen=True, slots=True)
class Column:
    """One evaluation of the heatmap (oldest on the left)."""

    event_id: str
    label: str
    result: str
    score: float
    href: str
    invalidated: bool
    selected: bool
    compared: bool

    @property
    def score_shown(self) -> str:
        """The score as every page writes it."""
        return score_text(self.score)


@dataclass(frozen=True, slots=True)
class Cell:
    """One coloured cell; ``tooltip`` lines say value, compared value, points and targets."""

    status: str
    colour: str
    tooltip: str


@dataclass(frozen=True, slots=True)
class Row:
    """The Score row or one SLI's row; a cell is None where the SLI is absent from that evaluation."""

    name: str
    cells: tuple[Cell | None, ...]
    score_row: bool = False


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Columns oldest first, rows Score first then SLIs in the SLO's order; ``hidden`` rows were cut."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    hidden: int


def evaluation_href(event: KeptnEvent) -> str:
    """The deep link of one evaluation: its context and its event id."""
    return f"/bridge/evaluation/{quote(event.shkeptncontext, safe='')}/{quote(event.id, safe='')}"


def colour_of(status: str) -> str:
    """The cell colour of a status word."""
    return CELL_COLOURS.get(status, UNKNOWN_COLOUR)


def number(value: float) -> str:
    """An SLI value, compared value or target: six significant digits (``0.00412346``, ``1.5e+06``)."""
    return f"{value:.6g}"


def score_text(score: float) -> str:
    """A score (or an SLI's points) as every page shows it: at most two decimals (``33.33``, ``100``)."""
    return format_go_float(round(score, 2))


def column_labels(evaluations: Sequence[Evaluated]) -> list[str]:
    """The ``buildId`` label, else the finish time ``YYYY-MM-DD HH:mm``; repeats get `` (n)``."""
    labels: list[str] = []
    seen: dict[str, int] = {}
    for item in evaluations:
        build = (item.event.data.get("labels") or {}).get("buildId")
        label = str(build) if build else item.event.time.strftime("%Y-%m-%d %H:%M")
        count = seen.get(label, 0)
        seen[label] = count + 1
        labels.append(label if count == 0 else f"{label} ({count})")
    return labels


def sli_name(result: IndicatorResult) -> str:
    """The display name, falling back to the metric name."""
    return result.display_name or (result.value.metric if result.value is not None else "") or "(unnamed)"


def named_results(finished: EvaluationFinished | None) -> dict[str, IndicatorResult]:
    """Each SLI result by its row name; a name repeated in one evaluation gets `` (n)``."""
    named: dict[str, IndicatorResult] = {}
    if finished is None:
        return named
    for result in finished.evaluation.indicator_results or ():
        name, count = sli_name(result), 1
        while name in named:
            name, count = f"{sli_name(result)} ({count})", count + 1
        named[name] = result
    return named


def sli_names(named: Sequence[Mapping[str, IndicatorResult]]) -> list[str]:
    """Row names in the SLO's order: the newest evaluation's objectives first (``named`` runs oldest
    first), then the names only older evaluations had."""
    return list(dict.fromkeys(name for results in reversed(named) for name in results))


def sli_order(evaluations: Sequence[Evaluated]) -> list[tuple[str, int, IndicatorResult]]:
    """Each SLI result of ``evaluations`` (oldest first) as (row name, evaluation index, result), by
    row in the SLO's order, then oldest first."""
    named = [named_results(item.finished) for item in evaluations]
    return [
        (name, index, results[name])
        for name in sli_names(named)
        for index, results in enumerate(named)
        if name in results
    ]


def max_points(slo: SLO | None) -> float:
    """The sum of the weights of scored objectives (0 when the SLO is unknown)."""
    if slo is None:
        return 0.0
    return float(sum(o.weight for o in slo.objectives if not o.informational))


def is_relative(criteria: str) -> bool:
    """Whether a criterion compares with the baseline (``+10%``, ``-5``…); unreadable ones are not."""
    try:
        return parse_criterion(criteria).relative
    except CriterionError:
        return False


def criterion_text(target: Target, compared: bool) -> str:
    """The criterion as written; a relative one with a baseline shows its computed threshold."""
    text = target.criteria.strip()
    if compared and is_relative(text):
        text += f" (target {number(target.target_value)})"
    return text


def criteria_lines(targets: tuple[Target, ...] | None, compared: bool) -> str:
    """Targets joined with "and"; violated ones marked ✗ (violated), the others ✓."""
    shown = [
        ("✗ " if t.violated else "✓ ") + criterion_text(t, compared) + (" (violated)" if t.violated else "")
        for t in targets or ()
    ]
    return " and ".join(shown) if shown else "none"


def sli_tooltip(name: str, result: IndicatorResult, slo: SLO | None, compared: bool) -> str:
    """Value, compared value, points, key SLI and both criteria lists of one SLI cell."""
    value = result.value
    if value is None:
        shown = "Value: none"
    elif not value.success:
        shown = f"Value: could not be retrieved ({value.message or 'no message'})"
    else:
        shown = f"Value: {number(value.value)}"
    lines = [name, shown]
    if value is not None and value.success and compared and result.status != INFO:
        lines.append(f"Compared value: {number(value.compared_value)}")
    maximum = max_points(slo)
    if result.status != INFO and maximum:
        lines.append(f"Score: {score_text(result.score / maximum * 100)}")
    lines.append(f"Key SLI: {'true' if result.key_sli else 'false'}")
    lines.append(f"Pass criteria: {criteria_lines(result.pass_targets, compared)}")
    lines.append(f"Warning criteria: {criteria_lines(result.warning_targets, compared)}")
    lines.append(f"Result: {result.status}")
    return "\n".join(lines)


def score_tooltip(item: Evaluated) -> str:
    """Score, how many SLIs passed/warned/failed, and the total-score thresholds."""
    finished = item.finished
    if finished is None:
        return f"Score: unreadable evaluation ({item.event.data.get('result', '')})"
    results = finished.evaluation.indicator_results or ()
    counts = {word: sum(1 for r in results if r.status == word) for word in (PASS, WARNING, FAIL)}
    lines = [
        f"Score: {score_text(finished.evaluation.score)}",
        f"Result: {finished.result}" + (" (ignored for comparison)" if item.invalidated else ""),
        f"Total passed SLIs: {counts[PASS]}",
        f"Total warning SLIs: {counts[WARNING]}",
        f"Total failed SLIs: {counts[FAIL]}",
    ]
    total = item.slo.total_score if item.slo is not None else None
    if total is not None:
        lines.append(f"Threshold — pass: {total.pass_ or '-'}, warning: {total.warning or '-'}")
    if finished.message and not results:
        lines.append(finished.message)
    return "\n".join(lines)


def result_of(item: Evaluated) -> str:
    """The evaluation's overall result word."""
    return item.finished.result if item.finished is not None else str(item.event.data.get("result", ""))


def build_heatmap(newest_first: Sequence[Evaluated], selected_id: str, show_all: bool = False) -> Heatmap:
    """The heatmap of ``newest_first`` (as the store answers) with ``selected_id`` highlighted and the
    evaluations it was compared with marked."""
    evaluations = list(reversed(newest_first))
    selected = next((e for e in evaluations if e.event.id == selected_id), None)
    compared_ids: frozenset[str] = frozenset()
    if selected is not None and selected.finished is not None:
        compared_ids = frozenset(selected.finished.evaluation.compared_events)
    columns = tuple(
        Column(
            event_id=item.event.id,
            label=label,
            result=result_of(item),
            score=item.finished.evaluation.score if item.finished is not None else 0.0,
            href=evaluation_href(item.event),
            invalidated=item.invalidated,
            selected=item.event.id == selected_id,
            compared=item.event.id in compared_ids,
        )
        for item, label in zip(evaluations, column_labels(evaluations), strict=True)
    )
    score_row = Row(
        SCORE_ROW,
        tuple(Cell(result_of(e), colour_of(result_of(e)), score_tooltip(e)) for e in evaluations),
        score_row=True,
    )
    named = [named_results(e.finished) for e in evaluations]
    names = sli_names(named)
    rows = [score_row]
    for name in names:
        cells: list[Cell | None] = []
        for item, results in zip(evaluations, named, strict=True):
            result = results.get(name)
            if result is None:
                cells.append(None)
                continue
            compared = bool(item.finished and item.finished.evaluation.compared_events)
            tooltip = sli_tooltip(name, result, item.slo, compared)
            cells.append(Cell(result.status, colour_of(result.status), tooltip))
        rows.append(Row(name, tuple(cells)))
    shown = rows if show_all else rows[:ROW_LIMIT]
    return Heatmap(columns, tuple(shown), len(rows) - len(shown))
