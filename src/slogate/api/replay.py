"""slogate's own what-if route: replay a service's stored evaluations under a new SLO (nothing stored)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from slogate.api.auth import require
from slogate.api.context import ServerContext, server_context
from slogate.domain.access import Action
from slogate.services.usecases import offline_gate as gate
from slogate.services.usecases import replay

BASE = "/api/slogate/v1"  # slogate's own namespace: no Keptn service had this route

router = APIRouter(tags=["slogate"])


class ReplayIn(BaseModel):
    """The scope to replay, the new SLO (slo.yaml text, not base64) and how many builds to report."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1)
    stage: str = Field(min_length=1)
    service: str = Field(min_length=1)
    slo: str = Field(description="The new SLO file's YAML text, as in slo.yaml")
    last: int = Field(default=replay.DEFAULT_LAST, ge=1, le=replay.MAX_LAST)
    lenient: bool = Field(default=False, description="Replay an SLO with lint errors as Keptn would")


class VerdictOut(BaseModel):
    """A result and a score."""

    result: str
    score: float | None


class TargetOut(BaseModel):
    """A criterion as written (``pass`` or ``warning``), its computed threshold, and whether the value
    violates it."""

    kind: str
    criteria: str
    targetValue: float  # noqa: N815 - Keptn's JSON names
    violated: bool


class FlipOut(BaseModel):
    """An objective whose status changed (null: not in that SLO) and the criteria that decide."""

    sli: str
    displayName: str  # noqa: N815
    oldStatus: str | None  # noqa: N815
    newStatus: str | None  # noqa: N815
    value: float | None
    criteria: list[TargetOut]
    note: str


class BuildOut(BaseModel):
    """One stored evaluation: its stored verdict and the new one (null when it cannot be replayed)."""

    id: str
    time: str
    labels: dict[str, str]
    invalidated: bool
    old: VerdictOut
    new: VerdictOut | None
    changed: bool
    flipped: list[FlipOut]
    noValueStored: list[str]  # noqa: N815
    comparedEvents: list[str]  # noqa: N815
    note: str


class SummaryOut(BaseModel):
    """How many reported builds would change verdict, and the sentence the CLI prints."""

    builds: int
    changed: int
    notReplayed: int  # noqa: N815
    replayedInAll: int  # noqa: N815
    text: str


class ReplayOut(BaseModel):
    """The replay, newest build first (the JSON of ``slogate evaluations replay -o json``)."""

    project: str
    stage: str
    service: str
    summary: SummaryOut
    builds: list[BuildOut]


@router.post(
    f"{BASE}/replay", summary="What if: replay stored evaluations under a new SLO", response_model=ReplayOut
)
def replay_history(
    body: ReplayIn,
    request: Request,
    context: ServerContext = Depends(server_context),  # noqa: B008
) -> dict[str, Any]:
    """Re-evaluates the SLI values stored with the service's last ``last`` evaluations under ``slo``:
    per build the stored and the new result and score and the objectives that flipped. Nothing is
    queried or stored. 400 lists every error ``slogate slo lint`` finds in the SLO (unless lenient)."""
    require(request, Action.PROJECT_READ, body.project, body.stage)
    loaded = gate.load_slo(body.slo, "slo", context.documents)
    wanted = replay.ReplayRequest(body.project, body.stage, body.service, loaded, body.last, body.lenient)
    return replay.report_document(replay.replay_history(context.store, wanted))
