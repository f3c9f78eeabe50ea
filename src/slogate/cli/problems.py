"""``slogate get problems``: a project's problems (Alertmanager alerts, Keptn problem events)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.table import Table
from rich.text import Text

from slogate.cli import verbs
from slogate.cli.client import connect
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors

STATE_STYLES = {"open": "red", "closed": "green"}


class ProblemState(StrEnum):
    """The states a problem can be in."""

    OPEN = "open"
    CLOSED = "closed"


def get_problems(
    project: Annotated[str, typer.Option("--project", "-p", help="The project.")],
    state: Annotated[
        ProblemState | None,
        typer.Option("--state", help="Only open or only closed problems (default: both)."),
    ] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show a project's problems, newest first: state, stage, service, title, source and the Keptn
    context of the remediation (see `slogate get sequences`).

    Example: slogate get problems --project fulltour --state open -o json
    """
    params = {"state": state.value} if state else {}
    with user_errors(), connect() as api:
        found: dict[str, Any] = api.get(f"/api/slogate/v1/project/{quote(project, safe='')}/problem", params)
    problems: list[dict[str, Any]] = found.get("problems", [])
    if output != OutputFormat.TABLE:
        print_document(problems, output)
        return
    if not problems:
        console().print(Text(f"No {state.value + ' ' if state else ''}problems in project {project}"))
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("STATE", "OPENED", "CLOSED", "STAGE", "SERVICE", "TITLE", "SOURCE", "KEPTN CONTEXT"):
        table.add_column(column)
    for problem in problems:
        current = str(problem.get("state", ""))
        table.add_row(
            Text(current, style=STATE_STYLES.get(current, "")),
            *(
                Text(str(problem.get(key) or ""))
                for key in ("openedAt", "closedAt", "stage", "service", "title", "source", "keptnContext")
            ),
        )
    console().print(table)


verbs.get.command("problems")(get_problems)
verbs.get.command("problem", hidden=True)(get_problems)
