"""``SqlIdempotencyStore``: the ``IdempotencyStore`` port over the ``idempotency_keys`` table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from slogate.ports.idempotency import IdempotentEvent

from .database import Sessions
from .idempotency_tables import IdempotencyKeyRow


class SqlIdempotencyStore:
    """Idempotency keys in a SQL database; implements ``IdempotencyStore``.

    Example::

        store = SqlIdempotencyStore(engine)
        first = store.claim(scope, "build-42", IdempotentEvent(context, event_id, hash), now, cutoff)
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def claim(
        self, scope: str, key: str, event: IdempotentEvent, now: datetime, expired_before: datetime
    ) -> IdempotentEvent | None:
        """See ``IdempotencyStore.claim``; two concurrent claims of one key: one wins, the other
        gets the winner's event."""
        try:
            with self._sessions.begin() as session:
                session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created < expired_before))
                existing = session.get(IdempotencyKeyRow, (scope, key))
                if existing is not None:
                    return _event(existing)
                session.add(
                    IdempotencyKeyRow(
                        scope=scope,
                        key=key,
                        fingerprint=event.fingerprint,
                        keptn_context=event.keptn_context,
                        event_id=event.event_id,
                        created=now,
                    )
                )
        except IntegrityError:  # another transaction inserted the key meanwhile (PostgreSQL)
            with self._sessions() as session:
                row = session.scalar(
                    select(IdempotencyKeyRow).where(
                        IdempotencyKeyRow.scope == scope, IdempotencyKeyRow.key == key
                    )
                )
                if row is None:  # released in between: let the caller see the conflict
                    raise
                return _event(row)
        return None

    def release(self, scope: str, key: str, event_id: str) -> None:
        """See ``IdempotencyStore.release``."""
        with self._sessions.begin() as session:
            session.execute(
                delete(IdempotencyKeyRow).where(
                    IdempotencyKeyRow.scope == scope,
                    IdempotencyKeyRow.key == key,
                    IdempotencyKeyRow.event_id == event_id,
                )
            )


def _event(row: IdempotencyKeyRow) -> IdempotentEvent:
    return IdempotentEvent(row.keptn_context, row.event_id, row.fingerprint)
