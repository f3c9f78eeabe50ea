"""The selected evaluation as data: its score header and its SLI breakdown table (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from slogate.domain.evaluation.scoring import parse_threshold
from slogate.domain.evaluation.slo import SEVERAL_RESULTS, SLO
from slogate.domain.evaluation.window import WindowError, duration_text, parse_time
from slogate.domain.gonumbers import format_go_float
from slogate.domain.protocol.gate_events import ERRORED, FAIL, INFO, PASS, WARNING, IndicatorResult, Target
from slogate.services.usecases.offline_gate import GateReport
from slogate.web.heatmap import criterion_text, max_points, number, score_text, sli_name

RESULT_WORDS = {PASS: "passed", WARNING: "warning", FAIL: "failed"}
INCLUDED = {"pass": "passed", "pass_or_warn": "passed or warned"}


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion as shown: its text and whether the value violated it."""

    text: str
    violated: bool
    target: str


@dataclass(frozen=True, slots=True)
class SLIRow:
    """One objective of the SLI breakdown table."""

    name: str
    key_sli: bool
    value: str
    error: str
    compared: str
    change: str
    weight: str
    pass_criteria: tuple[Criterion, ...]
    warning_criteria: tuple[Criterion, ...]
    status: str
    result: str
    points: str
    points_note: str
    sort_points: float
    query: str = ""  # the request the SLI provider sent for it, when its answer said
    data_word: str = ""  # "insufficient data" or "no data" when a data-sufficiency rule decided the result
    data_reason: str = ""
    position: int = 0  # the objective's place in the SLO
    raw_value: float | None = None  # for sorting by value; None without one


@dataclass(frozen=True, slots=True)
class ScoreHeader:
    """Score against thresholds, verdict, key SLIs, window and comparison basis."""

    score: str
    score_status: str
    threshold_note: str
    thresholds: str
    result: str
    key_summary: str
    window: str
    comparison: str
    compared_count: int
    explanation: str
    message: str


def _criteria(targets: tuple[Target, ...] | None, compared: bool) -> tuple[Criterion, ...]:
    return tuple(
        Criterion(criterion_text(t, compared), t.violated, number(t.target_value)) for t in targets or ()
    )


def _change(result: IndicatorResult, compared: bool) -> tuple[str, str]:
    value = result.value
    if value is None or not value.success or not compared or result.status == INFO:
        return "", ""  # an informational SLI is compared with nothing
    baseline = value.compared_value
    if baseline == 0:
        return number(baseline), "n/a"
    return number(baseline), f"{(value.value - baseline) / abs(baseline) * 100.0:+.1f}%"


def _points(result: IndicatorResult, weight: int, maximum: float) -> tuple[str, str, float]:
    if result.status == INFO:
        if result.data_sufficiency:
            return "-", "no score: its data-sufficiency rule counts it as informational", -1.0
        return "-", "no score since the SLI is of type info", -1.0
    if not maximum:
        return score_text(result.score), "", result.score
    points = result.score / maximum * 100
    note = {
        FAIL: "score set to 0 because result is failed",
        WARNING: "score halved because result is warning",
    }
    shown = f"{score_text(points)}/{score_text(weight / maximum * 100)}"
    return shown, note.get(result.status, ""), points


def sli_rows(report: GateReport, queries: Mapping[str, str] | None = None) -> list[SLIRow]:
    """One row per objective, lowest points first (failures surface first, as Keptn sorts); each with
    the resolved query of its SLI from ``queries`` (by SLI name), whatever the provider."""
    details = report.event.evaluation
    compared = bool(details.compared_events)
    objectives = report.slo.objectives if report.slo is not None else ()
    maximum = max_points(report.slo)
    rows: list[SLIRow] = []
    for index, result in enumerate(details.indicator_results or ()):
        objective = objectives[index] if index < len(objectives) else None
        weight = objective.weight if objective is not None else 1
        value = result.value
        baseline, change = _change(result, compared)
        points, note, sort_points = _points(result, weight, maximum)
        error = (
            "" if value is None or value.success else (value.message or "the SLI provider returned no value")
        )
        rows.append(
            SLIRow(
                name=objective.label if objective is not None else sli_name(result),
                key_sli=result.key_sli,
                value=number(value.value) if value is not None and value.success else "-",
                error=error,
                compared=baseline,
                change=change,
                weight=str(weight),
                pass_criteria=_criteria(result.pass_targets, compared),
                warning_criteria=_criteria(result.warning_targets, compared),
                status=result.status,
                result=RESULT_WORDS.get(result.status, ""),
                points=points,
                points_note=note,
                sort_points=sort_points,
                query=(queries or {}).get(value.metric, "") if value is not None else "",
                data_word=result.data_sufficiency.partition(": ")[0],
                data_reason=result.data_sufficiency.partition(": ")[2],
                position=index,
                raw_value=value.value if value is not None and value.success else None,
            )
        )
    return sorted(rows, key=lambda row: row.sort_points)


