"""slogate's own report routes (not in Keptn): the DORA figures of a project's stage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from slogate.api.context import ServerContext, server_context
from slogate.services.usecases.dora import DEFAULT_SINCE

BASE = "/api/slogate/v1"
router = APIRouter(prefix=BASE, tags=["reports"])
_SINCE = Query(
    DEFAULT_SINCE,
    max_length=64,
    description="Start of the window: a span back from `until` (`30d`, `12h`, `2w`, `90m`) "
    "or an RFC 3339 time",
)
_UNTIL = Query("", max_length=64, description="End of the window (excluded): an RFC 3339 time; default now")
_STAGE = Query("", max_length=256, description="The stage (default: the last stage of the shipyard)")


@router.get("/project/{project}/dora", summary="DORA figures of a project's stage over a window")
def dora_report(
    project: str,
    stage: str = _STAGE,
    since: str = _SINCE,
    until: str = _UNTIL,
    context: ServerContext = Depends(server_context),  # noqa: B008
) -> dict[str, Any]:
    """Deployment frequency, lead time, change failure rate and time to restore, from the event log
    (definitions: docs/metrics.md); 404 for an unknown project or stage, 400 for a bad window."""
    return context.dora.report(project, stage, since, until).to_json()
