"""``slogate report dora``: the DORA figures of a project's stage, as the server computes them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import typer

from slogate.cli.help import App
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors

if TYPE_CHECKING:  # Rich loads when a table is printed
    from rich.table import Table

app = App(
    rich_markup_mode="markdown",
    no_args_is_help=True,
    help="Reports computed by the server from its event log.\n\n"
    "Example: slogate report dora --project fulltour --since 30d",
)


@app.command("dora")
def dora_command(
    project: Annotated[str, typer.Option("--project", "-p", help="The project.")],
    stage: Annotated[
        str, typer.Option("--stage", "-s", help="The stage (default: the last stage of the shipyard).")
    ] = "",
    since: Annotated[
        str,
        typer.Option(
            "--since", help="Start of the window: a span back from --until (30d, 12h, 2w, 90m) or a time."
        ),
    ] = "30d",
    until: Annotated[
        str, typer.Option("--until", help="End of the window (excluded), an RFC 3339 time (default: now).")
    ] = "",
    output: Output = OutputFormat.TABLE,
) -> None:
    """Deployment frequency, lead time, change failure rate and time to restore of a stage.

    A delivery is a deployment.finished event of the stage; the definitions are in docs/metrics.md.

    Example: slogate report dora --project fulltour --stage production --since 2w -o json
    """
    from slogate.cli.client import connect

    params = {"since": since, **({"stage": stage} if stage else {}), **({"until": until} if until else {})}
    with user_errors(), connect() as api:
        report = api.get(f"/api/slogate/v1/project/{quote(project, safe='')}/dora", params)
    if output == OutputFormat.TABLE:
        console().print(dora_table(report))
    else:
        print_document(report, output)


def dora_table(report: dict[str, Any]) -> Table:
    """The four figures, one per row, with what they count."""
    from rich.table import Table

    from slogate.services.usecases.dora import human_duration

    lead, restore = report["leadTime"], report["timeToRestore"]
    rate = report["changeFailureRate"]
    title = f"DORA: {report['project']} / {report['stage']}, {report['since']} to {report['until']}"
    table = Table(title=title, title_justify="left")
    for column in ("Figure", "Value", "Counted"):
        table.add_column(column)
    table.add_row(
        "Deployment frequency",
        f"{report['deploymentFrequency']:.2f}/day",
        f"{report['deliveries']} deliveries in {report['days']:g} days",
    )
    table.add_row(
        "Lead time",
        f"median {human_duration(lead['medianSeconds'])}, p90 {human_duration(lead['p90Seconds'])}",
        f"{lead['count']} deliveries",
    )
    table.add_row(
        "Change failure rate",
        "-" if rate is None else f"{rate:.1%}",
        f"{report['failedDeliveries']} failed ({report['failedEvaluations']} evaluations, "
        f"{report['rolledBack']} rollbacks)",
    )
    table.add_row(
        "Time to restore",
        f"median {human_duration(restore['medianSeconds'])}",
        f"{restore['count']} restored, {restore['unrestored']} not yet",
    )
    return table
