"""Building the events an in-process service emits in answer to another event."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slogate.domain.events import KeptnEvent


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
