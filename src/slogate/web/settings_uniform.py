"""The Bridge's uniform settings: registered integrations; secrets (names, scopes, keys; never values)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from slogate.domain.access import Action
from slogate.domain.protocol.subscriptions import filter_admits
from slogate.errors import ConflictError, InputError, NotFoundError
from slogate.ports import IntegrationRecord
from slogate.ports.secrets import SecretInfo
from slogate.services.usecases.dora import human_duration
from slogate.web.access import principal_of, record, require
from slogate.web.pages import checked_session, context_of, render, session_of
from slogate.web.project_scope import missing_project
from slogate.web.session import Session
from slogate.web.settings_project import done, notice_of, settings_base

router = APIRouter(prefix="/bridge", include_in_schema=False)
KEY_ROWS = 4  # empty key/value rows a secret form offers (more: update the secret again)


@router.get("/project/{project}/settings/uniform/integrations", response_class=HTMLResponse)
def integrations(
    request: Request, project: str, session: Annotated[Session, Depends(session_of)]
) -> HTMLResponse:
    """The live registrations: name, version, host, location, last seen, subscriptions; active first."""
    context = context_of(request)
    try:
        context.catalog.project(project)
    except NotFoundError:
        return missing_project(request, session, project)
    now = datetime.now(UTC)
    rows = [integration_values(record, project, now) for record in context.integrations.integrations()]
    rows.sort(key=lambda row: (not row["active"], row["name"]))
    values = {"project": project, "section": "integrations", "integrations": rows}
    return render(request, "settings_integrations.html", values, session)


def integration_values(record: IntegrationRecord, project: str, now: datetime) -> dict[str, Any]:
    """One registration as the integrations table shows it."""
    metadata = record.metadata
    subscriptions = [
        {
            "event": subscription.event,
            "projects": ", ".join(subscription.filter.projects) or "all",
            "stages": ", ".join(subscription.filter.stages) or "all",
            "services": ", ".join(subscription.filter.services) or "all",
            "here": filter_admits(subscription.filter, project, None, None),
        }
        for subscription in record.subscriptions
    ]
    seen = record.last_seen if record.last_seen.tzinfo else record.last_seen.replace(tzinfo=UTC)
    return {
        "id": record.id,
        "name": record.name,
        "version": metadata.integration_version or metadata.distributor_version or "-",
        "host": metadata.hostname or "-",
        "namespace": metadata.namespace or "-",
        "location": metadata.location or "-",
        "last_seen": seen.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "seen_ago": human_duration(max(0.0, (now - seen).total_seconds())),
        "subscriptions": subscriptions,
        "active": any(s["here"] for s in subscriptions),
    }


@router.get("/project/{project}/settings/uniform/secrets", response_class=HTMLResponse)
def secrets(request: Request, project: str, session: Annotated[Session, Depends(session_of)]) -> HTMLResponse:
    """The project's secrets (and, for an admin, the global ones): name, scope and keys, with create,
    update and delete."""
    require(request, session, Action.SECRET_READ, project)
    return secrets_page(request, session, project)


def secrets_page(
    request: Request, session: Session, project: str, form: Mapping[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The secrets page; ``form`` re-shows what was sent (never a value) with its error."""
    context = context_of(request)
    try:
        context.catalog.project(project)
    except NotFoundError:
        return missing_project(request, session, project)
    service = context.secrets
    values = {
        "project": project,
        "section": "secrets",
        "secrets": [
            {"name": i.name, "scope": i.scope, "keys": list(i.keys), "global": not i.project}
            for i in shown_secrets(request, session, project)
        ],
        "scopes": list(service.scopes()),
        "form": form or {},
        "rows": KEY_ROWS,
        "notice": notice_of(request),
    }
    return render(request, "settings_secrets.html", values, session, status_code=status)


def shown_secrets(request: Request, session: Session, project: str) -> list[SecretInfo]:
    """The secrets the project's page manages: its own, and the global ones for an admin."""
    admin = principal_of(request, session).is_admin
    return [
        i for i in context_of(request).secrets.list() if i.project == project or (admin and not i.project)
    ]


def check_owned(request: Request, session: Session, project: str, name: str) -> None:
    """``NotFoundError`` unless secret ``name`` is one the project's page manages (no other project's)."""
    if all(info.name != name for info in shown_secrets(request, session, project)):
        raise NotFoundError(f"secret '{name}' not found in project '{project}'")


def secret_data(form: FormData) -> tuple[dict[str, str], list[str], str]:
    """The key/value rows sent: the data, the keys in the order typed, and what is wrong, or ``""``."""
    keys = [str(key).strip() for key in form.getlist("key")]
    values = [str(value) for value in form.getlist("value")]
    data: dict[str, str] = {}
    for index, key in enumerate(keys):
        value = values[index] if index < len(values) else ""
        if not key and not value:
            continue
        if not key:
            return data, keys, f"row {index + 1} has a value but no key: give each value its key"
        if not value:
            return data, keys, f"key '{key}' has no value: type its value (values are never shown again)"
        if key in data:
            return data, keys, f"key '{key}' is given twice: each key once"
        data[key] = value
    if not data:
        return data, keys, "a secret needs at least one key with its value"
    return data, keys, ""


@router.post("/project/{project}/settings/uniform/secrets", response_model=None)
async def save_secret(
    request: Request, project: str, session: Annotated[Session, Depends(checked_session)]
) -> Response:
    """Create a secret of the project (``action=create``) or replace a secret's scope and data
    (``action=update``)."""
    require(request, session, Action.SECRET_WRITE, project)
    form = await request.form()
    action = str(form.get("action", "create"))
    name, scope = str(form.get("name", "")).strip(), str(form.get("scope", ""))
    data, keys, problem = secret_data(form)
    service = context_of(request).secrets
    if not problem:
        try:
            if action == "update":
                check_owned(request, session, project, name)
                service.update(name, scope or None, data)
            else:
                service.create(name, scope or None, data, project)
        except (InputError, ConflictError, NotFoundError) as error:
            problem = error.message
    if problem:
        verb = "updated" if action == "update" else "created"
        sent = {
            "action": action,
            "name": name,
            "scope": scope,
            "keys": keys,
            "error": f"Secret '{name}' was not {verb}: {problem}. "
            "Values are never sent back: type them again.",
        }
        return secrets_page(request, session, project, sent, 422)
    code = "secret-updated" if action == "update" else "secret-created"
    record(request, session, f"secret.{action if action == 'update' else 'create'}", project, target=name)
    return done(f"{settings_base(project)}/uniform/secrets", code, name)


@router.post("/project/{project}/settings/uniform/secrets/delete", response_model=None)
async def delete_secret(
    request: Request, project: str, session: Annotated[Session, Depends(checked_session)]
) -> Response:
    """Delete the secret ``name`` of ``scope`` (one the project's page manages)."""
    require(request, session, Action.SECRET_WRITE, project)
    form = await request.form()
    name, scope = str(form.get("name", "")), str(form.get("scope", ""))
    try:
        check_owned(request, session, project, name)
        context_of(request).secrets.delete(name, scope)
    except (InputError, ConflictError, NotFoundError) as error:
        sent = {"action": "delete", "error": f"Secret '{name}' was not deleted: {error.message}"}
        return secrets_page(request, session, project, sent, 422)
    record(request, session, "secret.delete", project, target=name)
    return done(f"{settings_base(project)}/uniform/secrets", "secret-deleted", name)
