"""The table of ``slogate evaluations replay``: per build the stored and the replayed verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from slogate.cli.gate_table import STATUS_STYLES, number

if TYPE_CHECKING:
    from slogate.domain.evaluation.replay import ReplayedBuild
    from slogate.services.usecases.replay import ReplayReport


def replay_table(report: ReplayReport) -> Table:
    """Newest first: build, time, old → new result, old → new score, the objectives that flipped."""
    from slogate.services.usecases.replay import build_label, build_notes

    request = report.request
    title = f"What if {request.slo.source} had judged {request.project}/{request.stage}/{request.service}"
    table = Table(title=title, title_justify="left")
    for column in ("Build", "Time", "Result (old → new)", "Score (old → new)", "Flipped objectives"):
        table.add_column(column)
    for build in report.builds:
        name = Text(build_label(build))
        if build.invalidated:
            name.append(" (ignored)", style="dim")
        notes = "\n".join(build_notes(build))
        table.add_row(name, Text(build.time), _results(build), _scores(build), Text(notes))
    return table


def _results(build: ReplayedBuild) -> Text:
    text = Text(build.old_result, style=STATUS_STYLES.get(build.old_result, ""))
    text.append(" → ")
    new = build.new_result or "not replayed"
    text.append(new, style=STATUS_STYLES.get(new, "dim"))
    if build.changed:
        text.append(" *", style="bold")
    return text


def _scores(build: ReplayedBuild) -> Text:
    new = "—" if build.new_score is None else number(build.new_score)
    return Text(f"{number(build.old_score)} → {new}")
