"""The Bridge's "What if…" page: edit the SLO of an evaluation, see the service's history re-judged by it."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import InputError, NotFoundError
from slogate.services.usecases import evaluation_history as history
from slogate.services.usecases import offline_gate as gate
from slogate.services.usecases import replay
from slogate.web.heatmap import evaluation_href, score_text
from slogate.web.pages import checked_session, context_of, render, session_of
from slogate.web.session import Session

router = APIRouter(prefix="/bridge", include_in_schema=False)
SLO_SOURCE = "SLO"


def whatif_href(event: KeptnEvent) -> str:
    """The What if… page of a stored evaluation."""
    return f"/bridge/evaluation/{quote(event.shkeptncontext, safe='')}/{quote(event.id, safe='')}/whatif"


def _selected(request: Request, keptn_context: str, event_id: str) -> KeptnEvent:
    stored = history.get_evaluation(context_of(request).store, event_id)
    if stored.event.shkeptncontext != keptn_context:
        raise NotFoundError(f"evaluation {event_id} does not belong to context {keptn_context}")
    return stored.event


def _columns(report: replay.ReplayReport) -> list[dict[str, Any]]:
    """One column per build, oldest on the left as in the heatmap."""
    columns = []
    for build in reversed(report.builds):
        columns.append(
            {
                "id": build.id,
                "label": replay.build_label(build),
                "time": build.time,
                "invalidated": build.invalidated,
                "changed": build.changed,
                "old_result": build.old_result,
                "old_score": score_text(build.old_score),
                "new_result": build.new_result or "not replayed",
                "new_score": "—" if build.new_score is None else score_text(build.new_score),
                "notes": replay.build_notes(build),
            }
        )
    return columns


def _page(event: KeptnEvent, slo_text: str, last: int, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": event,
        "href": evaluation_href(event),
        "action": whatif_href(event),
        "project_href": f"/bridge/project/{quote(event.project, safe='')}",
        "slo_text": slo_text,
        "last": last,
        "max_last": replay.MAX_LAST,
        "problems": [],
        "report": None,
        **values,
    }


@router.get("/evaluation/{keptn_context}/{event_id}/whatif", response_class=HTMLResponse)
def whatif_form(
    request: Request, keptn_context: str, event_id: str, session: Annotated[Session, Depends(session_of)]
) -> HTMLResponse:
    """The form, prefilled with the SLO this evaluation used."""
    try:
        event = _selected(request, keptn_context, event_id)
    except NotFoundError as error:
        return render(request, "_eval_missing.html", {"message": error.message}, session, status_code=404)
    text = history.stored_slo_text(event) or ""
    return render(request, "whatif.html", _page(event, text, replay.DEFAULT_LAST, {}), session)


@router.post("/evaluation/{keptn_context}/{event_id}/whatif", response_class=HTMLResponse)
def whatif_replay(
    request: Request,
    keptn_context: str,
    event_id: str,
    session: Annotated[Session, Depends(checked_session)],
    slo: Annotated[str, Form()] = "",
    last: Annotated[str, Form()] = str(replay.DEFAULT_LAST),
) -> HTMLResponse:
    """Replay the service's history under the submitted SLO; nothing is stored."""
    context = context_of(request)
    try:
        event = _selected(request, keptn_context, event_id)
    except NotFoundError as error:
        return render(request, "_eval_missing.html", {"message": error.message}, session, status_code=404)
    count = _count(last)
    loaded = gate.load_slo(slo, SLO_SOURCE, context.documents)
    problems = [str(problem) for problem in gate.input_errors(loaded)]
    if not 1 <= count <= replay.MAX_LAST:
        problems.insert(0, f"Builds: give a number from 1 to {replay.MAX_LAST}, not '{last}'")
    if problems:
        page = _page(event, slo, count or replay.DEFAULT_LAST, {"problems": problems})
        return render(request, "whatif.html", page, session, status_code=400)
    scope = replay.ReplayRequest(event.project, event.stage, event.service, loaded, count, lenient=True)
    try:
        report = replay.replay_history(context.store, scope)
    except InputError as error:  # a stored evaluation without project, stage or service
        page = _page(event, slo, count, {"problems": [error.message]})
        return render(request, "whatif.html", page, session, status_code=400)
    values: dict[str, Any] = {"report": report, "summary": report.summary, "columns": _columns(report)}
    return render(request, "whatif.html", _page(event, slo, count, values), session)


def _count(text: str) -> int:
    """The number of builds asked for; 0 when it is not a number of at most four ASCII digits."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else 0
