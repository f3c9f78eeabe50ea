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


_EXAMPLE = {
    "project": "fulltour",
    "stage": "production",
    "since": "2026-11-07T10:00:00.000Z",
    "until": "2026-12-07T10:00:00.000Z",
    "days": 30.0,
    "deliveries": 8,
    "deploymentFrequency": 0.27,
    "leadTime": {"count": 8, "medianSeconds": 7200.0, "p90Seconds": 28800.0},
    "changeFailureRate": 0.375,
    "failedDeliveries": 3,
    "failedEvaluations": 1,
    "rolledBack": 1,
    "timeToRestore": {"count": 2, "medianSeconds": 118800.0, "p90Seconds": 162000.0, "unrestored": 1},
}


@router.get(
    "/project/{project}/dora",
    summary="DORA figures of a project's stage over a window",
    responses={
        200: {
            "description": "The figures (seconds; null without values)",
            "content": {"application/json": {"example": _EXAMPLE}},
        }
    },
)
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
