"""Keptn's mongodb-datastore query API: ``GET /api/mongodb-datastore/event`` and ``…/event/type/{type}``.

Query parameters are read as go-swagger binds them: an empty value counts as absent, and numbers
and booleans are parsed by the service so that errors carry go-openapi's messages.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from slogate.api.auth import principal_of, require
from slogate.api.context import ServerContext, server_context
from slogate.api.errors import ApiError
from slogate.domain.access import Action, visible
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.protocol.ingestion import to_cloudevent
from slogate.ports import EventQueries
from slogate.services.usecases import event_log as events

router = APIRouter(tags=["datastore"])

PREFIX = "/api/mongodb-datastore"


def _queries(context: ServerContext = Depends(server_context)) -> EventQueries:  # noqa: B008
    """The event store as the datastore queries need it."""
    store = context.store
    if not isinstance(store, EventQueries):
        raise ApiError(500, "the configured event store cannot answer datastore queries")
    return store


@router.get(f"{PREFIX}/health", summary="Liveness of the datastore (Keptn's mongodb-datastore /health)")
def datastore_health() -> dict[str, str]:
    """200 ``{"status": "OK"}`` as Keptn's datastore answers; the store is the server's own."""
    return {"status": "OK"}


@router.get(f"{PREFIX}/event", summary="Events, newest first, paged (Keptn's datastore)")
def get_events(
    request: Request,
    store: EventQueries = Depends(_queries),  # noqa: B008
    keptn_context: str | None = Query(None, alias="keptnContext"),
    type: str | None = Query(None),
    project: str | None = Query(None),
    stage: str | None = Query(None),
    service: str | None = Query(None),
    event_id: str | None = Query(None, alias="eventID"),
    source: str | None = Query(None),
    from_time: str | None = Query(None, alias="fromTime", description="RFC 3339; events after it"),
    before_time: str | None = Query(None, alias="beforeTime", description="RFC 3339; events before it"),
    root: str | None = Query(None, description="any non-empty value: only the first event of each context"),
    page_size: str | None = Query(None, alias="pageSize", description="1–100, default 20"),
    next_page_key: str | None = Query(None, alias="nextPageKey"),
) -> dict[str, Any]:
    """``{events, nextPageKey, pageSize, totalCount}``; ``nextPageKey`` only when a page follows. Every
    page holds one project's events (Keptn's per-project collections): none when the caller may not read
    that project (403 when the query names it)."""
    if project:
        require(request, Action.PROJECT_READ, project)
    page = events.find_events(
        store,
        keptn_context=keptn_context or None,
        type=type or None,
        project=project or None,
        stage=stage or None,
        service=service or None,
        event_id=event_id or None,
        source=source or None,
        from_time=events.parse_time("fromTime", from_time),
        before_time=events.parse_time("beforeTime", before_time),
        root=bool(root),
        page_size=events.parse_int("pageSize", page_size),
        next_page_key=next_page_key or None,
    )
    if not _readable(request, page.events):
        return {"events": [], "pageSize": page.page_size, "totalCount": 0}
    body: dict[str, Any] = {"events": [to_cloudevent(event) for event in page.events]}
    if page.next_page_key is not None:
        body["nextPageKey"] = page.next_page_key
    body["pageSize"] = page.page_size
    body["totalCount"] = page.total_count
    return body


@router.get(f"{PREFIX}/event/type/{{event_type}}", summary="Events of one type matching a filter")
def get_events_by_type(
    request: Request,
    event_type: str,
    store: EventQueries = Depends(_queries),  # noqa: B008
    filter: str | None = Query(
        None, description="key:value AND key:v1,v2 …; must contain data.project or shkeptncontext"
    ),
    exclude_invalidated: str | None = Query(None, alias="excludeInvalidated"),
    from_time: str | None = Query(None, alias="fromTime"),
    limit: str | None = Query(None, description="1–100, default 20"),
) -> dict[str, Any]:
    """``{events}``, newest first; only the events of projects the caller may read."""
    found = events.events_by_type(
        store,
        event_type,
        filter or None,
        exclude_invalidated=events.parse_bool("excludeInvalidated", exclude_invalidated),
        from_time=events.parse_time("fromTime", from_time),
        limit=events.parse_int("limit", limit),
    )
    allowed = set(visible(principal_of(request), {event.project for event in found}))
    return {"events": [to_cloudevent(event) for event in found if event.project in allowed]}


def _readable(request: Request, found: list[KeptnEvent]) -> bool:
    """Whether the caller may read every project of ``found`` (one project, or none, per page)."""
    projects = {event.project for event in found}
    return len(visible(principal_of(request), projects)) == len(projects)
