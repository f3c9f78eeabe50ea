"""slogate's access routes: scoped API tokens, role bindings of users and groups, the audit log, whoami."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from slogate.api.auth import audit, principal_of, require
from slogate.api.context import ServerContext, server_context
from slogate.api.errors import ApiError
from slogate.domain.access import Action, Grant, Principal, decide
from slogate.ports.access import AuditEntry, Binding, TokenRecord
from slogate.services.usecases.access import grant_of, parse_expiry

BASE = "/api/slogate/v1"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
SUBJECT_PATTERN = r"^(user|group):\S.{0,254}$"
RoleName = Literal["viewer", "operator", "maintainer", "owner", "integration", "admin", "auditor"]
router = APIRouter(prefix=BASE, tags=["access"])
_context = Depends(server_context)


class TokenIn(BaseModel):
    """The body of ``POST /tokens``: a name, one role (on a project, or global), stages, an expiry."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN)
    role: RoleName
    project: str = Field("", max_length=200, description="none: a global role (admin, auditor)")
    stages: list[str] = Field(default_factory=list, max_length=50)
    expires: str = Field("", max_length=40, description="30d, 12h, 90m, 2w, a date, or never (default)")


class BindingIn(BaseModel):
    """The body of ``POST /roles``: a subject (``user:<name>``, ``group:<name>``) and the role it gets."""

    model_config = ConfigDict(extra="forbid")
    subject: str = Field(pattern=SUBJECT_PATTERN)
    role: RoleName
    project: str = Field("", max_length=200)
    stages: list[str] = Field(default_factory=list, max_length=50)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def grant_json(grant: Grant) -> dict[str, Any]:
    """A grant as the API shows it."""
    return {"role": grant.role.value, "project": grant.project, "stages": sorted(grant.stages)}


def token_json(record: TokenRecord) -> dict[str, Any]:
    """A token as the API shows it: never the secret nor its hash."""
    return {
        "name": record.name,
        "id": record.id,
        "grants": [grant_json(grant) for grant in record.grants],
        "createdAt": _time(record.created),
        "createdBy": record.created_by,
        "expiresAt": _time(record.expires),
        "lastUsedAt": _time(record.last_used),
    }


def binding_json(binding: Binding) -> dict[str, Any]:
    """A binding as the API shows it."""
    return {"subject": binding.subject, **grant_json(binding.grant), "createdBy": binding.created_by}


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    """An audit record as the API shows it."""
    return {
        "id": entry.seq,
        "time": _time(entry.at),
        "actor": entry.actor,
        "actorKind": entry.actor_kind,
        "action": entry.action,
        "outcome": entry.outcome,
        "project": entry.project,
        "stage": entry.stage,
        "service": entry.service,
        "target": entry.target,
        "sourceIP": entry.source_ip,
        "details": entry.details,
    }


def _may_manage(request: Request, action: Action, grants: tuple[Grant, ...]) -> None:
    """403 (audited) unless the caller is an admin, or owns every project of ``grants``."""
    for grant in grants:
        require(request, action, grant.project)


def _manages(principal: Principal, action: Action, grants: tuple[Grant, ...]) -> bool:
    return all(decide(principal, action, grant.project).allowed for grant in grants)


def _require_manager(request: Request, action: Action) -> Principal:
    """The caller, when it manages ``action`` somewhere (an admin, a project's owner); else 403."""
    principal = principal_of(request)
    if not any(decide(principal, action, grant.project).allowed for grant in principal.grants):
        require(request, action)
    return principal


@router.post("/tokens", status_code=201, summary="Create a scoped API token (shown once)")
def create_token(body: TokenIn, request: Request, context: ServerContext = _context) -> dict[str, Any]:
    """201 with the token (``slg_<id>_<secret>``; only its hash is kept) and its record."""
    grant = grant_of(body.role, body.project, body.stages)
    expires = parse_expiry(body.expires, datetime.now(UTC))
    _may_manage(request, Action.TOKEN_MANAGE, (grant,))
    created = context.access.create_token(body.name, (grant,), expires, principal_of(request).name)
    audit(request, "token.create", project=grant.project, target=body.name, details=grant_json(grant))
    return {"token": created.token, **token_json(created.record)}


