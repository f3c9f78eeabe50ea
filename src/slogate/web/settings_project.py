"""The Bridge's project settings: shipyard shown and replaced, project deleted; services created, deleted."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from slogate.domain.access import Action
from slogate.errors import ConflictError, InputError, NotFoundError
from slogate.ports.catalog import ProjectRecord
from slogate.web.access import record, require
from slogate.web.pages import checked_session, context_of, render, session_of
from slogate.web.project_scope import missing_project
from slogate.web.session import Session

router = APIRouter(prefix="/bridge", include_in_schema=False)
FormText = Annotated[str, Form()]
MAX_SHIPYARD_BYTES = 512 * 1024
NOTICES = {
    "shipyard": "The shipyard was replaced.",
    "service-created": "Service {name} was created in every stage.",
    "service-deleted": "Service {name} was deleted from every stage.",
    "project-deleted": "Project {name} was deleted with its stages and services.",
    "secret-created": "Secret {name} was created.",
    "secret-updated": "Secret {name} was updated.",
    "secret-deleted": "Secret {name} was deleted.",
}


def settings_base(project: str) -> str:
    """Where the settings pages of ``project`` live."""
    return f"/bridge/project/{quote(project, safe='')}/settings"


def notice_of(request: Request) -> str:
    """The sentence a redirect after a change asks for (``?done=<code>&name=…``), or ``""``."""
    template = NOTICES.get(request.query_params.get("done", ""), "")
    return template.format(name=f"'{request.query_params.get('name', '')}'") if template else ""


def done(target: str, code: str, name: str = "") -> RedirectResponse:
    """After a change: to ``target``, which says what was done."""
    query = {"done": code, **({"name": name} if name else {})}
    return RedirectResponse(f"{target}?{urlencode(query)}", status_code=303)


@router.get("/project/{project}/settings", response_model=None)
def settings(project: str, session: Annotated[Session, Depends(session_of)]) -> Response:
    """The settings start with the project's."""
    return RedirectResponse(f"{settings_base(project)}/project", status_code=303)


@router.get("/project/{project}/settings/project", response_class=HTMLResponse)
def project_settings(
    request: Request, project: str, session: Annotated[Session, Depends(session_of)]
) -> HTMLResponse:
    """The project's shipyard (shown; replaced by an upload or an edit) and its deletion."""
    return project_page(request, session, project)


