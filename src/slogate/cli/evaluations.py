"""``slogate evaluations``: list, show, invalidate and replay (what if) the stored evaluations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from slogate.cli.gate_input import Lenient
from slogate.cli.help import App
from slogate.cli.options import DbPath, Project, Service, Stage
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors

if TYPE_CHECKING:  # the store and the services load when a command runs, not at start-up
    from collections.abc import Sequence
    from contextlib import AbstractContextManager

    from slogate.ports import EventStore
    from slogate.services.usecases.evaluation_history import StoredGate

app = App(
    rich_markup_mode="markdown",
    no_args_is_help=True,
    help="Inspect the stored evaluation history, exclude evaluations from comparisons, and replay it "
    "under a new SLO (what if).\n\n"
    "Example: slogate evaluations list --project fulltour --stage qa --service helloservice",
)

EvaluationId = Annotated[
    str,
    typer.Argument(
        help="The evaluation's event id, or its first characters when no other id starts with them "
        "(see: slogate evaluations list)."
    ),
]


def _open_store(db: Path | None) -> AbstractContextManager[EventStore]:
    """The evaluation history's store, as the settings and ``--db`` say."""
    from slogate import bootstrap
    from slogate.settings import load_settings

    return bootstrap.open_store(load_settings(), db)


def _document(stored: StoredGate) -> dict[str, Any]:
    from slogate.domain.evaluation.window import format_time

    event = stored.event
    return {
        "id": event.id,
        "type": event.type,
        "time": format_time(event.time),
        "shkeptncontext": event.shkeptncontext,
        "triggeredid": event.triggeredid,
        "invalidated": stored.invalidated,
        "data": dict(event.data),
    }


@app.command("list")
def list_command(
    project: Annotated[str | None, typer.Option("--project", help="Only this project.")] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage.")] = None,
    service: Annotated[str | None, typer.Option("--service", help="Only this service.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many, newest first.")] = 20,
    db: DbPath = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """List stored evaluations, newest first.

    Example: slogate evaluations list --service helloservice --limit 5 -o json
    """
    from slogate.services.usecases import evaluation_history as history

    with user_errors(), _open_store(db) as store:
        found = history.list_evaluations(store, project, stage, service, limit)
    if output != OutputFormat.TABLE:
        print_document([_document(stored) for stored in found], output)
        return
    console().print(_table(found))


def _table(found: Sequence[StoredGate]) -> Table:
    """The evaluations as the ``list`` table: id, time, scope, labels, result, score, comparisons."""
    from slogate.cli.gate_table import STATUS_STYLES, number  # Rich's table code: only for a table
    from slogate.domain.evaluation.window import format_time

    table = Table(title=f"Evaluations ({len(found)})", title_justify="left")
    for column in ("ID", "Time", "Project", "Stage", "Service", "Labels", "Result", "Score", "Compared"):
        table.add_column(column, justify="right" if column == "Score" else "left")
    for stored in found:
        data = stored.event.data
        evaluation = data.get("evaluation") or {}
        result = str(data.get("result", ""))
        shown = Text(result, style=STATUS_STYLES.get(result, ""))
        if stored.invalidated:
            shown = Text(f"{result} (ignored)", style="dim strike")
        labels = ",".join(f"{k}={v}" for k, v in (data.get("labels") or {}).items())
        table.add_row(
            Text(stored.event.id),
            Text(format_time(stored.event.time)),
            Text(stored.event.project),
            Text(stored.event.stage),
            Text(stored.event.service),
            Text(labels),
            shown,
            Text(number(float(evaluation.get("score") or 0.0))),
            Text(str(len(evaluation.get("comparedEvents") or ()))),
        )
    return table


@app.command("show")
def show_command(evaluation_id: EvaluationId, db: DbPath = None, output: Output = OutputFormat.TABLE) -> None:
    """Show one stored evaluation: its objectives, score, verdict and why.

    Example: slogate evaluations show 0b6f3c2e-5d1a-4c4e-9f0e-2a7d1c9b8e11
    """
    from slogate.adapters.yamlfile import load_document
    from slogate.services.usecases import evaluation_history as history

    with user_errors():
        with _open_store(db) as store:
            stored = history.get_evaluation(store, evaluation_id)
        report = history.report_of(stored, load_document) if output == OutputFormat.TABLE else None
    if report is None:
        print_document(_document(stored), output)
        return
    from slogate.cli.gate_table import print_report

    print_report(report, console())
    if stored.invalidated:
        console().print(Text("This evaluation is ignored for comparisons (invalidated).", style="yellow"))


@app.command("invalidate")
def invalidate_command(
    evaluation_id: EvaluationId,
    db: DbPath = None,
    reason: Annotated[str, typer.Option("--reason", help="Why it is ignored (kept with the event).")] = "",
) -> None:
    """Ignore an evaluation in later comparisons (Keptn's evaluation.invalidated); it stays listed.

    Example: slogate evaluations invalidate 0b6f3c2e-5d1a-4c4e-9f0e-2a7d1c9b8e11 --reason "load test broke"
    """
    from slogate.services.usecases import evaluation_history as history
    from slogate.services.usecases.quality_gate import invalidate

    with user_errors(), _open_store(db) as store:
        stored = history.get_evaluation(store, evaluation_id)
        full_id = stored.event.id
        if not stored.invalidated:
            invalidate(store, full_id, lambda: datetime.now(UTC), reason)
    if stored.invalidated:
        console().print(Text(f"Evaluation {full_id} was already ignored for comparisons."))
        return
    console().print(Text(f"Evaluation {full_id} is now ignored for comparisons."))


@app.command("replay")
def replay_command(
    slo: Annotated[
        Path, typer.Option("--slo", help="The new SLO file (Keptn slo.yaml) to replay history under.")
    ],
    project: Project,
    stage: Stage,
    service: Service,
    last: Annotated[
        int, typer.Option("--last", min=1, max=1000, help="How many of the newest evaluations to report.")
    ] = 50,
    db: DbPath = None,
    output: Output = OutputFormat.TABLE,
    lenient: Lenient = False,
) -> None:
    """What if: re-judge the stored SLI values of the last evaluations under a new SLO; nothing is stored.

    No SLI is queried again: each build's stored values are evaluated as Keptn's lighthouse would,
    compared with the earlier builds the new SLO's comparison block selects (by their replayed
    results; invalidated builds never). Prints per build the old and new result and score and the
    objectives that flipped, then "N of M builds would change verdict". An SLI a build never
    collected is reported as "no value stored".

    Example: slogate evaluations replay --slo new.yaml --project fulltour --stage qa --service helloservice
    """
    from slogate.adapters.yamlfile import load_document
    from slogate.cli.files import read_text
    from slogate.cli.gate_input import refuse_invalid
    from slogate.services.usecases import offline_gate as gate
    from slogate.services.usecases import replay

    with user_errors():
        loaded = gate.load_slo(read_text(slo, "SLO"), str(slo), load_document)
        if not lenient:
            refuse_invalid(loaded)
        request = replay.ReplayRequest(project, stage, service, loaded, last, lenient=True)
        with _open_store(db) as store:
            report = replay.replay_history(store, request)
    if output != OutputFormat.TABLE:
        print_document(replay.report_document(report), output)
        return
    from slogate.cli.replay_table import replay_table

    console().print(replay_table(report))
    if not report.builds:
        console().print(
            Text(f"No stored evaluations of {project}/{stage}/{service} (see: slogate evaluations list).")
        )
        return
    console().print(Text(report.summary))
