"""Keptn's secret-service routes: create, update, list (names, scopes and keys only), delete; scopes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict

from slogate.api.context import ServerContext, server_context
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


def secret_service(context: ServerContext = Depends(server_context)) -> SecretService:  # noqa: B008
    """FastAPI dependency: the secret use cases of the server."""
    return context.secrets


def _shown(info: SecretInfo) -> dict[str, Any]:
    return {"name": info.name, "scope": info.scope, "keys": list(info.keys)}


_service = Depends(secret_service)


@router.post(f"{BASE}/secret", status_code=201, summary="Create a secret")
def create_secret(body: SecretIn, service: SecretService = _service) -> dict[str, Any]:
    """Store a new secret (scope default ``keptn-default``); 201 with its name, scope and keys."""
    return _shown(service.create(body.name, body.scope, body.data or {}))


@router.put(f"{BASE}/secret", summary="Update a secret")
def update_secret(body: SecretIn, service: SecretService = _service) -> dict[str, Any]:
    """Replace a secret's data (and scope, when given); its name, scope and keys."""
    return _shown(service.update(body.name, body.scope, body.data or {}))


@router.get(f"{BASE}/secret", summary="List secrets (never their values)")
def list_secrets(service: SecretService = _service) -> dict[str, Any]:
    """Keptn's ``{"Secrets": [{name, scope, keys}]}``, sorted by name."""
    return {"Secrets": [_shown(info) for info in service.list()]}


@router.delete(f"{BASE}/secret", summary="Delete a secret")
def delete_secret(
    name: str = Query(..., min_length=1),
    scope: str = Query(..., min_length=1),
    service: SecretService = _service,
) -> Response:
    """Delete the secret ``name`` of ``scope``; 200 with an empty body, as Keptn answers."""
    service.delete(name, scope)
    return Response(status_code=200)


@router.get(f"{BASE}/scope", summary="List the scopes a secret can have")
def list_scopes(service: SecretService = _service) -> dict[str, Any]:
    """Keptn's ``{"scopes": [...]}``, sorted."""
    return {"scopes": list(service.scopes())}
