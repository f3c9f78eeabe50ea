"""Service endpoints: /health and /ready (no token), /api/v1/metadata, /metrics, the live replicas, and
Keptn's /api/v1/import (not implemented: 501)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from slogate import __version__
from slogate.api.context import ServerContext
from slogate.api.errors import ApiError

KEPTN_VERSION = "1.4.5"  # the Keptn release whose API slogate reproduces
SHIPYARD_VERSION = "0.2.0"

public = APIRouter()
router = APIRouter()


@public.get("/health", tags=["meta"], summary="Liveness")
def health() -> dict[str, str]:
    """Answers without a token, for load balancers and process supervisors."""
    return {"status": "OK"}


@public.get(
    "/ready",
    tags=["meta"],
    summary="Readiness",
    responses={503: {"description": "Not ready: the database does not answer or its schema is not current"}},
)
def ready(request: Request) -> JSONResponse:
    """Answers without a token: 200 when this replica's database answers and its schema is current,
    else 503 with the reason; for load balancers (liveness stays /health)."""
    context: ServerContext = request.app.state.context
    problem = context.replicas.readiness() if context.replicas is not None else None
    if problem is not None:
        return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)
    return JSONResponse({"status": "OK"})


@router.get("/api/slogate/v1/replicas", tags=["meta"], summary="The replicas seen in the last 30 s")
def replicas(request: Request) -> dict[str, object]:
    """Every replica (``slogate server`` process) on this database whose heartbeat is recent, with
    its version, start and last-seen times; ``self`` is the name of the one answering."""
    context: ServerContext = request.app.state.context
    found = context.integrations.replicas()
    return {
        "self": context.settings.replica_name,
        "replicas": [
            {
                "name": replica.name,
                "version": replica.version,
                "startedAt": _time(replica.started_at),
                "lastSeen": _time(replica.last_seen),
            }
            for replica in found
        ],
    }


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@router.get("/api/v1/metadata", tags=["meta"], summary="Versions and capabilities (Keptn's metadata)")
def metadata() -> dict[str, object]:
    """Keptn's metadata document, with slogate's own version added."""
    return {
        "namespace": "slogate",
        "keptnlabel": "keptn",
        "keptnversion": KEPTN_VERSION,
        "bridgeversion": __version__,
        "shipyardversion": SHIPYARD_VERSION,
        "automaticprovisioning": True,  # no git upstream is needed, as with Keptn's provisioning
        "slogateversion": __version__,
    }


@router.get("/metrics", tags=["meta"], summary="Prometheus metrics of this server")
def metrics(request: Request) -> Response:
    """Requests, events, evaluations and durations in Prometheus' text format."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


IMPORT_UNSUPPORTED = (
    "not implemented: slogate has no import of configuration packages; create the project, its services "
    "and resources with the controlPlane and resource-service APIs (see docs/compatibility.md)"
)


@router.post("/api/v1/import", summary="Import a configuration package (not implemented: 501)")
def import_package() -> None:
    """Keptn's package import is not offered: always 501 with Keptn's error body."""
    raise ApiError(501, IMPORT_UNSUPPORTED)
