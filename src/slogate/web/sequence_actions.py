"""The Bridge's sequence actions: approve or decline an open approval; pause, resume or abort a sequence.

A request that cannot be done (a decided approval, an ended sequence, a forged field) answers an HTML page
that says why and links back, never the API's JSON."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from slogate.domain.access import Action
from slogate.domain.protocol.client_events import approval_answer
from slogate.domain.protocol.event_types import APPROVAL_TRIGGERED
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine_io import Command
from slogate.errors import InputError, NotFoundError, SlogateError
from slogate.server_context import ServerContext
from slogate.web.access import record, require, require_visible
from slogate.web.pages import checked_session, context_of, render
from slogate.web.session import Session

router = APIRouter(prefix="/bridge", include_in_schema=False)
APPROVAL_SOURCE = "https://github.com/keptn/keptn/bridge#approval.finished"
DECISIONS = {"approve": "pass", "decline": "fail"}
COMMANDS = {command.value: command for command in Command}
FormText = Annotated[str, Form()]
ENDED = frozenset({"finished", "succeeded", "aborted", "timedOut", "failed"})
CONTROLLABLE = {"pause": {"started", "triggered", "waiting"}, "resume": {"paused"}}


class ActionError(SlogateError):
    """A sequence action that cannot be done: ``status`` and the sentence the page shows."""

    code = "action_refused"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@router.post("/project/{project}/sequence/{keptn_context}/approval", response_model=None)
async def decide_approval(
    request: Request,
    project: str,
    keptn_context: str,
    session: Annotated[Session, Depends(checked_session)],
    triggered_id: FormText = "",
    decision: FormText = "",
    back: FormText = "",
) -> Response:
    """Send ``approval.finished`` (pass to approve, fail to decline) for the open approval; back (303)
    to ``back`` (a Bridge page) or the sequence view."""
    require_visible(request, session, project)
    context = context_of(request)
    try:
        result = DECISIONS.get(decision)
        if result is None:
            raise ActionError(400, f"The decision must be approve or decline, not '{decision}'.")
        triggered = await asyncio.to_thread(open_approval, context, project, keptn_context, triggered_id)
        where = {"stage": triggered.stage, "service": triggered.service, "target": keptn_context}
        require(request, session, Action.APPROVAL_DECIDE, project, **where)
        try:
            await context.intake.ingest(approval_finished(triggered, result), datetime.now(UTC))
        except InputError as error:
            raise ActionError(400, f"The approval could not be sent: {error.message}") from None
    except ActionError as error:
        return action_error(request, session, project, keptn_context, "approval", error)
    details = {"decision": decision, "triggeredid": triggered.id}
    record(request, session, "approval.decide", project, triggered.stage, keptn_context, details)
    return redirect_back(project, keptn_context, triggered.stage, back)


@router.post("/project/{project}/sequence/{keptn_context}/control", response_model=None)
async def control_sequence(
    request: Request,
    project: str,
    keptn_context: str,
    session: Annotated[Session, Depends(checked_session)],
    state: FormText = "",
    stage: FormText = "",
) -> Response:
    """Pause, resume or abort the sequence (in ``stage`` if given), as the API's control route does."""
    context = context_of(request)
    try:
        command = COMMANDS.get(state)
        if command is None:
            raise ActionError(400, f"The state must be pause, resume or abort, not '{state}'.")
        require(request, session, Action.SEQUENCE_CONTROL, project, stage, target=keptn_context)
        current = await asyncio.to_thread(sequence_state_of, context, project, keptn_context)
        check_control(state, current, whole=not stage)
        await context.sequences.control(project, keptn_context, command, stage)
    except ActionError as error:
        return action_error(request, session, project, keptn_context, state or "control", error)
    record(request, session, "sequence.control", project, stage, keptn_context, {"state": state})
    return redirect_back(project, keptn_context, stage)


def sequence_state_of(context: ServerContext, project: str, keptn_context: str) -> str:
    """The overall state of the sequence; ``ActionError`` (404) when the project or sequence is unknown."""
    try:
        states, _ = context.sequence_queries.states(
            project, keptn_contexts=[keptn_context], limit=1, offset=0
        )
    except NotFoundError:
        raise ActionError(404, f"There is no project '{project}'.") from None
    if not states:
        raise ActionError(404, f"Project '{project}' has no sequence with the context '{keptn_context}'.")
    return states[0].state


def check_control(state: str, current: str, whole: bool = True) -> None:
    """``ActionError`` (409) when ``state`` cannot be applied to a sequence that is ``current``: an ended
    one takes nothing; the whole of it (``whole``: no stage named, whose own state may differ) pauses
    only when running and resumes only when paused."""
    if current in ENDED:
        raise ActionError(409, f"The sequence has ended ({current}): there is nothing to {state} any more.")
    allowed = CONTROLLABLE.get(state)
    if whole and allowed is not None and current not in allowed:
        raise ActionError(
            409, f"The sequence is {current}: it cannot be {state}d now. Reload to see its state."
        )


def action_error(
    request: Request, session: Session, project: str, keptn_context: str, action: str, error: ActionError
) -> HTMLResponse:
    """The page that says why an action was refused, with the way back to the sequence."""
    values = {
        "project": project,
        "action": action,
        "message": error.message,
        "href": f"/bridge/project/{quote(project, safe='')}/sequence/{quote(keptn_context, safe='')}",
    }
    return render(request, "action_error.html", values, session, status_code=error.status)


def open_approval(context: ServerContext, project: str, keptn_context: str, triggered_id: str) -> KeptnEvent:
    """The open ``approval.triggered`` with ``triggered_id`` in this context, else ``ActionError`` (404)."""
    try:
        page = context.catalog.open_triggered(
            APPROVAL_TRIGGERED, project=project, event_id=triggered_id or None, limit=1, offset=0
        )
    except NotFoundError:
        raise ActionError(404, f"There is no project '{project}'.") from None
    found = [
        event for event in page.events if event.id == triggered_id and event.shkeptncontext == keptn_context
    ]
    if not found:
        raise ActionError(
            404, "This approval is not open any more (already decided, or its sequence was aborted)."
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


def redirect_back(project: str, keptn_context: str, stage: str, back: str = "") -> RedirectResponse:
    """To ``back`` when it is a Bridge page (a path under /bridge/), else to the sequence view."""
    if back.startswith("/bridge/") and "//" not in back and "\\" not in back:
        return RedirectResponse(back, status_code=303)  # a Bridge page, never another site
    target = f"/bridge/project/{quote(project, safe='')}/sequence/{quote(keptn_context, safe='')}"
    if stage:
        target += f"?stage={quote(stage, safe='')}"
    return RedirectResponse(target, status_code=303)
