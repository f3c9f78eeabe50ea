"""Building the events an in-process service emits in answer to another event."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slogate.domain.protocol.event_types import LOG_ERROR
from slogate.domain.protocol.gate_events import KeptnEvent


def answer(
    to: KeptnEvent, type_: str, source: str, data: Mapping[str, Any], time: datetime, triggeredid: str
) -> KeptnEvent:
    """A new event in ``to``'s context and revision (``triggeredid`` "" for a new trigger)."""
    return KeptnEvent(
        id=str(uuid.uuid4()),
        type=type_,
        source=source,
        time=time,
        shkeptncontext=to.shkeptncontext,
        data=dict(data),
        triggeredid=triggeredid,
        gitcommitid=to.gitcommitid,
    )


def failure(event: KeptnEvent, service: str, error: Exception, time: datetime) -> KeptnEvent:
    """``sh.keptn.log.error`` recording that ``service`` failed on ``event`` (so a defect is visible)."""
    data = {
        "project": event.project,
        "stage": event.stage,
        "service": event.service,
        "message": f"{service} failed on {event.type} {event.id}: {type(error).__name__}: {error}",
        "integrationid": service,
        "task": event.type,
    }
    return answer(event, LOG_ERROR, service, data, time, event.id)
