"""Idempotent triggers: a retried ``POST /api/v1/event`` with the same ``Idempotency-Key`` header is
answered with the first request's context and id instead of starting a second sequence."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from slogate.api.context import ServerContext
from slogate.api.errors import ApiError
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports.idempotency import IdempotentEvent

HEADER = "idempotency-key"
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
_IGNORED = ("id", "time")  # what a client may regenerate when it retries


@dataclass(frozen=True, slots=True)
class Answer:
    """What ``POST /api/v1/event`` answers: the context and, with a key, the event id too."""

    keptn_context: str
    event_id: str
    keyed: bool = False
    replayed: bool = False

    def body(self) -> dict[str, str]:
        """Keptn's ``{"keptnContext": …}``, plus ``"id"`` when the request carried a key."""
        body = {"keptnContext": self.keptn_context}
        if self.keyed:
            body["id"] = self.event_id
        return body

    def headers(self) -> dict[str, str]:
        """``Idempotency-Replayed: true`` on the answer to a retry."""
        return {"Idempotency-Replayed": "true"} if self.replayed else {}


def key_of(headers: Mapping[str, str]) -> str | None:
    """The request's ``Idempotency-Key`` (None without one); ``ApiError`` 400 when it is unusable."""
    key = headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise ApiError(
            400,
            f"invalid Idempotency-Key header: use 1 to {MAX_KEY_LENGTH} printable ASCII characters, "
            "e.g. a UUID or '<pipeline>-<build>'",
        )
    return key


async def accept_keyed(
    context: ServerContext,
    key: str,
    raw: Mapping[str, Any],
    event: KeptnEvent,
    now: datetime,
    store_event: Callable[[KeptnEvent], Awaitable[None]],
) -> Answer:
    """Store ``event`` (the accepted form of ``raw``) with ``store_event`` unless ``key`` started an
    event already (in the last ``KEY_LIFETIME``): then answer that event's context and id. The same
    key with another event is 422. Keys belong to the credential that sent them."""
    scope = hashlib.sha256(f"idempotency.{context.tokens.fingerprint()}".encode()).hexdigest()
    mine = IdempotentEvent(event.shkeptncontext, event.id, _fingerprint(raw))
    store = context.idempotency
    earlier = await run_in_threadpool(store.claim, scope, key, mine, now, now - KEY_LIFETIME)
    if earlier is not None:
        if earlier.fingerprint != mine.fingerprint:
            raise ApiError(
                422,
                f"Idempotency-Key {key!r} was used for a different event in the last 24 hours: "
                "use a new key for a new event",
            )
        return Answer(earlier.keptn_context, earlier.event_id, keyed=True, replayed=True)
    try:
        await store_event(event)
    except Exception:  # not stored: a retry may store it. (Cancelled: the commit may still happen.)
        await run_in_threadpool(store.release, scope, key, event.id)
        raise
    return Answer(event.shkeptncontext, event.id, keyed=True)


def _fingerprint(raw: Mapping[str, Any]) -> str:
    kept = {name: value for name, value in raw.items() if name not in _IGNORED}
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
