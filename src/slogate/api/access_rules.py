"""Which action every API route needs, in one declarative map (method, path template) → rule, and the
dependency that authenticates each request and enforces its route's rule; a route without a rule is
open to the global admin only (closed by default)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from fastapi import Depends, Request

from slogate.api.auth import audit, authenticate, require
from slogate.api.context import ServerContext, server_context
from slogate.domain.access import Action, decide

A = Action


class Scope(Enum):
    """Where a rule's project comes from."""

    ANY = "any"  # any authenticated caller
    PATH = "path"  # the path's {project} (and {stage} when the route has one)
    GLOBAL = "global"  # no project: the global roles (admin; auditor for reads)
    SOME_PROJECT = "some-project"  # the action on at least one project (integrations)
    HANDLER = "handler"  # the handler checks (project in the body or query) or filters what it reads


@dataclass(frozen=True, slots=True)
class Rule:
    """The action a route needs and where its project is."""

    action: Action | None
    scope: Scope


ANY = Rule(None, Scope.ANY)


def path(action: Action) -> Rule:
    """``action`` on the path's project (and stage)."""
    return Rule(action, Scope.PATH)


def global_(action: Action) -> Rule:
    """``action`` without a project: the global roles."""
    return Rule(action, Scope.GLOBAL)


def handler(action: Action) -> Rule:
    """``action``, checked by the handler (or what it reads filtered by the caller's projects)."""
    return Rule(action, Scope.HANDLER)


def some_project(action: Action) -> Rule:
    """``action`` on at least one project (the uniform routes of an integration)."""
    return Rule(action, Scope.SOME_PROJECT)


_CP = "/api/controlPlane/v1"
_PROJECT = f"{_CP}/project/{{project}}"
_RS = "/api/resource-service/v1/project/{project}"
_UNIFORM = f"{_CP}/uniform/registration"
_SLOGATE = "/api/slogate/v1"


def _resources() -> dict[tuple[str, str], Rule]:
    rules: dict[tuple[str, str], Rule] = {}
    for level in ("", "/stage/{stage}", "/stage/{stage}/service/{service}"):
        base = f"{_RS}{level}/resource"
        rules[("GET", base)] = path(A.PROJECT_READ)
        rules[("GET", f"{base}/{{resourceURI}}")] = path(A.PROJECT_READ)
        for method in ("POST", "PUT"):
            rules[(method, base)] = path(A.CONFIG_WRITE)
        for method in ("PUT", "DELETE"):
            rules[(method, f"{base}/{{resourceURI}}")] = path(A.CONFIG_WRITE)
    return rules


RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/auth"): ANY,
    ("GET", "/api/v1/metadata"): ANY,
    ("GET", "/metrics"): global_(A.PROJECT_READ),
    ("POST", "/api/v1/import"): global_(A.PROJECT_CREATE),
    ("POST", "/api/v1/event"): handler(A.EVENT_SEND),  # by the event's type, project and stage
    ("GET", "/api/mongodb-datastore/health"): ANY,
    ("GET", "/api/mongodb-datastore/event"): handler(A.PROJECT_READ),
    ("GET", "/api/mongodb-datastore/event/type/{event_type}"): handler(A.PROJECT_READ),
    ("GET", f"{_CP}/project"): handler(A.PROJECT_READ),  # only the visible projects
    ("POST", f"{_CP}/project"): global_(A.PROJECT_CREATE),
    ("PUT", f"{_CP}/project"): handler(A.CONFIG_WRITE),  # the body's project
    ("GET", _PROJECT): path(A.PROJECT_READ),
    ("DELETE", _PROJECT): path(A.PROJECT_DELETE),
    ("GET", f"{_PROJECT}/stage"): path(A.PROJECT_READ),
    ("GET", f"{_PROJECT}/stage/{{stage}}"): path(A.PROJECT_READ),
    ("GET", f"{_PROJECT}/stage/{{stage}}/service"): path(A.PROJECT_READ),
    ("GET", f"{_PROJECT}/stage/{{stage}}/service/{{service}}"): path(A.PROJECT_READ),
    ("POST", f"{_PROJECT}/service"): path(A.CONFIG_WRITE),
    ("DELETE", f"{_PROJECT}/service/{{service}}"): path(A.CONFIG_WRITE),
    ("POST", f"{_PROJECT}/stage/{{stage}}/service/{{service}}/evaluation"): path(A.SEQUENCE_TRIGGER),
    ("GET", f"{_CP}/event/triggered/{{eventType}}"): handler(A.PROJECT_READ),
    **_resources(),
    ("POST", "/api/secrets/v1/secret"): handler(A.SECRET_WRITE),  # the secret's project, else global
    ("PUT", "/api/secrets/v1/secret"): handler(A.SECRET_WRITE),
    ("DELETE", "/api/secrets/v1/secret"): handler(A.SECRET_WRITE),
    ("GET", "/api/secrets/v1/secret"): handler(A.SECRET_READ),  # only the secrets the caller may read
    ("GET", "/api/secrets/v1/scope"): ANY,
    ("GET", _UNIFORM): some_project(A.PROJECT_READ),
    ("POST", _UNIFORM): some_project(A.TASK_ANSWER),
    ("DELETE", f"{_UNIFORM}/{{integration_id}}"): some_project(A.TASK_ANSWER),
    ("PUT", f"{_UNIFORM}/{{integration_id}}/ping"): some_project(A.TASK_ANSWER),
    ("GET", f"{_UNIFORM}/{{integration_id}}/subscription"): some_project(A.PROJECT_READ),
    ("POST", f"{_UNIFORM}/{{integration_id}}/subscription"): some_project(A.TASK_ANSWER),
    ("GET", f"{_UNIFORM}/{{integration_id}}/subscription/{{subscription_id}}"): some_project(A.PROJECT_READ),
    ("PUT", f"{_UNIFORM}/{{integration_id}}/subscription/{{subscription_id}}"): some_project(A.TASK_ANSWER),
    ("DELETE", f"{_UNIFORM}/{{integration_id}}/subscription/{{subscription_id}}"): some_project(
        A.TASK_ANSWER
    ),
    ("POST", f"{_CP}/sequence/{{project}}/{{keptnContext}}/control"): handler(A.SEQUENCE_CONTROL),
    ("GET", f"{_CP}/sequence/{{project}}"): path(A.PROJECT_READ),
    ("GET", f"{_CP}/sequence-execution"): handler(A.PROJECT_READ),  # the query's project
    ("POST", f"{_CP}/log"): some_project(A.TASK_ANSWER),
    ("GET", f"{_CP}/log"): global_(A.PROJECT_READ),
    ("DELETE", f"{_CP}/log"): global_(A.GLOBAL_MANAGE),
    ("POST", f"{_SLOGATE}/replay"): handler(A.PROJECT_READ),  # the body's project
    ("GET", f"{_SLOGATE}/project/{{project}}/dora"): path(A.PROJECT_READ),
    ("POST", "/api/v1/alertmanager"): handler(A.SEQUENCE_TRIGGER),  # each alert's project and stage
    ("GET", f"{_SLOGATE}/project/{{project}}/problem"): path(A.PROJECT_READ),
    ("POST", f"{_SLOGATE}/tokens"): handler(A.TOKEN_MANAGE),  # admins; owners for their project
    ("GET", f"{_SLOGATE}/tokens"): handler(A.TOKEN_MANAGE),
    ("DELETE", f"{_SLOGATE}/tokens/{{name}}"): handler(A.TOKEN_MANAGE),
    ("POST", f"{_SLOGATE}/roles"): handler(A.MEMBERS_MANAGE),
    ("GET", f"{_SLOGATE}/roles"): handler(A.MEMBERS_MANAGE),
    ("DELETE", f"{_SLOGATE}/roles"): handler(A.MEMBERS_MANAGE),
    ("GET", f"{_SLOGATE}/audit"): global_(A.AUDIT_READ),
    ("GET", f"{_SLOGATE}/whoami"): ANY,
    ("GET", f"{_SLOGATE}/replicas"): global_(A.PROJECT_READ),  # host names: admins and auditors
}

_CONVERTER = re.compile(r"\{(\w+):\w+\}")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def route_template(request: Request) -> str:
    """The path template of the route serving ``request`` (its path when there is none)."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return _CONVERTER.sub(r"{\1}", template)  # {resourceURI:path} → {resourceURI}, as OpenAPI names it
    return request.url.path  # no route: no rule matches, the admin-only default applies


async def authorize(request: Request, context: ServerContext = Depends(server_context)) -> None:  # noqa: B008
    """FastAPI dependency of every /api route: 401/429 without a valid token (``auth.authenticate``),
    403 when the route's rule refuses the caller; writes that pass the rule are audited."""
    authenticate(request, context)
    template = route_template(request)
    rule = RULES.get((request.method, template))
    if rule is None:  # closed by default: only the global admin passes a route nobody gave a rule
        rule = global_(A.GLOBAL_MANAGE)
    project = str(request.path_params.get("project", ""))
    stage = str(request.path_params.get("stage", ""))
    if rule.scope is Scope.PATH and rule.action is not None:
        require(request, rule.action, project, stage)
    elif rule.scope is Scope.GLOBAL and rule.action is not None:
        require(request, rule.action)
    elif rule.scope is Scope.SOME_PROJECT and rule.action is not None:
        _require_some_project(request, rule.action)
    if request.method in WRITE_METHODS and rule.scope is not Scope.HANDLER and rule.action is not None:
        service = str(request.path_params.get("service", ""))
        target = f"{request.method} {template}"
        audit(request, rule.action.value, project=project, stage=stage, service=service, target=target)


def _require_some_project(request: Request, action: Action) -> None:
    """Allowed when some grant of the caller allows ``action`` on its project (or the caller is global)."""
    principal = request.state.principal
    for grant in principal.grants:
        if decide(principal, action, grant.project, next(iter(grant.stages), "")).allowed:
            return
    require(request, action)  # refused: audited, 403 with the reason
