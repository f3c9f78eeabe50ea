"""Builders shared by the store tests: Keptn events with a scope and a result, and their ids."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, KeptnEvent

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SCOPE = ("sockshop", "qa", "carts")
_ids = itertools.count()


def event(
    type: str = EVALUATION_FINISHED,
    *,
    minute: float = 0,
    scope: tuple[str, str, str] = SCOPE,
    result: str | None = "pass",
    triggeredid: str = "",
    id: str | None = None,
    context: str = "ctx-1",
    **data: Any,
) -> KeptnEvent:
    """A Keptn event ``minute`` minutes after T0 with project/stage/service and result in its data."""
    project, stage, service = scope
    body: dict[str, Any] = {"project": project, "stage": stage, "service": service, **data}
    if result is not None:
        body["result"] = result
    return KeptnEvent(
        id=id or f"event-{next(_ids)}",
        type=type,
        source="lighthouse-service",
        time=T0 + timedelta(minutes=minute),
        shkeptncontext=context,
        data=body,
        triggeredid=triggeredid,
    )


def ids(events: list[KeptnEvent]) -> list[str]:
    """The ids of ``events`` in order."""
    return [e.id for e in events]


def fields(e: KeptnEvent) -> dict[str, Any]:
    """The constructor arguments of ``e``, to build a variant with ``KeptnEvent(**{**fields(e), ...})``."""
    return {name: getattr(e, name) for name in KeptnEvent.__dataclass_fields__}
