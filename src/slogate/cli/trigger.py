"""``slogate trigger delivery|sequence|evaluation``: start a sequence as Keptn's CLI does; watch, wait."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.text import Text

from slogate.cli import verbs
from slogate.cli.client import ApiClient, connect
from slogate.cli.gate_input import announcing
from slogate.cli.options import parse_labels, parse_option_time
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.cli.projects import project_path
from slogate.cli.sequences import evaluation_verdict, sequence_verdict
from slogate.cli.watch import Following, Snapshot, Verdict, watch_and_wait
from slogate.domain.evaluation.window import WindowError, format_time, resolve_window
from slogate.domain.protocol.client_events import sequence_trigger
from slogate.errors import InputError, NotFoundError

CLI_SOURCE = "https://github.com/keptn/keptn/cli#configuration-change"
EVENT_PATH = "/api/v1/event"
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")  # a container image tag (OCI distribution spec)

ProjectOption = Annotated[str, typer.Option("--project", help="The project.")]
StageOption = Annotated[str, typer.Option("--stage", help="The stage.")]
ServiceOption = Annotated[str, typer.Option("--service", help="The service.")]
Labels = Annotated[
    list[str] | None,
    typer.Option("--labels", "-l", help="Labels k=v,k2=v2 to add to the event (repeatable)."),
]
Watch = Annotated[
    bool,
    typer.Option("--watch", "-w", help="Show the stages and tasks as they progress, and each evaluation."),
]
WatchTime = Annotated[
    int | None,
    typer.Option(
        "--watch-time", min=1, help="Stop watching after this many seconds (default: when it ends)."
    ),
]
Wait = Annotated[
    bool,
    typer.Option(
        "--wait", help="Block until the verdict: exit 0 pass/warning, 1 fail, 2 errored, 3 timed out."
    ),
]
Timeout = Annotated[float, typer.Option("--timeout", min=0, help="Seconds --wait waits for the verdict.")]


# --- the API calls, also used by the demo -----------------------------------------------------------------


def project_document(api: ApiClient, project: str) -> dict[str, Any]:
    """Keptn's ``ExpandedProject``; a one-line error naming the fix when there is no such project."""
    try:
        found: dict[str, Any] = api.get(project_path(project))
    except NotFoundError:
        raise NotFoundError(
            f"project '{project}' not found: check --project, or create it with "
            f"`slogate create project {project} --shipyard FILE`"
        ) from None
    return found


def check_scope(api: ApiClient, project: str, stage: str, service: str) -> str:
    """The stage (the shipyard's first when ``stage`` is empty), after checking that the project, the
    stage and the service in it exist, as Keptn's CLI checks before it triggers."""
    document = project_document(api, project)
    stages = {str(entry.get("stageName")): entry for entry in document.get("stages") or []}
    chosen = stage or next(iter(stages), "")
    if chosen not in stages:
        known = ", ".join(stages) or "none"
        raise NotFoundError(
            f"stage '{chosen}' not found in project '{project}' (its stages: {known}): check --stage"
        )
    services = {str(entry.get("serviceName")) for entry in stages[chosen].get("services") or []}
    if service not in services:
        raise NotFoundError(
            f"service '{service}' not found in stage '{chosen}' of project '{project}': check --service, or "
            f"create it with `slogate create service {service} --project {project}`"
        )
    return chosen


def send_event(api: ApiClient, event: Mapping[str, Any]) -> str:
    """``POST /api/v1/event``; the Keptn context the server gave the event."""
    answer = api.post(EVENT_PATH, dict(event))
    return str(answer["keptnContext"])


def sequence_event(
    project: str, stage: str, service: str, sequence: str, labels: Mapping[str, str], data: Mapping[str, Any]
) -> dict[str, Any]:
    """``sh.keptn.event.<stage>.<sequence>.triggered`` as Keptn's CLI sends it (``data`` merged in)."""
    return sequence_trigger(CLI_SOURCE, (project, stage, service), sequence, labels, data)


