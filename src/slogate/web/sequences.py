"""The Bridge's sequence pages: the filtered list of recent sequences and one sequence's timeline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from slogate.api.context import ServerContext
from slogate.domain.protocol.event_types import APPROVAL_TRIGGERED, parse_event_type
from slogate.domain.protocol.remediation_loops import remediation_loops
from slogate.domain.sequencing.state_view import SequenceState, StageState
from slogate.errors import NotFoundError
from slogate.services.usecases.sequence_queries import CONTEXT_EVENTS
from slogate.web.environment import approval_values
from slogate.web.pages import context_of, render, session_of
from slogate.web.project_scope import missing_project
from slogate.web.session import Session
from slogate.web.status import run_status, sequence_status, stage_status
from slogate.web.timeline import stage_timeline

router = APIRouter(prefix="/bridge", include_in_schema=False)
LISTED = 50  # sequences shown
SCANNED = 200  # sequences read when filtering by service, stage or status
STATUSES = ("started", "paused", "pass", "warning", "fail", "errored", "aborted")
FINAL_STATES = frozenset({"finished", "aborted", "timedOut"})
FILTERS = ("service", "stage", "sequence", "status")
SessionDep = Annotated[Session, Depends(session_of)]


@router.get("/project/{project}/sequence", response_class=HTMLResponse)
def sequence_list(request: Request, project: str, session: SessionDep) -> HTMLResponse:
    """Recent sequences with the filters of the query (``service``, ``stage``, ``sequence``, ``status``)."""
    return _list(request, project, session, "sequences.html")


@router.get("/project/{project}/sequence-list", response_class=HTMLResponse)
def sequence_list_fragment(request: Request, project: str, session: SessionDep) -> HTMLResponse:
    """The list alone, for htmx polling while a sequence runs."""
    return _list(request, project, session, "_seq_list.html")


@router.get("/project/{project}/sequence/{keptn_context}", response_class=HTMLResponse)
def sequence_view(
    request: Request, project: str, keptn_context: str, session: SessionDep, stage: str = ""
) -> HTMLResponse:
    """One sequence: its stage timeline, tasks, raw events, open approvals and controls."""
    return _view(request, project, keptn_context, stage, session, "sequence.html")


@router.get("/project/{project}/sequence/{keptn_context}/fragment", response_class=HTMLResponse)
def sequence_fragment(
    request: Request, project: str, keptn_context: str, session: SessionDep, stage: str = ""
) -> HTMLResponse:
    """The sequence's timeline alone, for htmx polling while it runs."""
    return _view(request, project, keptn_context, stage, session, "_seq_detail.html")


def _list(request: Request, project: str, session: Session, template: str) -> HTMLResponse:
    filters = {name: str(request.query_params.get(name, "")).strip() for name in FILTERS}
    context = context_of(request)
    try:
        values = list_values(context, project, filters)
    except NotFoundError:
        return missing_project(request, session, project)
    return render(request, template, values, session)


def list_values(context: ServerContext, project: str, filters: Mapping[str, str]) -> dict[str, Any]:
    """The list page's values: filter choices, the matching sequences, whether any still runs."""
    record = context.catalog.project(project)
    narrowed = any(filters[name] for name in ("service", "stage", "status"))
    states, _ = context.sequence_queries.states(
        project, name=filters["sequence"], limit=SCANNED if narrowed else LISTED, offset=0
    )
    rows = [row for row in (sequence_row(project, state) for state in states) if matches(row, filters)]
    shipyard = context.catalog.shipyard(project)
    names = {s.name for stage in shipyard.stages for s in stage.sequences} if shipyard else set()
    query = urlencode({key: value for key, value in filters.items() if value})
    return {
        "project": project,
        "filters": filters,
        "query": query,
        "rows": rows[:LISTED],
        "running": any(row["running"] for row in rows[:LISTED]),
        "choices": {
            "service": sorted({s.name for stage in record.stages for s in stage.services}),
            "stage": [stage.name for stage in record.stages],
            "sequence": sorted(names | {"evaluation"}),
            "status": list(STATUSES),
        },
    }


