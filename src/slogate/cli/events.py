"""``slogate send event`` (a CloudEvent file, or approve/decline an approval) and ``slogate get event``."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from slogate.cli import ids, projects, verbs
from slogate.cli.client import ApiClient, connect
from slogate.cli.files import read_json
from slogate.cli.gate_table import STATUS_STYLES, number
from slogate.cli.help import App
from slogate.cli.options import parse_labels
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.cli.trigger import send_event
from slogate.cli.watch_notes import print_evaluation
from slogate.domain.protocol.client_events import approval_answer
from slogate.domain.protocol.event_types import APPROVAL_TRIGGERED
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED
from slogate.errors import DocumentError, InputError

DATASTORE = "/api/mongodb-datastore/event"
OPEN_TRIGGERED = "/api/controlPlane/v1/event/triggered/"
PREFIX = "sh.keptn.event."
APPROVAL_SOURCE = "https://github.com/keptn/keptn/cli#approval.finished"
POLL_SECONDS = 1.0

event_app = App(rich_markup_mode="markdown", no_args_is_help=False)
verbs.send.add_typer(event_app, name="event")


def print_context(keptn_context: str) -> None:
    """Keptn's line for an accepted event: ``ID of Keptn context: <uuid>``."""
    console().print(Text(f"ID of Keptn context: {keptn_context}"))


@event_app.callback(invoke_without_command=True)
def send_event_command(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="A CloudEvent as a JSON file.", show_default=False)
    ] = None,
) -> None:
    """Send a CloudEvent from a JSON file; `approval.finished` approves or declines an open approval.

    Example: slogate send event -f delivery-triggered.json
    """
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        if file is None:
            raise InputError(
                "--file is missing: `slogate send event -f FILE` sends a CloudEvent "
                "(or use `slogate send event approval.finished`)"
            )
        event = read_json(file, "CloudEvent")
        if not isinstance(event, dict):
            raise DocumentError(
                str(file), "not a CloudEvent: expected a JSON object with type, source and data"
            )
        with connect() as api:
            keptn_context = send_event(api, event)
    print_context(keptn_context)


# --- approvals ------------------------------------------------------------------------------------


def open_approvals(
    api: ApiClient, project: str, stage: str | None, service: str | None = None, event_id: str | None = None
) -> list[dict[str, Any]]:
    """The open ``approval.triggered`` events, oldest first (404 for an unknown project)."""
    params = {"project": project, "stage": stage, "service": service, "eventID": event_id}
    chosen = {key: value for key, value in params.items() if value}
    return projects.all_pages(api, OPEN_TRIGGERED + APPROVAL_TRIGGERED, "events", chosen)


def _data(event: Mapping[str, Any]) -> Mapping[str, Any]:
    data = event.get("data")
    return data if isinstance(data, Mapping) else {}


def image(event: Mapping[str, Any]) -> str:
    """``data.configurationChange.values.image``, or "" (also for another shape)."""
    change = _data(event).get("configurationChange")
    values = change.get("values") if isinstance(change, Mapping) else None
    found = values.get("image") if isinstance(values, Mapping) else None
    return str(found) if found else ""


def evaluation(event: Mapping[str, Any]) -> str:
    """``pass (95.5)`` from the evaluation the approval follows, else ``n/a`` (as Keptn shows it)."""
    result = _data(event).get("evaluation")
    if not isinstance(result, Mapping) or "score" not in result:
        return "n/a"
    score = result.get("score")
    shown = number(float(score)) if isinstance(score, int | float) else str(score)
    return f"{result.get('result', '')} ({shown})"


def approval_finished(
    triggered: Mapping[str, Any], approve: bool, labels: Mapping[str, str]
) -> dict[str, Any]:
    """The ``approval.finished`` Keptn's CLI sends for an open ``approval.triggered``."""
    data = _data(triggered)
    scope = (data.get("project", ""), data.get("stage", ""), data.get("service", ""))
    merged = {**(data.get("labels") or {}), **labels}
    context, triggered_id = triggered.get("shkeptncontext", ""), triggered.get("id", "")
    return approval_answer(
        APPROVAL_SOURCE, scope, context, triggered_id, merged, "pass" if approve else "fail"
    )