def trigger_delivery(
    api: ApiClient,
    project: str,
    service: str,
    image: str,
    *,
    stage: str = "",
    sequence: str = "delivery",
    labels: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> str:
    """``keptn trigger delivery``: the Keptn context of the new delivery of ``image``."""
    chosen = check_scope(api, project, stage, service)
    change = {"configurationChange": {"values": {**(values or {}), "image": image}}}
    return send_event(api, sequence_event(project, chosen, service, sequence, labels or {}, change))


def trigger_evaluation(
    api: ApiClient, project: str, stage: str, service: str, body: Mapping[str, Any]
) -> str:
    """``POST …/evaluation``; the Keptn context of the evaluation."""
    check_scope(api, project, stage, service)
    path = (
        f"{project_path(project)}/stage/{quote(stage, safe='')}/service/{quote(service, safe='')}/evaluation"
    )
    return str(api.post(path, dict(body))["keptnContext"])


# --- parsing the flags -----------------------------------------------------------------------------------


def tagged(image: str, tag: str) -> str:
    """``--image IMG --tag TAG`` as Keptn's CLI combines them (``IMG:TAG``); ``InputError`` for a tag
    that is not a container tag, or an image that has a tag (or digest) already."""
    if not tag:
        return image
    if not _TAG.fullmatch(tag):
        raise InputError(
            f"--tag '{tag}' is not an image tag: use letters, digits, '_', '.' and '-' (at most 128, "
            "not starting with '.' or '-'), e.g. --tag 1.2.3"
        )
    if "@" in image or ":" in image.rsplit("/", 1)[-1]:
        raise InputError(
            f"--image '{image}' has a tag already and --tag gives another: give the tag once, as "
            f"--image {image.split('@')[0].rsplit(':', 1)[0]} --tag {tag} or in --image alone"
        )
    return f"{image}:{tag}"


def labels_of(items: Sequence[str] | None) -> dict[str, str]:
    """``--labels k=v,k2=v2`` (repeatable) as a mapping."""
    return {key: value for item in items or () for key, value in parse_labels(item)}


def unfold(flag: str, items: Sequence[str] | None) -> dict[str, Any]:
    """``a.b=c,d=e`` as ``{"a": {"b": "c"}, "d": "e"}``, as Keptn unfolds ``--values`` and ``--data``."""
    tree: dict[str, Any] = {}
    for part in (part.strip() for item in items or () for part in item.split(",")):
        if not part:
            continue
        key, separator, value = part.partition("=")
        path = [name.strip() for name in key.split(".")]
        if not separator or not all(path):
            raise InputError(
                f"{flag}: '{part}' is not key=value (write e.g. {flag} image.tag=1.2,replicas=2)"
            )
        node = tree
        for name in path[:-1]:
            node = node.setdefault(name, {})
            if not isinstance(node, dict):
                raise InputError(f"{flag}: '{key}' sets a key inside '{name}', which has a value already")
        if isinstance(node.get(path[-1]), dict):
            raise InputError(f"{flag}: '{key}' would replace the keys given inside it")
        node[path[-1]] = value.strip()
    return tree


def evaluation_body(
    timeframe: str | None, start: str | None, end: str | None, labels: Mapping[str, str], commit: str
) -> dict[str, Any]:
    """The evaluation window resolved here, as Keptn's CLI does, with labels and commit id."""
    try:
        window = resolve_window(
            datetime.now(UTC), timeframe, parse_option_time("--start", start), parse_option_time("--end", end)
        )
    except WindowError as error:
        raise InputError(f"--timeframe/--start/--end: {error}") from error
    body: dict[str, Any] = {"start": format_time(window.start), "end": format_time(window.end)}
    if labels:
        body["labels"] = dict(labels)
    if commit:
        body["gitcommitid"] = commit
    return body


# --- the commands ------------------------------------------------------------------------------------------


def _started(
    api: ApiClient, project: str, keptn_context: str, how: Following, judge: Callable[[Snapshot], Verdict]
) -> None:
    """Print the context, then watch and/or wait; exits with the verdict's code."""
    if how.output == OutputFormat.TABLE:
        console().print(Text(f"ID of Keptn context: {keptn_context}"))
    else:
        print_document({"keptnContext": keptn_context}, how.output)
    judged = announcing(judge, how.watch, how.output)  # says so when an evaluation evaluated nothing
    raise typer.Exit(watch_and_wait(api, project, keptn_context, how, judged, console()))


@verbs.trigger.command("delivery")
def delivery_command(
    project: ProjectOption,
    service: ServiceOption,
    image: Annotated[str, typer.Option("--image", help="The artifact, e.g. ghcr.io/org/app:1.2.3.")],
    tag: Annotated[
        str, typer.Option("--tag", help="The image's tag, as Keptn's CLI takes it: --image IMG --tag TAG.")
    ] = "",
    stage: Annotated[str, typer.Option("--stage", help="The stage (default: the shipyard's first).")] = "",
    sequence: Annotated[str, typer.Option("--sequence", help="The sequence to trigger.")] = "delivery",
    labels: Labels = None,
    values: Annotated[
        list[str] | None,
        typer.Option("--values", help="More configurationChange values a.b=c,… (repeatable)."),
    ] = None,
    watch: Watch = False,
    watch_time: WatchTime = None,
    wait: Wait = False,
    timeout: Timeout = 600.0,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Deliver a new artifact of a service: sends `sh.keptn.event.<stage>.<sequence>.triggered`.

    With --wait the exit code is the verdict of the furthest stage the delivery reached (its last
    `<stage>.<sequence>.finished`; a rollback that follows does not count): 0 pass or warning,
    1 fail, 2 errored or aborted, 3 no verdict within --timeout.

    Example: slogate trigger delivery --project fulltour --service helloservice --image
    ghcr.io/podtato-head/podtatoserver:v0.1.1 --wait
    """
    how = Following(watch, watch_time, wait, timeout, output)
    with user_errors(), connect() as api:
        chosen_labels, chosen_values = labels_of(labels), unfold("--values", values)
        context = trigger_delivery(
            api,
            project,
            service,
            tagged(image, tag),
            stage=stage,
            sequence=sequence,
            labels=chosen_labels,
            values=chosen_values,
        )
        _started(api, project, context, how, lambda snapshot: sequence_verdict(snapshot, sequence))


@verbs.trigger.command("sequence")
def sequence_command(
    sequence: Annotated[str, typer.Argument(help="The sequence of the shipyard to start.")],
    project: ProjectOption,
    stage: StageOption,
    service: ServiceOption,
    labels: Labels = None,
    data: Annotated[
        list[str] | None, typer.Option("--data", "-d", help="More event data a.b=c,… (repeatable).")
    ] = None,
    watch: Watch = False,
    watch_time: WatchTime = None,
    wait: Wait = False,
    timeout: Timeout = 600.0,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Start any sequence of the shipyard in a stage: sends `sh.keptn.event.<stage>.<SEQUENCE>.triggered`.

    Example: slogate trigger sequence hotfix --project fulltour --stage production --service
    helloservice --data configurationChange.values.image=ghcr.io/org/app:1.2.4 --wait
    """
    how = Following(watch, watch_time, wait, timeout, output)
    with user_errors(), connect() as api:
        chosen_labels, payload = labels_of(labels), unfold("--data", data)
        check_scope(api, project, stage, service)
        event = sequence_event(project, stage, service, sequence, chosen_labels, payload)
        _started(
            api, project, send_event(api, event), how, lambda snapshot: sequence_verdict(snapshot, sequence)
        )


@verbs.trigger.command("evaluation")
def evaluation_command(
    project: ProjectOption,
    stage: StageOption,
    service: ServiceOption,
    timeframe: Annotated[
        str | None,
        typer.Option("--timeframe", help="Window length ending now, or starting at --start (e.g. 5m)."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Window start (RFC 3339, UTC if no zone).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Window end (needs --start; not with --timeframe).")
    ] = None,
    labels: Labels = None,
    git_commit_id: Annotated[
        str, typer.Option("--git-commit-id", help="The configuration revision to evaluate with.")
    ] = "",
    watch: Watch = False,
    watch_time: WatchTime = None,
    wait: Wait = False,
    timeout: Timeout = 600.0,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Evaluate a service's SLOs in a stage over a window (default: the last 5 minutes).

    With --wait the exit code is the evaluation's verdict: 0 pass or warning, 1 fail, 2 errored,
    3 no verdict within --timeout.

    Example: slogate trigger evaluation --project fulltour --stage qa --service helloservice
    --timeframe 5m --labels buildId=42 --wait
    """
    how = Following(watch, watch_time, wait, timeout, output)
    with user_errors(), connect() as api:
        body = evaluation_body(timeframe, start, end, labels_of(labels), git_commit_id)
        _started(
            api, project, trigger_evaluation(api, project, stage, service, body), how, evaluation_verdict
        )
