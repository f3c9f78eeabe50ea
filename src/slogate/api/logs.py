"""Keptn's error log of integrations: ``GET``, ``POST`` and ``DELETE /api/controlPlane/v1/log``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict

from slogate.api.context import ServerContext, server_context
from slogate.api.control_plane import BASE, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from slogate.domain.protocol.ingestion import format_rfc3339
from slogate.ports.integration_log import LogEntry
from slogate.services.usecases.integration_logs import IntegrationLogService, PostedEntry

MAX_PAGE_KEY = 10**18  # a page key beyond it was not given by a previous page, and overflows SQL's int64

router = APIRouter(prefix=BASE, tags=["log"])


class LogEntryIn(BaseModel):
    """Keptn's ``LogEntry``; unknown fields (``gitcommitid``…) are ignored, as gin ignores them."""

    model_config = ConfigDict(extra="ignore")

    integrationid: str = ""
    message: str = ""
    time: str = ""  # RFC 3339; empty: the time it is received
    shkeptncontext: str = ""
    task: str = ""
    triggeredid: str = ""

    def posted(self) -> PostedEntry:
        """The entry as the service takes it."""
        return PostedEntry(
            self.integrationid, self.message, self.time, self.shkeptncontext, self.task, self.triggeredid
        )


class LogsIn(BaseModel):
    """The body of ``POST /log``: ``{"logs": [LogEntry]}``."""

    model_config = ConfigDict(extra="ignore")

    logs: list[LogEntryIn]


def log_service(context: ServerContext = Depends(server_context)) -> IntegrationLogService:  # noqa: B008
    """FastAPI dependency: the error log of the server."""
    return context.logs


_service = Depends(log_service)
_integration_id = Query("", alias="integrationId", description="only this integration's entries")
_from_time = Query("", alias="fromTime", description="RFC 3339; entries at or after it")
_before_time = Query("", alias="beforeTime", description="RFC 3339; entries before it")


def entry_json(entry: LogEntry) -> dict[str, Any]:
    """Keptn's ``LogEntry`` (``shkeptncontext``, ``task`` and ``triggeredid`` only when set)."""
    body: dict[str, Any] = {
        "integrationid": entry.integration_id,
        "message": entry.message,
        "time": format_rfc3339(entry.time),
    }
    optional = {"shkeptncontext": entry.keptn_context, "task": entry.task, "triggeredid": entry.triggered_id}
    body.update((key, value) for key, value in optional.items() if value)
    return body


@router.post("/log", summary="Add entries to the error log of integrations")
def create_log_entries(body: LogsIn, service: IntegrationLogService = _service) -> Response:
    """200 with an empty body once all entries are stored (none is, when one is invalid)."""
    service.add([entry.posted() for entry in body.logs])
    return Response(status_code=200)


@router.get("/log", summary="Read the error log of integrations, newest first")
def get_log_entries(
    service: IntegrationLogService = _service,
    integration_id: str = _integration_id,
    from_time: str = _from_time,
    before_time: str = _before_time,
    page_size: int = Query(DEFAULT_PAGE_SIZE, alias="pageSize", ge=1, le=MAX_PAGE_SIZE),
    next_page_key: int = Query(0, alias="nextPageKey", ge=0, le=MAX_PAGE_KEY),
) -> dict[str, Any]:
    """Keptn's ``{logs, nextPageKey, pageSize, totalCount}``; ``nextPageKey`` 0 on the last page.
    Entries older than 120 hours have expired."""
    page = service.find(integration_id, from_time, before_time, page_size, next_page_key)
    return {
        "logs": [entry_json(entry) for entry in page.entries],
        "nextPageKey": page.next_page_key,
        "pageSize": len(page.entries),
        "totalCount": page.total,
    }


@router.delete("/log", summary="Delete entries of the error log of integrations")
def delete_log_entries(
    service: IntegrationLogService = _service,
    integration_id: str = _integration_id,
    from_time: str = _from_time,
    before_time: str = _before_time,
) -> dict[str, Any]:
    """200 ``{}``; without a filter the whole log is deleted."""
    service.delete(integration_id, from_time, before_time)
    return {}
