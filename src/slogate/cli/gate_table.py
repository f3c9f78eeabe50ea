"""The readable form of an evaluation: one row per objective, then score, verdict and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from slogate.cli import output
from slogate.domain.evaluation.criteria import parse_criterion
from slogate.domain.evaluation.nothing_evaluated import nothing_evaluated
from slogate.domain.evaluation.slo import SLO
from slogate.domain.gonumbers import format_go_float
from slogate.domain.protocol.gate_events import ERRORED, FAIL, INFO, PASS, WARNING, IndicatorResult, Target

if TYPE_CHECKING:  # the use case's module loads with the command that makes a report
    from slogate.services.usecases.offline_gate import GateReport

STATUS_STYLES = {
    PASS: "bold green",
    WARNING: "bold yellow",
    FAIL: "bold red",
    INFO: "cyan",
    ERRORED: "bold magenta",
}


def number(value: float) -> str:
    """A number for tables: six significant digits on a terminal, every digit (as in JSON, Go's
    ``%v``) when standard output is a pipe, a file or a CI log."""
    return f"{value:.6g}" if output.on_terminal() else format_go_float(value)


def _targets(targets: tuple[Target, ...] | None, compared: bool) -> Text:
    """Targets as ✓/✗ marks; relative ones show their computed threshold when there was a baseline."""
    text = Text()
    for index, target in enumerate(targets or ()):
        if index:
            text.append("  ")
        shown = target.criteria.strip()
        if compared and parse_criterion(target.criteria).relative:
            shown += f" ({number(target.target_value)})"
        if target.violated:
            text.append("✗ " + shown, style="red strike")
        else:
            text.append("✓ " + shown, style="green")
    return text


def _change(result: IndicatorResult, compared: bool) -> str:
    value = result.value
    if value is None or not value.success or not compared:
        return "–"
    baseline = value.compared_value
    if baseline == 0:
        return number(baseline)
    change = (value.value - baseline) / abs(baseline) * 100.0
    return f"{number(baseline)} ({change:+.1f}%)"


def _status(result: IndicatorResult) -> Text:
    """The status word; where a data-sufficiency rule decided it, e.g. ``insufficient data → warning``
    and the reason on the next line."""
    status = Text(result.status, style=STATUS_STYLES.get(result.status, ""))
    if not result.data_sufficiency:
        return status
    word, _, reason = result.data_sufficiency.partition(": ")
    text = Text(f"{word} → ", style="bold yellow")
    text.append_text(status)
    text.append(f"\n{reason}", style="dim")
    return text


def objectives_table(report: GateReport) -> Table:
    """One row per objective with value, baseline, targets, status and points."""
    table = Table(title="Objectives", title_justify="left", expand=False)
    for column in ("Objective", "Value", "Compared", "Pass", "Warning", "Status", "Points"):
        table.add_column(column, justify="right" if column in ("Value", "Points") else "left")
    slo = report.slo
    results = report.event.evaluation.indicator_results or ()
    compared = bool(report.event.evaluation.compared_events)
    for index, result in enumerate(results):
        objective = slo.objectives[index] if slo is not None else None
        name = objective.label if objective is not None else result.display_name
        if objective is not None and objective.key_sli:
            name += " (key)"
        value = result.value
        shown_value = (
            "–" if value is None else (number(value.value) if value.success else f"no value: {value.message}")
        )
        points = (
            "–"
            if result.status == INFO
            else f"{number(result.score)}/{objective.weight if objective else '?'}"
        )
        table.add_row(  # Text, not str: names and SLI messages are data, never Rich markup
            Text(name),
            Text(shown_value),
            Text(_change(result, compared)),
            _targets(result.pass_targets, compared),
            _targets(result.warning_targets, compared),
            _status(result),
            Text(points),
        )
    return table


def summary(report: GateReport, slo: SLO | None) -> Text:
    """Score against thresholds, the verdict and the one-sentence reason."""
    event = report.event
    details = event.evaluation
    text = Text()
    if event.status != ERRORED and details.indicator_results is not None and slo is not None:
        total = slo.total_score
        thresholds = f"pass ≥ {total.pass_}" if total else ""
        if total and total.warning:
            thresholds += f", warning ≥ {total.warning}"
        text.append(f"Score {format_go_float(round(details.score, 2))} ({thresholds})")
        count = len(details.compared_events)
        text.append(f"   compared with {count} previous evaluation{'s' if count != 1 else ''}\n")
    verdict = ERRORED if event.status == ERRORED else event.result
    text.append("Result ")
    text.append(verdict.upper(), style=STATUS_STYLES.get(verdict, ""))
    text.append(f"\n{report.explanation}")
    return text


def print_report(report: GateReport, console: Console) -> None:
    """Print the objectives table (when there is one) and the summary."""
    parts: list[Table | Text] = []
    if report.event.evaluation.indicator_results:
        parts.append(objectives_table(report))
    parts.append(summary(report, report.slo))
    event = report.event
    nothing = nothing_evaluated(event.message, event.project, event.stage, event.service)
    if nothing is not None:  # a gate that evaluated nothing must not look like a pass
        parts.append(Text(nothing, style="bold yellow"))
    console.print(Group(*parts))
