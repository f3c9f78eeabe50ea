"""Problems in: Alertmanager's webhook (``POST /api/v1/alertmanager``) and the problems of a project."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from slogate.api.auth import audit, require
from slogate.api.context import ServerContext, server_context
from slogate.api.events import parse_body
from slogate.domain.access import Action
from slogate.domain.protocol import alertmanager as am

ALERTMANAGER_PATH = "/api/v1/alertmanager"
BASE = "/api/slogate/v1"  # slogate's own namespace
router = APIRouter(tags=["problems"])

_ALERT = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["firing", "resolved"]},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "startsAt": {"type": "string"},
        "endsAt": {"type": "string"},
        "generatorURL": {"type": "string"},
        "fingerprint": {"type": "string"},
    },
}
_BODY_SCHEMA = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["alerts"],
                "properties": {
                    "version": {"type": "string", "enum": ["4"], "description": "Only version 4 exists"},
                    "groupKey": {"type": "string"},
                    "truncatedAlerts": {"type": "integer"},
                    "status": {"type": "string"},
                    "receiver": {"type": "string"},
                    "groupLabels": {"type": "object"},
                    "commonLabels": {"type": "object"},
                    "commonAnnotations": {"type": "object"},
                    "externalURL": {"type": "string"},
                    "alerts": {"type": "array", "items": _ALERT},
                },
            }
        }
    },
}
_REPORT_EXAMPLE = {
    "opened": 1,
    "updated": 0,
    "closed": 0,
    "skipped": 1,
    "keptnContexts": {"opened": ["0d3c2b8e-5f55-5c1e-8f8a-1f8f4b8c9d10"], "updated": [], "closed": []},
    "skippedAlerts": [{"index": 1, "fingerprint": "a1b2c3d4", "reason": "the label(s) stage missing: …"}],
}
_STATE = Query("", pattern="^(open|closed)?$", description="Only problems in this state: `open` or `closed`")


@router.post(
    ALERTMANAGER_PATH,
    summary="Receive Prometheus Alertmanager's webhook (version 4)",
    openapi_extra={"requestBody": _BODY_SCHEMA},
    responses={
        200: {
            "description": "What each alert did",
            "content": {"application/json": {"example": _REPORT_EXAMPLE}},
        }
    },
)
async def alertmanager(
    request: Request,
    context: ServerContext = Depends(server_context),  # noqa: B008
) -> dict[str, Any]:
    """Every alert of the group counts, routed by its labels ``project``, ``stage``, ``service``: a firing
    alert opens a problem and starts ``<stage>.remediation.triggered`` (once per alert, however often it
    is notified); a resolved one closes the problem and aborts its remediation. Alerts that cannot be
    routed are listed with the reason; 400 only when the body is not a webhook payload."""
    body = parse_body(await request.body())
    projects = set()
    for alert in am.read_payload(body):  # every routed alert's project and stage: 403 before any work
        if not isinstance(alert, am.Skipped):
            require(request, Action.SEQUENCE_TRIGGER, alert.project, alert.stage)
            projects.add(alert.project)
    report = await context.problems.receive_alerts(body)
    project = next(iter(projects)) if len(projects) == 1 else ""
    audit(request, Action.SEQUENCE_TRIGGER.value, project, target="alertmanager", details=report.to_json())
    return report.to_json()


@router.get(f"{BASE}/project/{{project}}/problem", summary="The problems of a project, newest first")
def list_problems(
    project: str,
    state: str = _STATE,
    context: ServerContext = Depends(server_context),  # noqa: B008
) -> dict[str, Any]:
    """``{"problems": [...]}``: each with its context, state, source, source id (the alert's fingerprint
    or the PID), title, stage, service and opened/closed times."""
    return {"problems": [record.to_json() for record in context.problems.problems(project, state)]}
