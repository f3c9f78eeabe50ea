"""Service endpoints: /health (no token), /api/v1/metadata, /metrics, and Keptn's /api/v1/import
(not implemented: 501)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from slogate import __version__
from slogate.api.errors import ApiError

KEPTN_VERSION = "1.4.5"  # the Keptn release whose API slogate reproduces
SHIPYARD_VERSION = "0.2.0"

public = APIRouter()
router = APIRouter()


@public.get("/health", tags=["meta"], summary="Liveness")
def health() -> dict[str, str]:
    """Answers without a token, for load balancers and process supervisors."""
    return {"status": "OK"}


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
