"""Keptn's controlPlane catalog routes: projects, stages, services, evaluation triggers, open tasks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from slogate.api.auth import audit, principal_of, require
from slogate.api.context import ServerContext, server_context
from slogate.api.errors import ApiError
from slogate.domain.access import Action, visible
from slogate.domain.protocol.ingestion import to_cloudevent
from slogate.ports import ProjectRecord, ServiceRecord, StageRecord
from slogate.services.usecases.catalog import CatalogService
from slogate.services.usecases.catalog_requests import INVALID_REQUEST, EvaluationRequest, GitCredentials
from slogate.services.usecases.paging import next_page_key

BASE = "/api/controlPlane/v1"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 2**62  # Keptn sets no limit; this keeps SQL LIMIT within 64 bits
_OFFSET = re.compile(r"[0-9]{1,18}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

router = APIRouter(prefix=BASE, tags=["controlPlane"])


class _Body(BaseModel):
    """A request body: unknown fields are refused, as Keptn's decoder does."""

    model_config = ConfigDict(extra="forbid")


class ProxyIn(_Body):
    """``gitCredentials.https.proxy``."""

    url: str | None = None
    scheme: str | None = None
    user: str | None = None
    password: str | None = None


class HttpsIn(_Body):
    """``gitCredentials.https``."""

    token: str | None = None
    certificate: str | None = None
    insecureSkipTLS: bool | None = None  # noqa: N815 (Keptn's field name)
    proxy: ProxyIn | None = None


class SshIn(_Body):
    """``gitCredentials.ssh``."""

    privateKey: str | None = None  # noqa: N815
    privateKeyPass: str | None = None  # noqa: N815


class GitCredentialsIn(_Body):
    """Keptn's ``GitAuthCredentials``: validated as Keptn does, not stored (slogate has no upstream)."""

    remoteURL: str | None = None  # noqa: N815
    user: str | None = None
    mode: str | None = None
    https: HttpsIn | None = None
    ssh: SshIn | None = None

    def credentials(self) -> GitCredentials:
        """What the catalog checks."""
        return GitCredentials(
            remote_url=self.remoteURL or "",
            https=self.https is not None,
            ssh=self.ssh is not None,
            private_key=(self.ssh.privateKey or "") if self.ssh else "",
            certificate=(self.https.certificate or "") if self.https else "",
        )


class ProjectIn(_Body):
    """The body of ``POST /project`` and ``PUT /project``; ``shipyard`` is base64-encoded YAML."""

    name: str | None = None
    shipyard: str | None = None
    gitCredentials: GitCredentialsIn | None = None  # noqa: N815

    def credentials(self) -> GitCredentials | None:
        """The git credentials, if given."""
        return self.gitCredentials.credentials() if self.gitCredentials is not None else None


class ServiceIn(_Body):
    """The body of ``POST /project/{project}/service``."""

    serviceName: str | None = None  # noqa: N815


class EvaluationIn(_Body):
    """The body of ``POST …/evaluation``."""

    start: str | None = None
    end: str | None = None
    timeframe: str | None = None
    labels: dict[str, str] | None = None
    gitcommitid: str | None = None


def catalog_service(context: ServerContext = Depends(server_context)) -> CatalogService:  # noqa: B008
    """FastAPI dependency: the catalog use cases of the server."""
    return context.catalog


_catalog = Depends(catalog_service)
_page_size = Query(DEFAULT_PAGE_SIZE, alias="pageSize", ge=1, le=MAX_PAGE_SIZE)
_next_page_key = Query(None, alias="nextPageKey")


def offset_of(next_page_key: str | None) -> int:
    """The offset a ``nextPageKey`` stands for (absent: the first page)."""
    if next_page_key is None or next_page_key == "":
        return 0
    if _OFFSET.fullmatch(next_page_key) is None:
        raise ApiError(400, INVALID_REQUEST.format(f"nextPageKey '{next_page_key}' is not a page key"))
    return int(next_page_key)