def sequence_row(project: str, state: SequenceState) -> dict[str, Any]:
    """One listed sequence: name, service, time, status and its stages as chips."""
    href = f"/bridge/project/{quote(project, safe='')}/sequence/{quote(state.keptn_context, safe='')}"
    stages: list[dict[str, Any]] = []
    chained: dict[str, list[dict[str, Any]]] = {}  # a rollback: a row of its own under its delivery
    seen: set[str] = set()
    for stage in state.stages:
        own = not stage.sequence or stage.sequence == state.name
        chip = _chip(href, stage, first=stage.name not in seen)
        seen.add(stage.name)
        (stages if own else chained.setdefault(stage.sequence, [])).append(chip)
    return {
        "name": state.name,
        "service": state.service,
        "time": readable_time(state.time),
        "context": state.keptn_context,
        "status": sequence_status(state),
        "state": state.state,
        "running": state.state not in FINAL_STATES,
        "stages": stages,
        "chained": [{"name": name, "stages": chips} for name, chips in chained.items()],
        "href": href,
    }


def _chip(href: str, stage: StageState, *, first: bool) -> dict[str, Any]:
    """A stage's chip; a later run in the same stage (a rollback) shows its own ending and no score:
    the stage's evaluation belongs to the run before it."""
    evaluation = stage.latest_evaluation if first else None
    return {
        "name": stage.name,
        "status": stage_status(stage) if first else run_status(stage),
        "score": None if evaluation is None else int(evaluation.score),
        "href": f"{href}?stage={quote(stage.name, safe='')}",
    }


def matches(row: Mapping[str, Any], filters: Mapping[str, str]) -> bool:
    """Whether a listed sequence passes the service, stage and status filters."""
    if filters["service"] and row["service"] != filters["service"]:
        return False
    if filters["stage"] and all(stage["name"] != filters["stage"] for stage in row["stages"]):
        return False
    return not filters["status"] or row["status"] == filters["status"]


def readable_time(moment: datetime | None) -> str:
    """A time as ``2026-01-02 10:11:12 UTC`` (``""`` for none)."""
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _view(
    request: Request, project: str, keptn_context: str, stage: str, session: Session, template: str
) -> HTMLResponse:
    context = context_of(request)
    try:
        values = view_values(context, project, keptn_context, stage)
    except NotFoundError:
        values = None
    if values is None:
        return render(
            request, "_env_missing.html", {"project": project, "keptn_context": keptn_context}, session, 404
        )
    return render(request, template, values, session)


def view_values(
    context: ServerContext, project: str, keptn_context: str, stage: str
) -> dict[str, Any] | None:
    """The sequence view's values; None when the project has no such context."""
    states, _ = context.sequence_queries.states(project, keptn_contexts=[keptn_context], limit=1, offset=0)
    events = list(reversed(context.store.find(shkeptncontext=keptn_context, limit=CONTEXT_EVENTS)))
    events = [event for event in events if event.project == project]
    if not states and not events:
        return None
    state = states[0] if states else None
    overall = state.state if state else "triggered"
    timeline = stage_timeline(events, state.stages if state else ())
    for entry in timeline:
        status = stage_status if entry["first"] else run_status
        entry["status"] = status(entry["state"]) if entry["state"] else "started"
    first = events[0] if events else None
    approvals = context.catalog.open_triggered(APPROVAL_TRIGGERED, project=project, limit=100, offset=0)
    return {
        "project": project,
        "keptn_context": keptn_context,
        "name": state.name if state else (parse_event_type(first.type).sequence if first else ""),
        "service": state.service if state else (first.service if first else ""),
        "time": readable_time(state.time if state else None),
        "state": overall,
        "status": sequence_status(state) if state else "started",
        "running": overall not in FINAL_STATES,
        "paused": overall == "paused",
        "stage": stage,
        "stages": [entry for entry in timeline if not stage or entry["name"] == stage],
        "stage_names": list(dict.fromkeys(entry["name"] for entry in timeline)),  # a rollback: no new tab
        "loops": remediation_loops({"id": e.id, "type": e.type, "data": e.data} for e in events),
        "approvals": [
            {**approval_values(project, event), "stage": event.stage, "service": event.service}
            for event in approvals.events
            if event.shkeptncontext == keptn_context
        ],
        "base": f"/bridge/project/{quote(project, safe='')}/sequence/{quote(keptn_context, safe='')}",
    }
