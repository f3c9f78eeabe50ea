"""The Bridge's evaluation board: heatmap, chart, score header, SLI table, SLO, and invalidation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from slogate.domain.access import Action
from slogate.domain.evaluation.slo import SLO
from slogate.domain.protocol.event_types import GET_SLI_FINISHED
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, KeptnEvent
from slogate.domain.protocol.gate_json import PayloadError, decode_evaluation_finished, decode_sli_results
from slogate.errors import InputError, NotFoundError
from slogate.ports import DocumentLoader, EventStore
from slogate.services.usecases import evaluation_history as history
from slogate.services.usecases.quality_gate import invalidate
from slogate.web import breakdown
from slogate.web.access import audit, principal_of, require
from slogate.web.board_state import BoardState
from slogate.web.chart import build_chart
from slogate.web.heatmap import Evaluated, build_heatmap, column_labels, evaluation_href
from slogate.web.pages import checked_session, context_of, render, session_of
from slogate.web.session import Session
from slogate.web.whatif import whatif_href

router = APIRouter(prefix="/bridge", include_in_schema=False)
HISTORY = 50  # evaluations in the heatmap, as Keptn's Bridge loads
IN_CONTEXT = 50


def decode_all(
    events: Sequence[KeptnEvent], ignored: frozenset[str], load_document: DocumentLoader
) -> list[Evaluated]:
    """Decode each stored evaluation and its SLO once (an SLO text shared by many is parsed once)."""
    parsed: dict[tuple[str, int], SLO | None] = {}
    decoded: list[Evaluated] = []
    for event in events:
        try:
            finished = decode_evaluation_finished(dict(event.data))
        except PayloadError:
            finished = None
        text = history.stored_slo_text(event)
        results = finished.evaluation.indicator_results if finished is not None else None
        if text is not None and (text, len(results or ())) not in parsed:
            parsed[text, len(results or ())] = history.paired_slo(text, results, load_document)
        slo = parsed.get((text, len(results or ()))) if text is not None else None
        decoded.append(Evaluated(event, finished, slo, event.triggeredid in ignored))
    return decoded


def find_selected(store: EventStore, keptn_context: str, stage_or_id: str | None) -> KeptnEvent:
    """The evaluation a deep link names: by event id, else the latest of the context (in the stage)."""
    if stage_or_id:
        event = store.get(stage_or_id)
        if event is not None and event.type == EVALUATION_FINISHED and event.shkeptncontext == keptn_context:
            return event
    found = store.find(
        type=EVALUATION_FINISHED, shkeptncontext=keptn_context, stage=stage_or_id or None, limit=1
    )
    if found:
        return found[0]
    where = f" in stage '{stage_or_id}'" if stage_or_id else ""
    raise NotFoundError(
        f"Traces for {keptn_context} not found: the context has no finished evaluation{where}. "
        "Check the link, or open the project's sequences to find the evaluation."
    )


def history_of(store: EventStore, selected: KeptnEvent, load_document: DocumentLoader) -> list[Evaluated]:
    """The last evaluations of the selected one's service and stage, newest first, it included."""
    events = store.latest_evaluations(
        selected.project, selected.stage, selected.service, limit=HISTORY, exclude_invalidated=False
    )
    if all(event.id != selected.id for event in events):
        older = [event for event in events if event.time <= selected.time]
        newer = [event for event in events if event.time > selected.time]
        events = [*newer, selected, *older][:HISTORY]
    ignored = store.invalidated_triggered_ids([event.triggeredid for event in events])
    return decode_all(events, ignored, load_document)


def _report(item: Evaluated, load_document: DocumentLoader) -> tuple[Any, str]:
    try:
        return history.report_of(history.StoredGate(item.event, item.invalidated), load_document), ""
    except InputError as error:
        return None, error.message


def _queries(store: EventStore, selected: KeptnEvent) -> dict[str, str]:
    """The resolved query of each SLI, from the get-sli.finished the evaluation was computed from."""
    found = store.find(
        type=GET_SLI_FINISHED, shkeptncontext=selected.shkeptncontext, stage=selected.stage, limit=1
    )
    try:
        values = decode_sli_results(dict(found[0].data)).values if found else ()
    except PayloadError:
        return {}
    return {value.metric: value.query for value in values if value.query}


def _context_evaluations(store: EventStore, keptn_context: str) -> list[dict[str, str]]:
    found = store.find(type=EVALUATION_FINISHED, shkeptncontext=keptn_context, limit=IN_CONTEXT)
    return [
        {"stage": e.stage, "result": str(e.data.get("result", "")), "href": evaluation_href(e), "id": e.id}
        for e in reversed(found)
    ]


def baseline_href(item: Evaluated) -> str:
    """The comparison of an evaluation with its newest baseline, or "" when it compared with none."""
    compared = item.finished.evaluation.compared_events if item.finished is not None else ()
    if not compared:
        return ""
    return f"/bridge/compare?{urlencode([('e', compared[0]), ('e', item.event.id)])}"  # the newest first


