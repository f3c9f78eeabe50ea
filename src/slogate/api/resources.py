"""Keptn's resource-service routes: files per project, stage and service, at any revision (commitID)."""

from __future__ import annotations

import base64
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict

from slogate.api.context import ServerContext, server_context
from slogate.api.control_plane import MAX_PAGE_SIZE
from slogate.domain.problems import Problem
from slogate.errors import InputError
from slogate.ports import ResourceLevel
from slogate.services.usecases.resources import DEFAULT_PAGE_SIZE, UPDATED, ResourceService, Written

BASE = "/api/resource-service/v1"
URI_PARAMETER = "{resourceURI:path}"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

router = APIRouter(tags=["resources"])


class ResourceIn(BaseModel):
    """One file of a POST/PUT of several: its URI and base64 content (empty when omitted, as in Keptn)."""

    model_config = ConfigDict(extra="ignore")

    resourceURI: str  # noqa: N815 (Keptn's field name)
    resourceContent: str = ""  # noqa: N815


class ResourcesIn(BaseModel):
    """The body of POST/PUT ``.../resource``."""

    model_config = ConfigDict(extra="ignore")

    resources: list[ResourceIn]


class ContentIn(BaseModel):
    """The body of PUT ``.../resource/{resourceURI}``."""

    model_config = ConfigDict(extra="ignore")

    resourceContent: str = ""  # noqa: N815


def resource_service(context: ServerContext = Depends(server_context)) -> ResourceService:  # noqa: B008
    """FastAPI dependency: the resource use cases of the server."""
    return context.resources


def unescape_uri(raw: str) -> str:
    """A resource URI from the path, unescaped as Go's ``url.QueryUnescape`` does ('+' is a space).

    Clients escape it with ``url.QueryEscape`` (``prometheus%2Fsli.yaml``); ``InputError`` for a
    malformed %-escape or bytes that are not UTF-8.
    """
    if _BAD_ESCAPE.search(raw):
        raise InputError(f"invalid resource uri '{raw}': malformed %-escape")
    try:
        return urllib.parse.unquote_plus(raw, errors="strict")
    except UnicodeDecodeError:
        raise InputError(f"invalid resource uri '{raw}': it is not UTF-8 once unescaped") from None


def raw_resource_uri(request: Request) -> str:
    """The resource URI of the request, taken from the raw (still escaped) path and unescaped once.

    The route template says how many '/'-separated parts precede the URI; whatever follows is the URI,
    so ``prometheus%2Fsli.yaml`` and ``prometheus/sli.yaml`` name the same file.
    """
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    path = raw_path.decode("latin-1")
    root = str(request.scope.get("root_path", ""))
    if root and path.startswith(root):
        path = path[len(root) :]
    template = str(getattr(request.scope.get("route"), "path", ""))
    depth = template.count("/")
    parts = path.split("/", depth)
    return unescape_uri(parts[depth] if len(parts) > depth else "")


def _metadata(version: str) -> dict[str, str]:
    return {"upstreamURL": "", "version": version}


def _written(commit: str) -> dict[str, Any]:
    return {"commitID": commit, "metadata": _metadata(commit)}


def _answer(written: Written) -> dict[str, Any]:
    """Keptn's answer to a write, plus ``warnings`` (which Keptn clients ignore) when a file of a kind
    slogate checks has problems: each with the file, the path in it, the severity and the message."""
    answer = _written(written.revision)
    if written.reports:
        answer["warnings"] = [_warning(report.uri, p) for report in written.reports for p in report.problems]
    return answer


def _warning(uri: str, problem: Problem) -> dict[str, str]:
    return {
        "resourceURI": uri,
        "path": problem.path,
        "severity": str(problem.severity),
        "message": problem.message,
    }


