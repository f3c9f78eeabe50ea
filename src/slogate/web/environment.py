"""The Bridge's environment view: stages as columns, each service's artifact, evaluation and approvals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from slogate.domain.protocol.event_types import APPROVAL_TRIGGERED
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine_events import configured_image
from slogate.errors import NotFoundError, SlogateError
from slogate.ports import EvaluationSummary, ProjectRecord, ServiceRecord
from slogate.server_context import ServerContext
from slogate.services.usecases.dora import human_duration
from slogate.web.env_history import HISTORY, histories, strip_of, summary_badge
from slogate.web.pages import context_of, render, session_of
from slogate.web.project_scope import RESULT_BADGES, missing_project
from slogate.web.session import Session
from slogate.web.stage_pane import stage_pane

router = APIRouter(prefix="/bridge", include_in_schema=False)
APPROVALS_SHOWN = 100
PROBLEMS_SHOWN = 20
BUILT_IN_SEQUENCES = ("delivery", "evaluation")
FAILED = ("fail", "errored")
TILE_SERVICES = 20  # services a stage tile lists (Keptn: 3, then "Show all N services")


@router.get("/project/{project}", response_class=HTMLResponse)
def environment(
    request: Request, project: str, session: Annotated[Session, Depends(session_of)]
) -> HTMLResponse:
    """Stages left to right in shipyard order, with every service's state in each."""
    return environment_page(request, session, project)


@router.get("/project/{project}/stages", response_class=HTMLResponse)
def environment_stages(
    request: Request, project: str, session: Annotated[Session, Depends(session_of)]
) -> HTMLResponse:
    """The stages alone: what the environment view polls every 5 s to stay current."""
    try:
        values = environment_values(context_of(request), project)
    except NotFoundError:
        return missing_project(request, session, project)
    values["selected_stage"] = request.query_params.get("stage", "")
    return render(request, "_env_stages.html", values, session)