def paged(key: str, items: list[dict[str, Any]], offset: int, page_size: int, total: int) -> dict[str, Any]:
    """Keptn's paged list: the items under ``key``, ``nextPageKey`` ("0" on the last page), counts."""
    return {
        key: items,
        "nextPageKey": next_page_key(offset, page_size, total),
        "totalCount": total,
        "pageSize": len(items),
    }


# --- Keptn's JSON models ---------------------------------------------------------------------------


def unix_nanos(moment: datetime) -> str:
    """Keptn's ``creationDate``/``time`` of the project view: Unix time in nanoseconds, as text."""
    delta = moment.astimezone(UTC) - _EPOCH
    return str((delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000)


def service_json(service: ServiceRecord) -> dict[str, Any]:
    """Keptn's ``ExpandedService``."""
    return {
        "serviceName": service.name,
        "creationDate": unix_nanos(service.created),
        "deployedImage": service.deployed_image,
        "lastEventTypes": {
            event_type: {
                "eventId": info.event_id,
                "keptnContext": info.keptn_context,
                "time": unix_nanos(info.time),
            }
            for event_type, info in service.last_event_types
        },
        "openRemediations": [],
    }


def stage_json(stage: StageRecord) -> dict[str, Any]:
    """Keptn's ``ExpandedStage``."""
    return {
        "stageName": stage.name,
        "parentStages": list(stage.parent_stages),
        "services": [service_json(service) for service in stage.services],
    }


def project_json(project: ProjectRecord) -> dict[str, Any]:
    """Keptn's ``ExpandedProject`` (no git credentials: slogate has no upstream)."""
    return {
        "projectName": project.name,
        "creationDate": unix_nanos(project.created),
        "shipyard": project.shipyard,
        "shipyardVersion": project.shipyard_version,
        "stages": [stage_json(stage) for stage in project.stages],
    }


# --- projects ----------------------------------------------------------------------------------------


@router.get("/project", summary="List projects")
def list_projects(
    request: Request,
    catalog: CatalogService = _catalog,
    page_size: int = _page_size,
    next_page: str | None = _next_page_key,
    disable_upstream_sync: bool = Query(False, alias="disableUpstreamSync"),
) -> dict[str, Any]:
    """Projects sorted by name, paged; ``disableUpstreamSync`` is accepted and has no effect."""
    offset = offset_of(next_page)
    principal = principal_of(request)
    if not principal.sees_everything:  # only the projects the caller may read, paged after filtering
        every = catalog.projects(limit=catalog.projects(limit=0, offset=0).total, offset=0).projects
        readable = set(visible(principal, [p.name for p in every]))
        shown = [p for p in every if p.name in readable]
        window = [project_json(p) for p in shown[offset : offset + page_size]]
        return paged("projects", window, offset, page_size, len(shown))
    page = catalog.projects(limit=page_size, offset=offset)
    return paged("projects", [project_json(p) for p in page.projects], offset, page_size, page.total)


@router.get("/project/{project}", summary="Get a project")
def get_project(project: str, catalog: CatalogService = _catalog) -> dict[str, Any]:
    """The project with its stages (shipyard order) and services."""
    return project_json(catalog.project(project))


@router.post("/project", status_code=201, summary="Create a project")
def create_project(body: ProjectIn, catalog: CatalogService = _catalog) -> Response:
    """201 with an empty body; the shipyard's stages are created with the project."""
    catalog.create_project(body.name, body.shipyard, body.credentials())
    return Response(status_code=201)


@router.put("/project", status_code=201, summary="Update a project")
def update_project(body: ProjectIn, request: Request, catalog: CatalogService = _catalog) -> Response:
    """201 with an empty body; a new shipyard must keep the stages (their order may change)."""
    require(request, Action.CONFIG_WRITE, body.name or "")
    audit(request, Action.CONFIG_WRITE.value, project=body.name or "", target="PUT project")
    catalog.update_project(body.name, body.shipyard, body.credentials())
    return Response(status_code=201)


@router.delete("/project/{project}", summary="Delete a project")
def delete_project(project: str, catalog: CatalogService = _catalog) -> dict[str, str]:
    """The project, its stages and services are deleted; an informational message."""
    return {"message": catalog.delete_project(project)}


# --- stages and services -------------------------------------------------------------------------


@router.get("/project/{project}/stage", summary="List the stages of a project")
def list_stages(
    project: str,
    catalog: CatalogService = _catalog,
    page_size: int = _page_size,
    next_page: str | None = _next_page_key,
) -> dict[str, Any]:
    """The stages sorted by name (as Keptn sorts them), paged."""
    offset = offset_of(next_page)
    stages, total = catalog.stages(project, limit=page_size, offset=offset)
    return paged("stages", [stage_json(stage) for stage in stages], offset, page_size, total)


@router.get("/project/{project}/stage/{stage}", summary="Get a stage")
def get_stage(project: str, stage: str, catalog: CatalogService = _catalog) -> dict[str, Any]:
    """One stage with its services."""
    return stage_json(catalog.stage(project, stage))


@router.get("/project/{project}/stage/{stage}/service", summary="List the services of a stage")
def list_services(
    project: str,
    stage: str,
    catalog: CatalogService = _catalog,
    page_size: int = _page_size,
    next_page: str | None = _next_page_key,
) -> dict[str, Any]:
    """The services of the stage sorted by name, paged."""
    offset = offset_of(next_page)
    page = catalog.services(project, stage, limit=page_size, offset=offset)
    return paged("services", [service_json(s) for s in page.services], offset, page_size, page.total)


@router.get("/project/{project}/stage/{stage}/service/{service}", summary="Get a service")
def get_service(project: str, stage: str, service: str, catalog: CatalogService = _catalog) -> dict[str, Any]:
    """One service of a stage."""
    return service_json(catalog.service(project, stage, service))


@router.post("/project/{project}/service", summary="Create a service in every stage")
def create_service(project: str, body: ServiceIn, catalog: CatalogService = _catalog) -> dict[str, str]:
    """200 ``{"message": ""}``; 409 when the service exists."""
    catalog.create_service(project, body.serviceName)
    return {"message": ""}


@router.delete("/project/{project}/service/{service}", summary="Delete a service from every stage")
def delete_service(project: str, service: str, catalog: CatalogService = _catalog) -> dict[str, str]:
    """200 ``{"message": ""}``."""
    catalog.delete_service(project, service)
    return {"message": ""}


# --- evaluations and open tasks -------------------------------------------------------------------


@router.post("/project/{project}/stage/{stage}/service/{service}/evaluation", summary="Trigger an evaluation")
def trigger_evaluation(
    project: str, stage: str, service: str, body: EvaluationIn, catalog: CatalogService = _catalog
) -> dict[str, str]:
    """Sends ``sh.keptn.event.<stage>.evaluation.triggered`` for the window; its Keptn context."""
    request = EvaluationRequest(
        start=body.start or "",
        end=body.end or "",
        timeframe=body.timeframe or "",
        labels=body.labels or {},
        gitcommitid=body.gitcommitid or "",
    )
    return {"keptnContext": catalog.trigger_evaluation(project, stage, service, request)}


@router.get("/event/triggered/{eventType}", summary="Open .triggered events of a type")
def open_triggered_events(
    request: Request,
    eventType: str,  # noqa: N803 (the path parameter's name in Keptn's API)
    catalog: CatalogService = _catalog,
    project: str | None = None,
    stage: str | None = None,
    service: str | None = None,
    event_id: str | None = Query(None, alias="eventID"),
    page_size: int = _page_size,
    next_page: str | None = _next_page_key,
) -> dict[str, Any]:
    """Due ``.triggered`` events no ``.finished`` answers yet, oldest first: what executors poll; only
    those of projects the caller may read (403 when the query names another project)."""
    offset = offset_of(next_page)
    if project:
        require(request, Action.PROJECT_READ, project)
    page = catalog.open_triggered(
        eventType,
        project=project,
        stage=stage,
        service=service,
        event_id=event_id,
        limit=page_size,
        offset=offset,
    )
    found = page.events
    readable = set(visible(principal_of(request), {event.project for event in found}))
    events = [to_cloudevent(event) for event in found if event.project in readable]
    return paged("events", events, offset, page_size, page.total - (len(found) - len(events)))