def project_page(
    request: Request, session: Session, project: str, form: Mapping[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The project settings page; ``form`` re-shows what was sent with its error."""

    def values(record: ProjectRecord) -> dict[str, Any]:
        return {"shipyard": record.shipyard, "stages": [stage.name for stage in record.stages]}

    return settings_page(request, session, project, "project", values, form, status)


def settings_page(
    request: Request,
    session: Session,
    project: str,
    section: str,
    values_of: Callable[[ProjectRecord], dict[str, Any]],
    form: Mapping[str, Any] | None,
    status: int,
) -> HTMLResponse:
    """A settings page of ``section`` (``settings_<section>.html``) with the project's ``values_of``;
    the missing-project page for an unknown project."""
    try:
        record = context_of(request).catalog.project(project)
    except NotFoundError:
        return missing_project(request, session, project)
    values = {
        "project": project,
        "section": section,
        **values_of(record),
        "form": form or {},
        "notice": notice_of(request),
    }
    return render(request, f"settings_{section}.html", values, session, status_code=status)


@router.post("/project/{project}/settings/project/shipyard", response_model=None)
async def replace_shipyard(
    request: Request, project: str, session: Annotated[Session, Depends(checked_session)]
) -> Response:
    """Replace the shipyard (``PUT /project``) by the uploaded file, else by the edited text."""
    require(request, session, Action.CONFIG_WRITE, project, target="shipyard.yaml")
    form = await request.form()
    try:
        text, problem = await shipyard_text(form.get("file"), form.get("shipyard"))
    finally:
        await form.close()  # the upload's temporary file
    if not problem:
        try:
            encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
            context_of(request).catalog.update_project(project, encoded)
        except NotFoundError:
            return missing_project(request, session, project)
        except (InputError, ConflictError) as error:
            problem = f"The shipyard was not replaced: {error.message}"
    if problem:
        return project_page(request, session, project, {"shipyard": text, "error": problem}, 422)
    record(request, session, "project.update", project, target="shipyard.yaml")
    return done(f"{settings_base(project)}/project", "shipyard")


async def shipyard_text(upload: Any, edited: Any) -> tuple[str, str]:
    """The shipyard sent (an uploaded file wins over the text field) and what is wrong with it, or ``""``."""
    text = edited if isinstance(edited, str) else ""
    if upload is not None and not isinstance(upload, str) and upload.filename:
        data = await upload.read(MAX_SHIPYARD_BYTES + 1)
        if len(data) > MAX_SHIPYARD_BYTES:
            return (
                text,
                f"{upload.filename} is larger than {MAX_SHIPYARD_BYTES // 1024} KB: is it a shipyard?",
            )
        try:
            return data.decode("utf-8"), ""
        except UnicodeDecodeError:
            return text, f"{upload.filename} is not UTF-8 text: upload the shipyard.yaml file"
    if not text.strip():
        return text, "The shipyard is empty: choose a shipyard.yaml file, or edit the text"
    return text, ""


@router.post("/project/{project}/settings/project/delete", response_model=None)
def delete_project(
    request: Request,
    project: str,
    session: Annotated[Session, Depends(checked_session)],
    confirm: FormText = "",
) -> Response:
    """Delete the project, when its name was typed to confirm; to the project list."""
    require(request, session, Action.PROJECT_DELETE, project, target=project)
    if confirm != project:
        problem = f"Type the project's name, {project}, exactly to delete it (you typed '{confirm}')."
        return project_page(request, session, project, {"delete_error": problem}, 422)
    try:
        context_of(request).catalog.delete_project(project)
    except NotFoundError:
        return missing_project(request, session, project)
    record(request, session, "project.delete", project, target=project)
    return done("/bridge/", "project-deleted", project)


@router.get("/project/{project}/settings/services", response_class=HTMLResponse)
def services_settings(
    request: Request, project: str, session: Annotated[Session, Depends(session_of)]
) -> HTMLResponse:
    """The project's services, with create and delete."""
    return services_page(request, session, project)


def services_page(
    request: Request, session: Session, project: str, form: Mapping[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The service settings page; ``form`` re-shows what was sent with its error."""

    def values(record: ProjectRecord) -> dict[str, Any]:
        return {"services": sorted({service.name for stage in record.stages for service in stage.services})}

    return settings_page(request, session, project, "services", values, form, status)


@router.post("/project/{project}/settings/services", response_model=None)
def create_service(
    request: Request,
    project: str,
    session: Annotated[Session, Depends(checked_session)],
    name: FormText = "",
) -> Response:
    """Create a service in every stage (``POST /project/{p}/service``)."""
    require(request, session, Action.CONFIG_WRITE, project, target=name)
    try:
        context_of(request).catalog.create_service(project, name.strip())
    except NotFoundError:
        return missing_project(request, session, project)
    except (InputError, ConflictError) as error:
        problem = f"Service '{name}' was not created: {error.message}"
        return services_page(request, session, project, {"name": name, "error": problem}, 422)
    record(request, session, "service.create", project, target=name.strip())
    return done(f"{settings_base(project)}/services", "service-created", name.strip())


@router.post("/project/{project}/settings/services/delete", response_model=None)
def delete_service(
    request: Request,
    project: str,
    session: Annotated[Session, Depends(checked_session)],
    name: FormText = "",
) -> Response:
    """Delete a service from every stage."""
    require(request, session, Action.CONFIG_WRITE, project, target=name)
    catalog = context_of(request).catalog
    try:
        catalog.project(project)
    except NotFoundError:
        return missing_project(request, session, project)
    try:
        catalog.delete_service(project, name)
    except (InputError, ConflictError) as error:
        problem = f"Service '{name}' was not deleted: {error.message}"
        return services_page(request, session, project, {"delete_error": problem}, 422)
    record(request, session, "service.delete", project, target=name)
    return done(f"{settings_base(project)}/services", "service-deleted", name)
