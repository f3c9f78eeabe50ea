"""The Bridge's dashboard: every project with its stages and its latest sequence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from slogate.web.access import principal_of, visible_projects
from slogate.web.pages import context_of, render, session_of
from slogate.web.session import Session
from slogate.web.settings_project import notice_of
from slogate.web.status import sequence_status

router = APIRouter(prefix="/bridge", include_in_schema=False)
PROJECTS_SHOWN = 200


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: Annotated[Session, Depends(session_of)]) -> HTMLResponse:
    """Projects, their stages and how their latest sequence went."""
    context = context_of(request)
    page = context.catalog.projects(limit=PROJECTS_SHOWN, offset=0)
    shown = visible_projects(request, session, (project.name for project in page.projects))
    projects: list[dict[str, Any]] = []
    for project in (project for project in page.projects if project.name in shown):
        states, _ = context.sequence_queries.states(project.name, limit=1, offset=0)
        latest = None
        if states:
            state = states[0]
            latest = {"name": state.name, "service": state.service, "status": sequence_status(state)}
        projects.append({"name": project.name, "stages": [s.name for s in project.stages], "latest": latest})
    no_access = bool(session.user) and not projects and not principal_of(request, session).sees_everything
    values = {"projects": projects, "notice": notice_of(request), "no_access": no_access}
    return render(request, "dashboard.html", values, session)
