"""Who is logged in to the Bridge (a Principal) and what they may see and do: 404 for a hidden project,
403 for a refused action, and the audit record of each decision that changes something."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from slogate.api.clients import client_of
from slogate.domain.access import Action, Grant, Principal, Role, decide, visible
from slogate.errors import NotFoundError, SlogateError
from slogate.services.usecases.audit import ALLOWED
from slogate.web.pages import context_of, keys_of, render, templates
from slogate.web.session import COOKIE, Session

GrantSource = Callable[[list[str]], tuple[Grant, ...]]
ADMIN_GRANTS = (Grant(Role.ADMIN),)


class HiddenProjectError(NotFoundError):
    """The user may not see the project: answered like a project (or a context) that does not exist."""

    def __init__(self, request: Request, session: Session, project: str, keptn_context: str = "") -> None:
        super().__init__(f"project {project!r} not found")
        self.request, self.session, self.project = request, session, project
        self.keptn_context = keptn_context


class RefusedError(SlogateError):
    """The user may see the project but not do this (403, with the role it needs)."""

    code = "bridge_refused"

    def __init__(self, request: Request, session: Session, reason: str) -> None:
        super().__init__(reason)
        self.request, self.session = request, session


def subjects_of(session: Session) -> list[str]:
    """The subjects whose bindings an OpenID user holds: ``user:<name>`` and ``group:<name>`` each."""
    return [f"user:{session.user}", *(f"group:{group}" for group in session.groups)]


def grants_of(request: Request, subjects: list[str]) -> tuple[Grant, ...]:
    """The grants of ``subjects``: from the access file (SLOGATE_ACCESS_FILE) and the stored role
    bindings (``slogate role grant``)."""
    source: GrantSource = request.app.state.bridge_grants
    return source(subjects) + tuple(context_of(request).access.grants_for_subjects(subjects))


def principal_of(request: Request, session: Session) -> Principal:
    """The session's Principal (kept for the request): an OpenID user with the grants of its subjects;
    the API token and basic-auth logins act as admin, as before OpenID logins existed."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    if session.user:
        principal = Principal(session.user, "user", grants_of(request, subjects_of(session)))
    else:
        principal = Principal(context_of(request).settings.bridge_user or "bridge", "bridge", ADMIN_GRANTS)
    request.state.principal = principal
    return principal


def visible_projects(request: Request, session: Session, projects: Iterable[str]) -> set[str]:
    """The names among ``projects`` the user may see."""
    return set(visible(principal_of(request, session), projects))


def can(request: Request, session: Session, action: Action, project: str, stage: str = "") -> bool:
    """Whether the user may do ``action`` (for showing a button)."""
    return decide(principal_of(request, session), action, project, stage).allowed


def require_visible(request: Request, session: Session, project: str) -> None:
    """HiddenProjectError (404) unless the user may read ``project``."""
    if not can(request, session, Action.PROJECT_READ, project):
        raise HiddenProjectError(request, session, project)


def require(
    request: Request, session: Session, action: Action, project: str, stage: str = "", **what: str
) -> None:
    """The server-side check of a button: 404 for a hidden project, 403 (recorded in the audit log)
    for a refused action."""
    require_visible(request, session, project)
    principal = principal_of(request, session)
    decision = decide(principal, action, project, stage)
    if not decision.allowed:
        audit(request, principal, action.value, "denied", project=project, stage=stage, **what)
        raise RefusedError(request, session, decision.reason)


def audit(request: Request, actor: Principal, action: str, outcome: str, **fields: Any) -> None:
    """Record a Bridge action in the server's audit log, with the client's address."""
    context = context_of(request)
    source_ip = client_of(request.scope, context.settings.proxy_networks())
    context.audit.record(actor, action, outcome, source_ip=source_ip, **fields)


def record(
    request: Request,
    session: Session,
    action: str,
    project: str,
    stage: str = "",
    target: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Record what the session's user was allowed to do (an approval, a trigger, a sequence control)."""
    where = {"project": project, "stage": stage, "target": target, "details": details}
    audit(request, principal_of(request, session), action, ALLOWED, **where)


def hidden_page(error: HiddenProjectError) -> HTMLResponse:
    """The 404 page of a project that does not exist, also for one the user may not see; for a page
    reached by its context, that of a missing evaluation (never naming the project)."""
    if error.keptn_context:
        message = f"no evaluation found in context {error.keptn_context}"
        return render(
            error.request, "_eval_missing.html", {"message": message}, error.session, status_code=404
        )
    values = {"project": error.project}
    return render(error.request, "_env_missing.html", values, error.session, status_code=404)


def guard_project(request: Request) -> None:
    """Dependency of every Bridge route: a page of a project (``{project}`` in its path, or the project
    of its ``{keptn_context}``) the logged-in user may not see answers 404 before the page is built.
    Without a session it does nothing: the route's own dependency sends the browser to the login."""
    params = request.path_params
    project, keptn_context = params.get("project"), params.get("keptn_context")
    if project is None and keptn_context is None:
        return
    session = keys_of(request).verify(request.cookies.get(COOKIE))
    if session is None or not session.user:
        return
    if project is not None:
        if request.method != "GET" and not can(request, session, Action.PROJECT_READ, project):
            principal = principal_of(request, session)
            audit(request, principal, "project.read", "denied", project=project, target=request.url.path)
        require_visible(request, session, project)
        return
    events = context_of(request).store.find(shkeptncontext=keptn_context, limit=1)
    if events and not can(request, session, Action.PROJECT_READ, events[0].project):
        raise HiddenProjectError(request, session, events[0].project, keptn_context=str(keptn_context))


def template_can(request: Request, action: str, project: str, stage: str = "") -> bool:
    """``can(request, "approval.decide", project, stage)`` in templates: whether to show a button."""
    session = getattr(request.state, "session", None)
    if not isinstance(session, Session):
        return False
    return can(request, session, Action(action), project, stage)


def template_can_somewhere(request: Request, action: str, project: str, stages: Iterable[str]) -> bool:
    """Whether the user may do ``action`` in at least one of ``stages`` (a form choosing the stage)."""
    return any(template_can(request, action, project, stage) for stage in stages)


templates.env.globals["can"] = template_can
templates.env.globals["can_somewhere"] = template_can_somewhere


def refused_page(error: RefusedError) -> HTMLResponse:
    """The 403 page: what was refused and the role that would allow it."""
    return render(error.request, "refused.html", {"reason": error.message}, error.session, status_code=403)
