"""The Bridge's service view: a project's services; for one, its sequences per stage and their evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine_events import configured_image
from slogate.domain.sequencing.execution import Execution
from slogate.errors import NotFoundError
from slogate.ports import ProjectRecord
from slogate.server_context import ServerContext
from slogate.web.environment import split_image
from slogate.web.pages import context_of, render, session_of
from slogate.web.project_scope import evaluation_badge, missing_project
from slogate.web.session import Session

router = APIRouter(prefix="/bridge", include_in_schema=False)
SEQUENCES_SHOWN = 10  # per stage; the sequence list has them all
EVALUATIONS_SHOWN = 25  # per stage, to match a sequence with its evaluation; the heatmap has 50


@router.get("/project/{project}/service", response_class=HTMLResponse)
def services(
    request: Request, project: str, session: Annotated[Session, Depends(session_of)]
) -> HTMLResponse:
    """Every service of the project with the artifact it last ran; none selected."""
    return service_page(request, session, project, "")


@router.get("/project/{project}/service/{service}", response_class=HTMLResponse)
def service(
    request: Request, project: str, service: str, session: Annotated[Session, Depends(session_of)]
) -> HTMLResponse:
    """The services, and for ``service``: per stage its artifact, its latest sequences and evaluations."""
    return service_page(request, session, project, service)


def service_page(request: Request, session: Session, project: str, selected: str) -> HTMLResponse:
    """The service view with ``selected`` (``""``: none) shown on the right."""
    context = context_of(request)
    try:
        record = context.catalog.project(project)
    except NotFoundError:
        return missing_project(request, session, project)
    listed = service_list(record)
    known = any(entry["name"] == selected for entry in listed)
    values = {
        "project": project,
        "services": listed,
        "selected": selected,
        "unknown": bool(selected) and not known,
        "stages": stage_details(context, record, selected) if known else [],
    }
    return render(request, "service.html", values, session, status_code=404 if values["unknown"] else 200)


def service_list(record: ProjectRecord) -> list[dict[str, Any]]:
    """Each service once, sorted by name, with the artifact each stage runs (shipyard order; Keptn's
    tags per stage where an artifact is live)."""
    found: dict[str, list[dict[str, str]]] = {}
    for stage in record.stages:
        for service in stage.services:
            live = found.setdefault(service.name, [])
            if service.deployed_image:
                repository, tag = split_image(service.deployed_image)
                live.append({"stage": stage.name, "image": service.deployed_image, "tag": tag or repository})
    return [{"name": name, "live": found[name]} for name in sorted(found)]


def stage_details(context: ServerContext, record: ProjectRecord, service: str) -> list[dict[str, Any]]:
    """Per stage in shipyard order: the artifact running, the latest sequences, and their evaluations."""
    stages = []
    for stage in record.stages:
        current = next((s for s in stage.services if s.name == service), None)
        if current is None:
            continue
        evaluations = context.store.latest_evaluations(
            record.name, stage.name, service, limit=EVALUATIONS_SHOWN, exclude_invalidated=False
        )
        invalidated = context.store.invalidated_triggered_ids([e.triggeredid or "" for e in evaluations])
        executions, total = context.sequence_queries.executions(
            record.name, stage=stage.name, service=service, limit=SEQUENCES_SHOWN, offset=0
        )
        repository, tag = split_image(current.deployed_image)
        stages.append(
            {
                "name": stage.name,
                "image": current.deployed_image,
                "tag": tag or repository,
                "sequences": sequence_rows(record.name, executions, evaluations, invalidated),
                "more": max(0, total - len(executions)),
                "evaluations": [
                    {**badge, "invalidated": event.triggeredid in invalidated, "time": short_time(event.time)}
                    for event in evaluations[:5]
                    if (badge := evaluation_badge(event)) is not None
                ],
            }
        )
    return stages


def sequence_rows(
    project: str,
    executions: Sequence[Execution],
    evaluations: Sequence[KeptnEvent],
    invalidated: frozenset[str],
) -> list[dict[str, Any]]:
    """One row per sequence run in the stage: when, which, the artifact, how it ended, its evaluation."""
    by_context = {}
    for event in reversed(evaluations):  # the newest evaluation of a context wins
        by_context[event.shkeptncontext] = event
    rows = []
    base = f"/bridge/project/{quote(project, safe='')}/sequence"
    for execution in executions:
        scope = execution.scope
        evaluation = by_context.get(scope.keptn_context)
        rows.append(
            {
                "time": execution.triggered_at.strftime("%Y-%m-%d %H:%M:%S"),
                "sequence": execution.sequence_name,
                "image": configured_image(execution.input_properties),
                "state": str(execution.state),
                "result": scope.result or "",
                "labels": dict(scope.labels),
                "href": f"{base}/{quote(scope.keptn_context, safe='')}?stage={quote(scope.stage, safe='')}",
                "badge": evaluation_badge(evaluation),
                "invalidated": evaluation is not None and evaluation.triggeredid in invalidated,
            }
        )
    return rows


def short_time(moment: datetime) -> str:
    """An event's time as ``YYYY-MM-DD HH:MM`` (as Keptn labels heatmap columns)."""
    return moment.strftime("%Y-%m-%d %H:%M")
