"""Sequences: ``slogate pause|resume|abort sequence``, ``slogate get sequences``, and their verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.table import Table
from rich.text import Text

from slogate.cli import verbs
from slogate.cli.client import ApiClient, connect
from slogate.cli.gate_table import STATUS_STYLES, number
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.cli.projects import all_pages
from slogate.cli.remediation_view import REMEDIATION, loops_text, remediation_loops
from slogate.cli.verdict import EXIT_ERRORED, exit_code
from slogate.cli.watch import Snapshot, Verdict, context_events, sequences_path, verdict_word
from slogate.domain.protocol.event_types import parse_event_type
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED
from slogate.errors import NotFoundError
from slogate.services.usecases.id_prefix import unique_match

PAGE_SIZE = 50
STATE_STYLES = {"finished": "green", "started": "cyan", "waiting": "yellow", "paused": "yellow"}

KeptnContext = Annotated[
    str,
    typer.Option(
        "--keptn-context", "-c", help="The Keptn context of the sequence (or its first characters)."
    ),
]
ProjectOption = Annotated[str, typer.Option("--project", "-p", help="The project.")]
StageFilter = Annotated[str, typer.Option("--stage", "-s", help="Only this stage (default: every stage).")]


# --- verdicts for --wait -------------------------------------------------------------------------------


def sequence_verdict(snapshot: Snapshot, sequence: str) -> Verdict:
    """The verdict of the context's last ``<stage>.<sequence>.finished``: the furthest stage the
    triggered sequence reached. Sequences chained under another name (a rollback) do not count."""
    chosen = [
        event
        for event in snapshot.events
        if (kind := parse_event_type(str(event.get("type", "")))).is_sequence
        and kind.kind == "finished"
        and kind.sequence == sequence
    ]
    if not chosen:
        return Verdict(EXIT_ERRORED, sequence, "errored", f"no {sequence} sequence finished")
    last = chosen[-1]
    return _verdict_of(last, f"{parse_event_type(str(last['type'])).stage}.{sequence}")


def evaluation_verdict(snapshot: Snapshot) -> Verdict:
    """The verdict of the context's last ``evaluation.finished`` (else of its evaluation sequence)."""
    evaluations = [event for event in snapshot.events if event.get("type") == EVALUATION_FINISHED]
    if evaluations:
        verdict = _verdict_of(evaluations[-1], "evaluation")
        details = (evaluations[-1].get("data") or {}).get("evaluation")
        if verdict.message or not isinstance(details, Mapping) or details.get("score") is None:
            return verdict
        return Verdict(verdict.code, verdict.name, verdict.word, f"score {number(float(details['score']))}")
    return sequence_verdict(snapshot, "evaluation")


def _verdict_of(event: Mapping[str, Any], name: str) -> Verdict:
    """0 pass or warning, 1 fail, 2 errored or aborted (no verdict was reached)."""
    data = event.get("data") or {}
    word = verdict_word(data)
    code = EXIT_ERRORED if word == "aborted" else exit_code(word, str(data.get("result", "")), False)
    return Verdict(code, name, word, " ".join(str(data.get("message", "")).split()))


# --- pause, resume, abort --------------------------------------------------------------------------------


def states(api: ApiClient, project: str, **params: Any) -> tuple[list[dict[str, Any]], str]:
    """One page of the project's sequence states (newest first) and the next page's key ("" if none)."""
    page = api.get(sequences_path(project), {k: v for k, v in params.items() if v})
    key = str(page.get("nextPageKey") or "")
    return list(page.get("states") or []), "" if key == "0" else key


def control(api: ApiClient, project: str, keptn_context: str, state: str, stage: str) -> str:
    """``POST …/sequence/{project}/{context}/control``, after checking that the context exists (or
    that it is the first characters of one sequence's context); the full context."""
    try:
        found, _ = states(api, project, keptnContext=keptn_context)
    except NotFoundError:
        raise NotFoundError(f"project '{project}' not found: check --project") from None
    if not found:
        every = all_pages(api, sequences_path(project), "states")
        keptn_context = unique_match(
            keptn_context,
            [str(entry.get("shkeptncontext", "")) for entry in every],
            "Keptn context",
            f"no sequence with Keptn context '{keptn_context}' in project '{project}': "
            "check --keptn-context (see `slogate get sequences --project …`)",
        )
    path = f"{sequences_path(project)}/{quote(keptn_context, safe='')}/control"
    api.post(path, {"state": state, "stage": stage})
    return keptn_context


def _control(state: str, done: str, keptn_context: str, project: str, stage: str) -> None:
    with user_errors(), connect() as api:
        keptn_context = control(api, project, keptn_context, state, stage)
    where = f" in stage {stage}" if stage else ""
    console().print(Text(f"{done} the sequence {keptn_context} of project {project}{where}"))


@verbs.pause.command("sequence")
def pause_command(keptn_context: KeptnContext, project: ProjectOption, stage: StageFilter = "") -> None:
    """Pause a sequence: its next tasks are held until it is resumed (running tasks go on).

    Example: slogate pause sequence --keptn-context 4f5d… --project fulltour --stage production
    """
    _control("pause", "Paused", keptn_context, project, stage)