SEVERITY = {FAIL: 0, WARNING: 1, PASS: 2}
SORTS: dict[str, Callable[[SLIRow], tuple[float | str, ...]]] = {
    "score": lambda row: (row.sort_points, row.position),
    "name": lambda row: (row.name.casefold(), row.position),
    "slo": lambda row: (row.position,),
    "value": lambda row: (row.raw_value is None, row.raw_value or 0.0, row.position),
    "weight": lambda row: (int(row.weight), row.position),
    "result": lambda row: (SEVERITY.get(row.status, 3), row.position),
}


def sort_rows(rows: Sequence[SLIRow], sort: str, descending: bool) -> list[SLIRow]:
    """The table sorted by a column of :data:`SORTS` (an unknown one: by score, lowest first)."""
    key = SORTS.get(sort, SORTS["score"])
    return sorted(rows, key=key, reverse=descending)


def _threshold_state(score: float, slo: SLO | None) -> tuple[str, str, str]:
    total = slo.total_score if slo is not None else None
    if total is None:
        return "", "", ""
    pass_, warning = parse_threshold(total.pass_ or ""), parse_threshold(total.warning or "")
    shown = f"pass ≥ {total.pass_}" + (f", warning ≥ {total.warning}" if total.warning else "")
    if pass_ is not None and score >= pass_:
        return PASS, f"≥ {format_go_float(pass_)}", shown
    if warning is not None and score >= warning:
        return WARNING, f"≥ {format_go_float(warning)}", shown
    limit = warning if warning is not None else pass_
    return FAIL, (f"< {format_go_float(limit)}" if limit is not None else ""), shown


def _key_summary(results: tuple[IndicatorResult, ...]) -> str:
    keys = [r for r in results if r.key_sli]
    if not keys:
        return ""
    failed = sum(1 for r in keys if r.status == FAIL)
    if not failed:
        return "All Key SLIs passed" if len(keys) > 1 else "The Key SLI passed"
    return f"{failed} Key SLI{'s' if failed > 1 else ''} failed"


def _window(start: str, end: str) -> str:
    try:
        began, ended = parse_time(start), parse_time(end)
    except WindowError:
        return f"{start} – {end}"
    return f"{_moment(began)} – {_moment(ended)} ({duration_text(ended - began, ' ')})"


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _comparison(slo: SLO | None, count: int) -> str:
    if count == 0:
        return "Not compared with any previous evaluation."
    if slo is None:
        return f"Compared with {count} previous evaluation{'s' if count != 1 else ''}."
    comparison = slo.comparison
    size = comparison.number_of_comparison_results if comparison.compare_with == SEVERAL_RESULTS else 1
    which = INCLUDED.get(comparison.include_result_with_score.lower(), "")
    noun = "evaluation" if size == 1 else "evaluations"
    return f"Compared with last {size if size > 1 else ''} {which} {noun}".replace("  ", " ").strip() + "."


def score_header(report: GateReport) -> ScoreHeader:
    """The header of the selected evaluation."""
    event = report.event
    details = event.evaluation
    status, note, shown = _threshold_state(details.score, report.slo)
    count = len(details.compared_events)
    return ScoreHeader(
        score=score_text(details.score),
        score_status=status,
        threshold_note=note,
        thresholds=shown,
        result=ERRORED if event.status == ERRORED else event.result,
        key_summary=_key_summary(details.indicator_results or ()),
        window=_window(details.time_start, details.time_end),
        comparison=_comparison(report.slo, count),
        compared_count=count,
        explanation=report.explanation,
        message=event.message,
    )