def page_values(
    store: EventStore,
    load_document: DocumentLoader,
    keptn_context: str,
    selected: KeptnEvent,
    state: BoardState,
) -> dict[str, Any]:
    """Everything the evaluation page shows."""
    evaluations = history_of(store, selected, load_document)
    item = next(e for e in evaluations if e.event.id == selected.id)
    report, problem = _report(item, load_document)
    labels = column_labels(list(reversed(evaluations)))
    heatmap = build_heatmap(evaluations, selected.id, state.show_all)
    href = evaluation_href(selected)
    rows = breakdown.sli_rows(report, _queries(store, selected)) if report is not None else []
    return {
        "context": keptn_context,
        "event": selected,
        "href": href,
        "state": state,
        "sort_headers": {header["key"]: header for header in state.headers(href)},
        "whatif_href": whatif_href(selected),
        "baseline_href": baseline_href(item),
        "project_href": f"/bridge/project/{quote(selected.project, safe='')}",
        "sequence_href": f"/bridge/project/{quote(selected.project, safe='')}/sequence/"
        f"{quote(keptn_context, safe='')}/stage/{quote(selected.stage, safe='')}",
        "labels": dict(selected.data.get("labels") or {}),
        "invalidated": item.invalidated,
        "heatmap": heatmap,
        "chart": build_chart(evaluations, labels) if state.view == "chart" else None,
        "view": state.view,
        "show_all": state.show_all,
        "header": breakdown.score_header(report) if report is not None else None,
        "rows": breakdown.sort_rows(rows, state.sort, state.descending),
        "problem": problem,
        "message": str(selected.data.get("message", "")),
        "result": str(selected.data.get("result", "")),
        "slo_text": history.stored_slo_text(selected),
        "in_context": _context_evaluations(store, keptn_context),
    }


def _not_found(request: Request, session: Session, message: str) -> HTMLResponse:
    return render(request, "_eval_missing.html", {"message": message}, session, status_code=404)


def _board(
    request: Request, session: Session, keptn_context: str, stage_or_id: str | None, state: BoardState
) -> HTMLResponse:
    context = context_of(request)
    store = context.store
    try:
        selected = find_selected(store, keptn_context, stage_or_id)
    except NotFoundError as error:
        return _not_found(request, session, error.message)
    return render(
        request,
        "evaluation.html",
        page_values(store, context.documents, keptn_context, selected, state),
        session,
    )


@router.get("/evaluation/{keptn_context}", response_class=HTMLResponse)
def evaluation_board(
    request: Request,
    keptn_context: str,
    session: Annotated[Session, Depends(session_of)],
    all: bool = False,
    view: str = "heatmap",
    sort: str = "score",
    order: str = "asc",
) -> HTMLResponse:
    """The latest evaluation of a context, with its service's history."""
    return _board(request, session, keptn_context, None, BoardState.of(view, all, sort, order))


@router.get("/evaluation/{keptn_context}/{stage_or_id}", response_class=HTMLResponse)
def evaluation_board_of(
    request: Request,
    keptn_context: str,
    stage_or_id: str,
    session: Annotated[Session, Depends(session_of)],
    all: bool = False,
    view: str = "heatmap",
    sort: str = "score",
    order: str = "asc",
) -> HTMLResponse:
    """One stage's (or one event id's) evaluation of a context, with its service's history; the
    query keeps the page's state (``view``, ``all``, ``sort``, ``order``) so that it can be linked."""
    state = BoardState.of(view, all, sort, order)
    return _board(request, session, keptn_context, stage_or_id, state)


@router.post("/evaluation/{keptn_context}/{event_id}/invalidate", response_model=None)
def invalidate_evaluation(
    request: Request,
    keptn_context: str,
    event_id: str,
    session: Annotated[Session, Depends(checked_session)],
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Ignore this evaluation in later comparisons (``sh.keptn.event.evaluation.invalidated``, with the
    optional reason)."""
    store = context_of(request).store
    try:
        stored = history.get_evaluation(store, event_id)
    except NotFoundError as error:
        return _not_found(request, session, error.message)
    if stored.event.shkeptncontext != keptn_context:
        return _not_found(
            request, session, f"evaluation {event_id} does not belong to context {keptn_context}"
        )
    event = stored.event
    require(request, session, Action.EVALUATION_INVALIDATE, event.project, event.stage, target=event_id)
    if not stored.invalidated:
        invalidate(store, event_id, lambda: datetime.now(UTC), reason)
        where = {"project": event.project, "stage": event.stage, "service": event.service, "target": event_id}
        audit(request, principal_of(request, session), Action.EVALUATION_INVALIDATE.value, "allowed", **where)
    return RedirectResponse(evaluation_href(stored.event), status_code=303)
