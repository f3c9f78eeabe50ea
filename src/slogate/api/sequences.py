"""Keptn's sequence routes: control (pause/resume/abort), the state view and the executions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from slogate.api.auth import audit, require
from slogate.api.context import ServerContext, server_context
from slogate.api.control_plane import BASE, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, offset_of, paged
from slogate.api.errors import ApiError
from slogate.domain.access import Action
from slogate.domain.evaluation.window import WindowError, parse_time
from slogate.domain.protocol.sequence_json import execution_to_public_json, state_to_json
from slogate.domain.sequencing.engine_io import Command
from slogate.services.usecases.sequence_queries import SequenceQueries

router = APIRouter(prefix=BASE, tags=["sequences"])
_page_size = Query(DEFAULT_PAGE_SIZE, alias="pageSize", ge=1, le=MAX_PAGE_SIZE)
_next_page_key = Query(None, alias="nextPageKey")


class ControlIn(BaseModel):
    """``{"state": "pause"|"resume"|"abort", "stage": "<optional>"}``."""

    model_config = ConfigDict(extra="ignore")

    state: Literal["pause", "resume", "abort"]
    stage: str = ""


def _queries(context: ServerContext = Depends(server_context)) -> SequenceQueries:  # noqa: B008
    return context.sequence_queries


_sequence_queries = Depends(_queries)


@router.post("/sequence/{project}/{keptnContext}/control", summary="Pause, resume or abort a sequence")
async def control_sequence(
    project: str,
    keptnContext: str,  # noqa: N803 (Keptn's parameter name)
    body: ControlIn,
    request: Request,
    context: ServerContext = Depends(server_context),  # noqa: B008
) -> dict[str, Any]:
    """200 ``{}`` (also for an unknown context, as in Keptn); the change is applied when this returns."""
    require(request, Action.SEQUENCE_CONTROL, project, body.stage)
    audit(
        request,
        Action.SEQUENCE_CONTROL.value,
        project,
        body.stage,
        target=keptnContext,
        details={"state": body.state},
    )
    await context.sequences.control(project, keptnContext, Command(body.state), body.stage)
    return {}


@router.get("/sequence/{project}", summary="The states of a project's sequences, newest first")
def sequence_states(
    project: str,
    queries: SequenceQueries = _sequence_queries,
    name: str = "",
    state: str = "",
    from_time: str = Query("", alias="fromTime"),
    before_time: str = Query("", alias="beforeTime"),
    keptn_context: str = Query("", alias="keptnContext"),
    page_size: int = _page_size,
    next_page: str | None = _next_page_key,
) -> dict[str, Any]:
    """Keptn's ``{states, nextPageKey, pageSize, totalCount}``; ``keptnContext`` is a comma-separated list."""
    offset = offset_of(next_page)
    contexts = tuple(part for part in keptn_context.split(",") if part)
    states, total = queries.states(
        project,
        name=name,
        state=state,
        from_time=_time(from_time, "fromTime"),
        before_time=_time(before_time, "beforeTime"),
        keptn_contexts=contexts,
        limit=page_size,
        offset=offset,
    )
    return paged("states", [state_to_json(state) for state in states], offset, page_size, total)


@router.get("/sequence-execution", summary="Sequence executions (one per sequence run and stage)")
def sequence_executions(
    request: Request,
    queries: SequenceQueries = _sequence_queries,
    project: str = "",
    stage: str = "",
    service: str = "",
    name: str = "",
    status: str = "",
    keptn_context: str = Query("", alias="keptnContext"),
    page_size: int = _page_size,
    next_page: str | None = _next_page_key,
) -> dict[str, Any]:
    """Keptn's ``{sequenceExecutions, totalCount, pageSize, nextPageKey}``, newest first."""
    if not project:
        raise ApiError(400, "project must be set")
    require(request, Action.PROJECT_READ, project)
    offset = offset_of(next_page)
    executions, total = queries.executions(
        project,
        stage=stage,
        service=service,
        name=name,
        state=status,
        keptn_context=keptn_context,
        limit=page_size,
        offset=offset,
    )
    documents = [execution_to_public_json(execution) for execution in executions]
    return paged("sequenceExecutions", documents, offset, page_size, total)


def _time(text: str, name: str) -> datetime | None:
    if not text:
        return None
    try:
        return parse_time(text)
    except WindowError:
        raise ApiError(400, f"{name} '{text}' is not a time (ISO 8601, e.g. 2026-11-26T12:00:00Z)") from None
