"""Port of idempotent triggers: which event an ``Idempotency-Key`` started, kept for a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class IdempotentEvent:
    """The event a key started: its context and id, and the fingerprint of the request that sent it."""

    keptn_context: str
    event_id: str
    fingerprint: str


class IdempotencyStore(Protocol):
    """Keys of posted events, per scope (the credential that sent them)."""

    def claim(
        self, scope: str, key: str, event: IdempotentEvent, now: datetime, expired_before: datetime
    ) -> IdempotentEvent | None:
        """Record that ``key`` starts ``event`` and return None; or, when a key not older than
        ``expired_before`` holds one already, leave it and return its event. Forgets expired keys."""
        ...

    def release(self, scope: str, key: str, event_id: str) -> None:
        """Forget ``key`` if it still names ``event_id`` (the event could not be stored)."""
        ...