def _add_routes(prefix: str, level_of: Callable[..., ResourceLevel]) -> None:
    """The six routes of one level (project, stage or service) under ``prefix``."""
    collection = f"{prefix}/resource"
    item = f"{collection}/{URI_PARAMETER}"
    level_dependency = Depends(level_of)
    service_dependency = Depends(resource_service)
    # Declared for the OpenAPI document only: the value is read from the raw path (raw_resource_uri).
    uri_parameter = Path(alias="resourceURI", description="The file's URI, escaped: prometheus%2Fsli.yaml")

    def list_resources(
        level: ResourceLevel = level_dependency,
        service: ResourceService = service_dependency,
        git_commit_id: str = Query("", alias="gitCommitID"),
        page_size: int = Query(DEFAULT_PAGE_SIZE, alias="pageSize", ge=1, le=MAX_PAGE_SIZE),
        next_page_key: str = Query("", alias="nextPageKey"),
    ) -> dict[str, Any]:
        """The files of this level at the current revision or at ``gitCommitID``, sorted, paged."""
        listing = service.list(level, git_commit_id, page_size, next_page_key)
        return {
            "resources": [
                {"resourceURI": uri, "metadata": _metadata(listing.version)} for uri in listing.uris
            ],
            "nextPageKey": listing.next_page_key,
            "totalCount": listing.total,
            "pageSize": listing.page_size,
        }

    def create_resources(
        body: ResourcesIn,
        level: ResourceLevel = level_dependency,
        service: ResourceService = service_dependency,
    ) -> dict[str, Any]:
        """Store the files (base64 content) in one new revision; 201 with its ``commitID``."""
        pairs = [(resource.resourceURI, resource.resourceContent) for resource in body.resources]
        return _answer(service.write_checked(level, pairs))

    def update_resources(
        body: ResourcesIn,
        level: ResourceLevel = level_dependency,
        service: ResourceService = service_dependency,
    ) -> dict[str, Any]:
        """Create or replace the files in one new revision; its ``commitID``."""
        pairs = [(resource.resourceURI, resource.resourceContent) for resource in body.resources]
        return _answer(service.write_checked(level, pairs))

    def get_resource(
        request: Request,
        _uri: str = uri_parameter,
        level: ResourceLevel = level_dependency,
        service: ResourceService = service_dependency,
        git_commit_id: str = Query("", alias="gitCommitID"),
    ) -> dict[str, Any]:
        """One file (URL-escaped URI) with base64 content, at the current revision or ``gitCommitID``."""
        found = service.get(level, raw_resource_uri(request), git_commit_id)
        answer: dict[str, Any] = {
            "resourceURI": found.uri,
            "resourceContent": base64.b64encode(found.content).decode("ascii"),
            "metadata": _metadata(found.version),
        }
        kept = () if git_commit_id else service.problems(level, found.uri)  # of the current version
        if kept:
            answer["warnings"] = [_warning(found.uri, problem) for problem in kept]
        return answer

    def put_resource(
        request: Request,
        body: ContentIn,
        _uri: str = uri_parameter,
        level: ResourceLevel = level_dependency,
        service: ResourceService = service_dependency,
    ) -> dict[str, Any]:
        """Create or replace one file (URL-escaped URI) in a new revision; its ``commitID``."""
        pairs = [(raw_resource_uri(request), body.resourceContent)]
        return _answer(service.write_checked(level, pairs, UPDATED))

    def delete_resource(
        request: Request,
        _uri: str = uri_parameter,
        level: ResourceLevel = level_dependency,
        service: ResourceService = service_dependency,
    ) -> dict[str, Any]:
        """Delete one file (URL-escaped URI) in a new revision; its ``commitID``."""
        return _written(service.delete(level, raw_resource_uri(request)))

    router.add_api_route(collection, list_resources, methods=["GET"], summary="List resources")
    router.add_api_route(
        collection, create_resources, methods=["POST"], status_code=201, summary="Create resources"
    )
    router.add_api_route(collection, update_resources, methods=["PUT"], summary="Create or update resources")
    router.add_api_route(item, get_resource, methods=["GET"], summary="Get a resource")
    router.add_api_route(item, put_resource, methods=["PUT"], summary="Create or update a resource")
    router.add_api_route(item, delete_resource, methods=["DELETE"], summary="Delete a resource")


def project_level(project: str) -> ResourceLevel:
    """The project level named by the path."""
    return ResourceLevel(project)


def stage_level(project: str, stage: str) -> ResourceLevel:
    """The stage level named by the path."""
    return ResourceLevel(project, stage)


def service_level(project: str, stage: str, service: str) -> ResourceLevel:
    """The service level named by the path."""
    return ResourceLevel(project, stage, service)


_add_routes(f"{BASE}/project/{{project}}", project_level)
_add_routes(f"{BASE}/project/{{project}}/stage/{{stage}}", stage_level)
_add_routes(f"{BASE}/project/{{project}}/stage/{{stage}}/service/{{service}}", service_level)