@verbs.resume.command("sequence")
def resume_command(keptn_context: KeptnContext, project: ProjectOption, stage: StageFilter = "") -> None:
    """Resume a paused sequence: held tasks are sent now.

    Example: slogate resume sequence --keptn-context 4f5d… --project fulltour
    """
    _control("resume", "Resumed", keptn_context, project, stage)


@verbs.abort.command("sequence")
def abort_command(keptn_context: KeptnContext, project: ProjectOption, stage: StageFilter = "") -> None:
    """Abort a sequence: it ends at once with status aborted, and nothing is chained after it.

    Example: slogate abort sequence --keptn-context 4f5d… --project fulltour
    """
    _control("abort", "Aborted", keptn_context, project, stage)


# --- get sequences ---------------------------------------------------------------------------------------


def recent(
    api: ApiClient, project: str, stage: str, service: str, state: str, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` sequence states, newest first, of the service and stage asked for."""
    chosen: list[dict[str, Any]] = []
    key = ""
    while len(chosen) < limit:
        page, key = states(api, project, state=state, pageSize=PAGE_SIZE, nextPageKey=key)
        chosen.extend(
            entry
            for entry in page
            if (not service or entry.get("service") == service)
            and (not stage or any(s.get("name") == stage for s in entry.get("stages") or []))
        )
        if not key:
            break
    return chosen[:limit]


def stage_verdict(stage: Mapping[str, Any]) -> tuple[str, str]:
    """Keptn's state of a stage and the result it ended with ("" while running, or when aborted): a
    declined approval shows ``succeeded/fail``, as its ``.finished`` event says."""
    state = str(stage.get("state", ""))
    result = str(stage.get("result") or "")
    return state, "" if state == "aborted" else result


def stages_cell(entry: Mapping[str, Any]) -> Text:
    """One line per stage: its state, latest evaluation and image."""
    text = Text()
    for index, stage in enumerate(entry.get("stages") or []):
        text.append(("\n" if index else "") + f"{stage.get('name', '')}: ")
        state, result = stage_verdict(stage)
        text.append(state, style=STATUS_STYLES.get({"succeeded": "pass"}.get(state, state), ""))
        if result:
            text.append(f"/{result}", style=STATUS_STYLES.get(result, ""))
        evaluation = stage.get("latestEvaluation")
        if isinstance(evaluation, Mapping):
            result = str(evaluation.get("result", ""))
            text.append(" · evaluation ")
            text.append(result, style=STATUS_STYLES.get(result, ""))
            text.append(f" {number(float(evaluation.get('score') or 0))}")
        if stage.get("image"):
            text.append(f" · {stage['image']}", style="dim")
    loops = (entry.get(REMEDIATION) or {}).get("loops") or []
    if loops:
        text.append("\n")
        text.append_text(loops_text(loops))
    return text


def with_loops(api: ApiClient, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each remediation sequence with its loops (``remediation.loops``), read from its context's events."""
    for entry in entries:
        if entry.get("name") == REMEDIATION and entry.get("shkeptncontext"):
            events = context_events(api, str(entry["shkeptncontext"]))
            entry[REMEDIATION] = {"loops": remediation_loops(events)}
    return entries


def sequences_table(entries: list[dict[str, Any]]) -> Table:
    """Context, sequence, service, state, stages and time of each sequence."""
    table = Table(title="Sequences", title_justify="left")
    for column in ("Context", "Sequence", "Service", "State", "Stages", "Time"):
        table.add_column(column, no_wrap=column in ("Context", "Time"))
    for entry in entries:
        state = str(entry.get("state", ""))
        table.add_row(
            Text(str(entry.get("shkeptncontext", ""))),
            Text(str(entry.get("name", ""))),
            Text(str(entry.get("service", ""))),
            Text(state, style=STATE_STYLES.get(state, "red")),
            stages_cell(entry),
            Text(str(entry.get("time", ""))),
        )
    return table


@verbs.get.command("sequences")
def get_sequences_command(
    project: ProjectOption,
    stage: StageFilter = "",
    service: Annotated[str, typer.Option("--service", help="Only this service.")] = "",
    state: Annotated[
        str,
        typer.Option(
            "--state",
            help="Only sequences whose latest stage is triggered, started, waitingForApproval, paused, "
            "finished or timedOut.",
        ),
    ] = "",
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many sequences.")] = 20,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show the project's recent sequences (newest first): state, and each stage's result and image;
    for a remediation also each loop: the action chosen, its result and the evaluation after it.

    Example: slogate get sequences --project fulltour --service helloservice --limit 5
    """
    with user_errors(), connect() as api:
        try:
            entries = with_loops(api, recent(api, project, stage, service, state, limit))
        except NotFoundError:
            raise NotFoundError(f"project '{project}' not found: check --project") from None
    if output == OutputFormat.TABLE:
        console().print(sequences_table(entries))
    else:
        print_document(entries, output)