def environment_page(
    request: Request,
    session: Session,
    project: str,
    trigger: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The environment view; ``trigger`` re-opens a trigger dialog with its values and errors;
    ``?stage=`` opens that stage's details pane, ``?filter=`` (problem, evaluation, approval) filters it."""
    query = request.query_params
    try:
        values = environment_values(context_of(request), project)
    except NotFoundError:
        return missing_project(request, session, project)
    values["trigger"] = trigger or {}
    values["file_problems"] = file_problems(context_of(request), project)
    values["dora"] = dora_card(context_of(request), project)
    values["incidents"] = problems_card(context_of(request), project)
    values["pane"] = pane = stage_pane(values, query.get("stage", ""), query.get("filter", ""))
    if pane:
        draw(context_of(request), values["record"], pane["services"])
    return render(request, "environment.html", values, session, status_code=status_code)


def file_problems(context: ServerContext, project: str) -> list[dict[str, Any]]:
    """The project's files whose upload found problems (slo.yaml, webhook.yaml, …), for a warning panel."""
    return [
        {
            "uri": uri,
            "where": str(level),
            "problems": [
                {"severity": str(p.severity), "text": str(p)}
                for p in sorted(problems, key=lambda p: p.severity != "error")
            ],
        }
        for level, uri, problems in context.resources.project_problems(project)
    ]


def problems_card(context: ServerContext, project: str) -> list[dict[str, Any]]:
    """The project's newest problems (open and closed), for a card; none: no card."""
    return [record.to_json() for record in context.problems.problems(project)[:PROBLEMS_SHOWN]]


def dora_card(context: ServerContext, project: str) -> dict[str, Any] | None:
    """The DORA figures of the project's last stage over 30 days, for a card (None if unavailable)."""
    try:
        report = context.dora.report(project)
    except SlogateError:  # e.g. a shipyard without stages: the page shows no card
        return None
    rate = report.change_failure_rate
    return {
        "stage": report.stage,
        "days": report.days,
        "deliveries": report.deliveries,
        "frequency": report.deployment_frequency,
        "lead_median": human_duration(report.lead_time.median),
        "lead_p90": human_duration(report.lead_time.p90),
        "failure_rate": "-" if rate is None else f"{rate:.0%}",
        "failed": report.failed,
        "rolled_back": report.rolled_back,
        "restore_median": human_duration(report.time_to_restore.median),
        "unrestored": report.unrestored,
    }


def environment_values(context: ServerContext, name: str) -> dict[str, Any]:
    """What the environment view shows of project ``name`` (``NotFoundError`` when it does not exist);
    evaluation strips for the services the stage tiles list (the stage pane adds those it shows)."""
    record = context.catalog.project(name)
    approvals = open_approvals(context, name)
    stages = []
    listed: list[dict[str, Any]] = []
    latest = histories(context, record, each=1)
    for stage in record.stages:
        services = [
            service_values(
                name, stage.name, service, latest.get((stage.name, service.name), []),
                approvals.get((stage.name, service.name), []),
            )
            for service in stage.services
        ]  # fmt: skip
        services.sort(key=lambda values: values["active"], reverse=True)  # most recent activity first
        listed.extend(services[:TILE_SERVICES])
        stages.append(
            {
                "name": stage.name,
                "services": services,
                "failed": sum(1 for s in services if s["failed"]),
                "approvals": sum(len(s["approvals"]) for s in services),  # as many as the chips
                "shown": TILE_SERVICES,  # the rest: "Show all", in the stage pane
            }
        )
    draw(context, record, listed)
    return {
        "project": name,
        "record": record,
        "stages": stages,
        "service_names": sorted({s.name for stage in record.stages for s in stage.services}),
        "sequences": custom_sequences(context, record),
    }


def service_values(
    project: str,
    stage: str,
    service: ServiceRecord,
    history: list[EvaluationSummary],
    approvals: list[dict[str, Any]],
) -> dict[str, Any]:
    """One service in one stage: its artifact, whether its latest evaluation (``history`` newest first)
    failed, its open approvals; :func:`show` adds what a listed service draws."""
    repository, tag = split_image(service.deployed_image)
    return {
        "name": service.name,
        "image": service.deployed_image,
        "repository": repository,
        "tag": tag,
        "failed": bool(history) and RESULT_BADGES.get(history[0].result, "errored") in FAILED,
        "history": history,
        "record": (project, service),
        "stage": stage,
        "badge": None,
        "strip": [],
        "approvals": approvals,
        "active": max((info.time for _, info in service.last_event_types), default=service.created),
    }


def draw(context: ServerContext, record: ProjectRecord, services: list[dict[str, Any]]) -> None:
    """Add what a listed service draws (once; one query for all of them): its badge, its evaluation
    strip, its latest sequence."""
    missing = [values for values in services if "latest_sequence" not in values]
    found = histories(context, record, HISTORY, [(values["stage"], values["name"]) for values in missing])
    for values in missing:
        history = found.get((values["stage"], values["name"]), [])
        values["badge"] = summary_badge(history[0] if history else None)
        values["strip"] = strip_of(history)
        values["latest_sequence"] = latest_sequence_href(*values["record"])


def split_image(image: str) -> tuple[str, str]:
    """``repo/name:tag`` as (``repo/name``, ``tag``); no tag gives ``""``."""
    head, colon, tag = image.rpartition(":")
    if not colon or "/" in tag:
        return image, ""
    return head, tag


def latest_sequence_href(project: str, service: ServiceRecord) -> str:
    """The sequence view of the service's most recent event in this stage, or ``""``."""
    if not service.last_event_types:
        return ""
    _, info = max(service.last_event_types, key=lambda entry: entry[1].time)
    return f"/bridge/project/{quote(project, safe='')}/sequence/{quote(info.keptn_context, safe='')}"


def open_approvals(context: ServerContext, project: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The open ``approval.triggered`` events of the project by (stage, service)."""
    page = context.catalog.open_triggered(
        APPROVAL_TRIGGERED, project=project, limit=APPROVALS_SHOWN, offset=0
    )
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for event in page.events:
        found.setdefault((event.stage, event.service), []).append(approval_values(project, event))
    return found


def approval_values(project: str, event: KeptnEvent) -> dict[str, Any]:
    """An open approval: its id, the artifact it is about and the sequence view to decide it in."""
    href = f"/bridge/project/{quote(project, safe='')}/sequence/{quote(event.shkeptncontext, safe='')}"
    image = configured_image(event.data)
    return {
        "id": event.id,
        "image": image,
        "href": f"{href}?stage={quote(event.stage, safe='')}",
        "action": f"{href}/approval",
    }


def custom_sequences(context: ServerContext, record: ProjectRecord) -> dict[str, list[str]]:
    """Per stage, the shipyard's sequences other than delivery and evaluation (for the custom dialog)."""
    shipyard = context.catalog.shipyard(record.name)
    if shipyard is None:
        return {}
    return {
        stage.name: [s.name for s in stage.sequences if s.name not in BUILT_IN_SEQUENCES]
        for stage in shipyard.stages
    }
