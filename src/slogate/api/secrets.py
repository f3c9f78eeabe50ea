"""Keptn's secret-service routes: create, update, list (names, scopes and keys only), delete; scopes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from slogate.api.auth import audit, principal_of, require
from slogate.api.context import ServerContext, server_context
from slogate.domain.access import Action, Principal, decide
from slogate.ports import SecretInfo
from slogate.services.usecases.secrets import SecretService

BASE = "/api/secrets/v1"

router = APIRouter(tags=["secrets"])


class SecretIn(BaseModel):
    """The body of POST/PUT ``/secret``: Keptn's ``{name, scope?, data}``."""

    model_config = ConfigDict(extra="ignore")

    name: str
    scope: str | None = None
    data: dict[str, str] | None = None
    project: str | None = None  # slogate: the project whose executors alone read it (absent: global)


def secret_service(context: ServerContext = Depends(server_context)) -> SecretService:  # noqa: B008
    """FastAPI dependency: the secret use cases of the server."""
    return context.secrets


def _shown(info: SecretInfo) -> dict[str, Any]:
    shown: dict[str, Any] = {"name": info.name, "scope": info.scope, "keys": list(info.keys)}
    if info.project:
        shown["project"] = info.project
    return shown


def _may_write(request: Request, project: str) -> None:
    """A project's secret: its maintainers and owners; a global one (Keptn's): the admin only."""
    require(request, Action.SECRET_WRITE, project)


def _stored_project(service: SecretService, name: str) -> str:
    owner = service.owner(name)
    return owner or ""


_service = Depends(secret_service)


@router.post(f"{BASE}/secret", status_code=201, summary="Create a secret")
def create_secret(body: SecretIn, request: Request, service: SecretService = _service) -> dict[str, Any]:
    """Store a new secret (scope default ``keptn-default``; of ``project``, else global); 201 with its
    name, scope and keys."""
    project = body.project or ""
    _may_write(request, project)
    shown = _shown(service.create(body.name, body.scope, body.data or {}, project))
    audit(request, "secret.create", project=project, target=body.name)
    return shown


@router.put(f"{BASE}/secret", summary="Update a secret")
def update_secret(body: SecretIn, request: Request, service: SecretService = _service) -> dict[str, Any]:
    """Replace a secret's data (and scope and project, when given); its name, scope and keys."""
    _may_write(request, _stored_project(service, body.name))
    if body.project is not None:
        _may_write(request, body.project)
    shown = _shown(service.update(body.name, body.scope, body.data or {}, body.project))
    audit(request, "secret.update", project=shown.get("project", ""), target=body.name)
    return shown


@router.get(f"{BASE}/secret", summary="List secrets (never their values)")
def list_secrets(request: Request, service: SecretService = _service) -> dict[str, Any]:
    """Keptn's ``{"Secrets": [{name, scope, keys}]}``, sorted by name: those the caller may read (global
    ones for admins and auditors, a project's for its maintainers and owners)."""
    principal = principal_of(request)
    shown = [info for info in service.list() if _readable(principal, info)]
    return {"Secrets": [_shown(info) for info in shown]}


def _readable(principal: Principal, info: SecretInfo) -> bool:
    if principal.sees_everything:
        return True
    return decide(principal, Action.SECRET_READ, info.project).allowed


@router.delete(f"{BASE}/secret", summary="Delete a secret")
def delete_secret(
    request: Request,
    name: str = Query(..., min_length=1),
    scope: str = Query(..., min_length=1),
    service: SecretService = _service,
) -> Response:
    """Delete the secret ``name`` of ``scope`` (its project's maintainers; a global one:
    admins); 200 with an empty body, as Keptn answers."""
    project = _stored_project(service, name)
    _may_write(request, project)
    service.delete(name, scope)
    audit(request, "secret.delete", project=project, target=name)
    return Response(status_code=200)


@router.get(f"{BASE}/scope", summary="List the scopes a secret can have")
def list_scopes(service: SecretService = _service) -> dict[str, Any]:
    """Keptn's ``{"scopes": [...]}``, sorted."""
    return {"scopes": list(service.scopes())}
