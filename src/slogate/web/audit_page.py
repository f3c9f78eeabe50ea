"""The Bridge's audit page: who did what, where, from where and how it ended; for admins and auditors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from slogate.domain.access import Action
from slogate.web.access import RefusedError, can, principal_of
from slogate.web.pages import context_of, render, session_of
from slogate.web.session import Session

router = APIRouter(prefix="/bridge", include_in_schema=False)
FILTERS = ("project", "actor", "action", "outcome")
SHOWN = 200


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: Annotated[Session, Depends(session_of)]) -> HTMLResponse:
    """The newest records, filtered by the query's ``project``, ``actor``, ``action`` and ``outcome``."""
    if not can(request, session, Action.AUDIT_READ, ""):
        reason = f"user {principal_of(request, session).name!r} may not audit.read: it needs the global"
        raise RefusedError(request, session, f"{reason} admin or auditor role")
    filters = {name: str(request.query_params.get(name, "")).strip()[:200] for name in FILTERS}
    entries = context_of(request).audit.query(
        project=filters["project"],
        actor=filters["actor"],
        action=filters["action"],
        outcome=filters["outcome"],
        limit=SHOWN,
    )
    return render(request, "audit.html", {"entries": entries, "filters": filters, "shown": SHOWN}, session)
