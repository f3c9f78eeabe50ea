"""Building the events an in-process service emits in answer to another event."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
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


COMMIT_WAIT_SECONDS = 30.0


async def stored_in_time(get: Callable[[str], KeptnEvent | None], event_id: str) -> bool:
    """Wait (up to 30 s) until the event ``event_id`` a service answered with is stored: the dispatcher
    commits it with its cursor, so work started in the background runs only once its start is on record."""
    delay, waited = 0.005, 0.0
    while waited < COMMIT_WAIT_SECONDS:
        if await asyncio.to_thread(get, event_id) is not None:
            return True
        await asyncio.sleep(delay)
        waited += delay
        delay = min(delay * 2, 0.2)
    return False


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