def approvals_table(approvals: list[dict[str, Any]], numbered: bool) -> Table:
    """Open approvals: option number (when choosing), service, image, evaluation, id, context."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    columns = ["OPTION"] if numbered else []
    for column in [*columns, "SERVICE", "IMAGE", "EVALUATION", "ID", "KEPTN CONTEXT"]:
        table.add_column(column)
    for option, event in enumerate(approvals, 1):
        cells = [Text(f"({option})")] if numbered else []
        table.add_row(
            *cells,
            Text(str(_data(event).get("service", ""))),
            Text(image(event) or "–"),
            Text(evaluation(event)),
            Text(str(event.get("id", ""))),
            Text(str(event.get("shkeptncontext", ""))),
        )
    return table


def _ask(question: str, answers: list[str]) -> str:
    """One of ``answers`` read from standard input (asked again until it is one); none left is an
    ``InputError`` naming ``--id``."""
    while True:
        try:
            answer = str(typer.prompt(question)).strip().lower()
        except typer.Abort:
            raise InputError(
                "no answer on standard input: name the approval with --id ID (and --decline)"
            ) from None
        if answer in answers:
            return answer
        typer.echo(f"Answer {' or '.join(answers) if len(answers) < 4 else f'1 to {len(answers)}'}.")


def _choose(approvals: list[dict[str, Any]], decline: bool, where: str) -> tuple[dict[str, Any], bool]:
    """The approval the user picks and whether they approve it; without a terminal a lone open
    approval is answered as the flags say (approve, or --decline), several are an error."""
    if not projects.interactive():
        if len(approvals) > 1:
            ids = ", ".join(str(event.get("id")) for event in approvals)
            raise InputError(f"{len(approvals)} open approvals {where}: choose one with --id ID ({ids})")
        return approvals[0], not decline
    console().print(approvals_table(approvals, numbered=True))
    index = 1
    if len(approvals) > 1:
        numbers = [str(number) for number in range(1, len(approvals) + 1)]
        index = int(_ask("Select the option to approve or decline", numbers))
    if decline:
        return approvals[index - 1], False
    answer = _ask("Do you want to (a)pprove or (d)ecline", ["a", "d"])
    return approvals[index - 1], answer == "a"


@event_app.command("approval.finished")
def send_approval_finished(
    project: Annotated[str, typer.Option("--project", help="The project.", show_default=False)],
    stage: Annotated[str, typer.Option("--stage", help="The stage of the approval.", show_default=False)],
    service: Annotated[
        str | None, typer.Option("--service", help="Choose among the service's open approvals.")
    ] = None,
    event_id: Annotated[
        str | None,
        typer.Option(
            "--id", help="The approval.triggered event's id (or its first characters).", show_default=False
        ),
    ] = None,
    labels: Annotated[
        str | None, typer.Option("--labels", "-l", help="Labels to add, k=v,k2=v2.", show_default=False)
    ] = None,
    decline: Annotated[bool, typer.Option("--decline", help="Decline instead of approve.")] = False,
) -> None:
    """Approve (or --decline) an open approval: by --id, or chosen among a --service's open ones.

    Example: slogate send event approval.finished --project fulltour --stage production --id 1234-5678
    """
    where = f"for service {service} in stage {stage} of project {project}"
    with user_errors():
        extra = dict(parse_labels(labels or ""))
        if not service and not event_id:
            raise InputError(
                "name the approval with --id ID, or give --service SERVICE to choose among the open ones"
            )
        with connect() as api:
            approvals = open_approvals(api, project, stage, service, event_id)
            if event_id and not approvals:  # not a full id: the one open approval it starts
                not_found = (
                    f"no open approval {event_id} in stage {stage} of project {project}: see "
                    f"`slogate get event approval.triggered --project {project} --stage {stage}`"
                )
                candidates = open_approvals(api, project, stage, service)
                approvals = [dict(ids.pick(event_id, candidates, "approval id", not_found))]
            if not approvals:
                console().print(Text(f"No open approval {where}"))
                return
            chosen, approve = (approvals[0], not decline) if event_id else _choose(approvals, decline, where)
            keptn_context = send_event(api, approval_finished(chosen, approve, extra))
    console().print(Text(answered(chosen, approve)))
    print_context(keptn_context)


def answered(approval: Mapping[str, Any], approve: bool) -> str:
    """``Approved approval 1234 of service helloservice in stage qa (image …)``: which one was answered."""
    data = _data(approval)
    details = f"evaluation {evaluation(approval)}" + (f", image {image(approval)}" if image(approval) else "")
    return (
        f"{'Approved' if approve else 'Declined'} approval {approval.get('id', '')} of service "
        f"{data.get('service', '')} in stage {data.get('stage', '')} ({details})"
    )


# --- reading events -------------------------------------------------------------------------------


def full_type(text: str) -> str:
    """``evaluation.finished`` → ``sh.keptn.event.evaluation.finished``, as Keptn's CLI accepts it."""
    return text if text.startswith("sh.keptn.") else PREFIX + text


def fetch(api: ApiClient, params: Mapping[str, Any], pages: int) -> list[dict[str, Any]]:
    """Up to ``pages`` pages of the datastore's answer, newest first."""
    query = {key: value for key, value in params.items() if value}
    events: list[dict[str, Any]] = []
    for _ in range(max(pages, 1)):
        answer = api.get(DATASTORE, query) or {}
        events.extend(answer.get("events") or [])
        page_key = answer.get("nextPageKey")
        if not page_key or page_key == "0":
            break
        query["nextPageKey"] = page_key
    return events