@router.get("/tokens", summary="List API tokens (never their secrets)")
def list_tokens(request: Request, context: ServerContext = _context) -> dict[str, Any]:
    """``{"tokens": [...]}``: all for an admin; a project owner's of its projects only."""
    principal = _require_manager(request, Action.TOKEN_MANAGE)
    tokens = context.access.tokens()
    shown = [record for record in tokens if _manages(principal, Action.TOKEN_MANAGE, record.grants)]
    return {"tokens": [token_json(record) for record in shown]}


@router.delete("/tokens/{name}", summary="Revoke an API token (at once, on every replica)")
def revoke_token(name: str, request: Request, context: ServerContext = _context) -> dict[str, Any]:
    """200 with the revoked token's record; 404 when no token has that name."""
    _require_manager(request, Action.TOKEN_MANAGE)  # a stranger learns no token's name
    record = context.access.token_named(name)
    _may_manage(request, Action.TOKEN_MANAGE, record.grants)
    context.access.revoke(name)
    project = record.grants[0].project if record.grants else ""
    audit(request, "token.revoke", project=project, target=name)
    return token_json(record)


@router.post("/roles", status_code=201, summary="Give a user or group a role")
def grant_role(body: BindingIn, request: Request, context: ServerContext = _context) -> dict[str, Any]:
    """201 with the binding; the same subject and role on the same project is replaced (its stages)."""
    grant = grant_of(body.role, body.project, body.stages)
    _may_manage(request, Action.MEMBERS_MANAGE, (grant,))
    binding = context.access.bind(body.subject, grant, principal_of(request).name)
    audit(request, "role.grant", project=grant.project, target=body.subject, details=grant_json(grant))
    return binding_json(binding)


@router.get("/roles", summary="List role bindings of users and groups")
def list_roles(
    request: Request, context: ServerContext = _context, subject: str | None = Query(None, max_length=300)
) -> dict[str, Any]:
    """``{"bindings": [...]}``: all for an admin; a project owner's of its projects only."""
    principal = _require_manager(request, Action.MEMBERS_MANAGE)
    found = context.access.bindings([subject] if subject else None)
    shown = [b for b in found if _manages(principal, Action.MEMBERS_MANAGE, (b.grant,))]
    return {"bindings": [binding_json(binding) for binding in shown]}


@router.delete("/roles", summary="Take a role from a user or group")
def revoke_role(
    request: Request,
    context: ServerContext = _context,
    subject: str = Query(..., min_length=1, max_length=300),
    role: str = Query(..., min_length=1, max_length=40),
    project: str = Query("", max_length=200),
) -> dict[str, Any]:
    """200 ``{}``; 404 when the subject did not hold that role."""
    grant = grant_of(role, project)
    _may_manage(request, Action.MEMBERS_MANAGE, (grant,))
    context.access.unbind(subject, grant)
    audit(request, "role.revoke", project=grant.project, target=subject, details=grant_json(grant))
    return {}


_since = Query(None, description="RFC 3339; records at or after it")


@router.get("/audit", summary="The audit log, newest first (admins and auditors)")
def read_audit(
    context: ServerContext = _context,
    project: str = Query("", max_length=200),
    actor: str = Query("", max_length=200),
    action: str = Query("", max_length=100),
    outcome: str = Query("", pattern="^(|allowed|denied)$"),
    since: datetime | None = _since,
    limit: int = Query(100, ge=1, le=10_000),
) -> dict[str, Any]:
    """``{"entries": [...]}``, newest first, filtered."""
    if since is not None and since.tzinfo is None:
        raise ApiError(400, "since: give a time with an offset, e.g. 2026-12-01T00:00:00Z")
    found = context.audit.query(project, actor, action, outcome, since, None, limit)
    return {"entries": [entry_json(entry) for entry in found]}


@router.get("/whoami", summary="The caller: its name and roles")
def whoami(request: Request) -> dict[str, Any]:
    """``{name, kind, grants}`` of the presented token."""
    principal = principal_of(request)
    return {
        "name": principal.name,
        "kind": principal.kind,
        "grants": [grant_json(grant) for grant in principal.grants],
    }
