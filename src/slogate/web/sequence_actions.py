"""The Bridge's sequence actions: approve or decline an open approval; pause, resume or abort a sequence."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from slogate.domain.access import Action
from slogate.domain.protocol.client_events import approval_answer
from slogate.domain.protocol.event_types import APPROVAL_TRIGGERED
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine_io import Command
from slogate.errors import InputError, NotFoundError
from slogate.server_context import ServerContext
from slogate.web.access import record, require, require_visible
from slogate.web.pages import checked_session, context_of
from slogate.web.session import Session

router = APIRouter(prefix="/bridge", include_in_schema=False)
APPROVAL_SOURCE = "https://github.com/keptn/keptn/bridge#approval.finished"
DECISIONS = {"approve": "pass", "decline": "fail"}
COMMANDS = {command.value: command for command in Command}
FormText = Annotated[str, Form()]


@router.post("/project/{project}/sequence/{keptn_context}/approval")
async def decide_approval(
    request: Request,
    project: str,
    keptn_context: str,
    session: Annotated[Session, Depends(checked_session)],
    triggered_id: FormText = "",
    decision: FormText = "",
) -> RedirectResponse:
    """Send ``approval.finished`` (pass to approve, fail to decline) for the open approval; back (303)."""
    result = DECISIONS.get(decision)
    if result is None:
        raise HTTPException(400, f"decision must be approve or decline, got '{decision}'")
    require_visible(request, session, project)
    context = context_of(request)
    triggered = await asyncio.to_thread(open_approval, context, project, keptn_context, triggered_id)
    where = {"stage": triggered.stage, "service": triggered.service, "target": keptn_context}
    require(request, session, Action.APPROVAL_DECIDE, project, **where)
    raw = approval_finished(triggered, result)
    try:
        await context.intake.ingest(raw, datetime.now(UTC))
    except InputError as error:
        raise HTTPException(400, f"the approval could not be sent: {error}") from None
    details = {"decision": decision, "triggeredid": triggered.id}
    record(request, session, "approval.decide", project, triggered.stage, keptn_context, details)
    return _back(project, keptn_context, triggered.stage)


@router.post("/project/{project}/sequence/{keptn_context}/control")
async def control_sequence(
    request: Request,
    project: str,
    keptn_context: str,
    session: Annotated[Session, Depends(checked_session)],
    state: FormText = "",
    stage: FormText = "",
) -> RedirectResponse:
    """Pause, resume or abort the sequence (in ``stage`` if given), as the API's control route does."""
    command = COMMANDS.get(state)
    if command is None:
        raise HTTPException(400, f"state must be pause, resume or abort, got '{state}'")
    require(request, session, Action.SEQUENCE_CONTROL, project, stage, target=keptn_context)
    await context_of(request).sequences.control(project, keptn_context, command, stage)
    record(request, session, "sequence.control", project, stage, keptn_context, {"state": state})
    return _back(project, keptn_context, stage)


def open_approval(context: ServerContext, project: str, keptn_context: str, triggered_id: str) -> KeptnEvent:
    """The open ``approval.triggered`` with ``triggered_id`` in this context, else a 404 naming why."""
    try:
        page = context.catalog.open_triggered(
            APPROVAL_TRIGGERED, project=project, event_id=triggered_id or None, limit=1, offset=0
        )
    except NotFoundError:
        raise HTTPException(404, f"project '{project}' not found") from None
    found = [
        event for event in page.events if event.id == triggered_id and event.shkeptncontext == keptn_context
    ]
    if not found:
        raise HTTPException(
            404, "this approval is not open any more (already decided, or aborted): reload the sequence"
        )
    return found[0]


def approval_finished(triggered: KeptnEvent, result: str) -> dict[str, Any]:
    """The ``approval.finished`` Keptn's Bridge and CLI send for an open ``approval.triggered``."""
    labels = triggered.data.get("labels")
    scope = (triggered.project, triggered.stage, triggered.service)
    return approval_answer(
        APPROVAL_SOURCE,
        scope,
        triggered.shkeptncontext,
        triggered.id,
        labels if isinstance(labels, Mapping) else {},
        result,
    )


def _back(project: str, keptn_context: str, stage: str) -> RedirectResponse:
    target = f"/bridge/project/{quote(project, safe='')}/sequence/{quote(keptn_context, safe='')}"
    if stage:
        target += f"?stage={quote(stage, safe='')}"
    return RedirectResponse(target, status_code=303)