def _line(event: Mapping[str, Any]) -> list[Text]:
    data = _data(event)
    verdict = "errored" if data.get("status") == "errored" else str(data.get("result", ""))
    return [
        Text(str(event.get("time", ""))),
        Text(str(event.get("type", "")).removeprefix(PREFIX)),
        Text(str(data.get("stage", ""))),
        Text(str(data.get("service", ""))),
        Text(verdict, style=STATUS_STYLES.get(verdict, "")),
        Text(str(event.get("shkeptncontext", ""))),
        Text(str(event.get("id", ""))),
    ]


def _print_evaluation(event: Mapping[str, Any], out: Console) -> None:
    data = _data(event)
    out.print(
        Text(f"{data.get('stage', '')} · {data.get('service', '')} · {event.get('time', '')}", style="bold")
    )
    print_evaluation(out, event)


def print_events(events: list[dict[str, Any]], output: OutputFormat, header: bool = True) -> None:
    """Events as Keptn's CLI prints them (one object, or a list), or as a table / evaluation reports."""
    if output != OutputFormat.TABLE:
        print_document(events[0] if len(events) == 1 else events, output)
        return
    out = console()
    table = Table(box=None, pad_edge=False, header_style="bold", show_header=header)
    for column in ("TIME", "TYPE", "STAGE", "SERVICE", "RESULT", "KEPTN CONTEXT", "ID"):
        table.add_column(column)
    for event in events:
        if event.get("type") == EVALUATION_FINISHED:
            _print_evaluation(event, out)
        else:
            table.add_row(*_line(event))
    if table.row_count:
        out.print(table)


def _watch(api: ApiClient, params: Mapping[str, Any], pages: int, output: OutputFormat, seconds: int) -> None:
    """Print each event as it appears (oldest first) until ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    seen: set[str] = set()
    try:
        while True:
            for event in reversed(fetch(api, params, pages)):
                if str(event.get("id")) not in seen:
                    seen.add(str(event.get("id")))
                    if output == OutputFormat.YAML:
                        print("---")
                    print_events([event], output, header=False)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(POLL_SECONDS, remaining))
    except KeyboardInterrupt:
        return


def get_event(
    event_type: Annotated[
        str | None,
        typer.Argument(help="The type, e.g. evaluation.finished (default: all).", show_default=False),
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="The project.", show_default=False)
    ] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="Only this stage.", show_default=False)
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", help="Only this service.", show_default=False)
    ] = None,
    keptn_context: Annotated[
        str | None,
        typer.Option(
            "--keptn-context", help="Only this Keptn context (or its first characters).", show_default=False
        ),
    ] = None,
    page_size: Annotated[
        int | None, typer.Option("--page-size", help="Events per page (1-100).", show_default=False)
    ] = None,
    num_of_pages: Annotated[int, typer.Option("--num-of-pages", help="Pages to read at most.")] = 100,
    output: Output = OutputFormat.JSON,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Keep printing new events.")] = False,
    watch_time: Annotated[int, typer.Option("--watch-time", help="Seconds to --watch.")] = 60,
) -> None:
    """Show events, newest first, as JSON (Keptn's default), YAML or a table (-o table shows evaluations).

    `approval.triggered` lists the open approvals.

    Example: slogate get event evaluation.finished --keptn-context 1234-5678 -o table
    """
    with user_errors(), connect() as api:
        if not project and not keptn_context:
            raise InputError("name the events: --project PROJECT or --keptn-context CONTEXT")
        kind = full_type(event_type) if event_type else None
        if kind == APPROVAL_TRIGGERED:
            if not project:
                raise InputError("approval.triggered needs --project PROJECT (and --stage STAGE)")
            events = open_approvals(api, project, stage, service)
        else:
            if project:
                api.get(projects.project_path(project))  # an unknown project is an error, not "no events"
            if keptn_context:
                keptn_context = ids.resolve_context(api, keptn_context, project)
            params: dict[str, Any] = {
                "project": project,
                "stage": stage,
                "service": service,
                "keptnContext": keptn_context,
            }
            params |= {"type": kind, "pageSize": page_size}
            if watch:
                _watch(api, params, num_of_pages, output, watch_time)
                return
            events = fetch(api, params, num_of_pages)
    if not events:
        projects.note("No event returned")
    elif kind == APPROVAL_TRIGGERED and output == OutputFormat.TABLE:
        console().print(approvals_table(events, numbered=False))
    else:
        print_events(events, output)


verbs.get.command("event")(get_event)
verbs.get.command("events", hidden=True)(get_event)
