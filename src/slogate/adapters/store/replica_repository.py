"""Replicas' heartbeats, key check values and logged-out Bridge sessions in the shared database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from slogate.ports.replicas import ReplicaRecord

from .database import Sessions
from .replica_tables import KeyCheckRow, ReplicaRow, RevokedSessionRow


class SqlReplicaStore:
    """One heartbeat row per replica; implements ``ReplicaStore`` and ``KeyChecks``."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def beat(self, replica: ReplicaRecord) -> None:
        """Insert or refresh ``replica``'s row."""
        with self._sessions.begin() as session:
            row = session.get(ReplicaRow, replica.name, with_for_update=True)
            if row is None:
                session.add(_row(replica))
                return
            row.version, row.started_at, row.last_seen = (
                replica.version,
                replica.started_at,
                replica.last_seen,
            )

    def replicas(self, seen_since: datetime) -> list[ReplicaRecord]:
        """The replicas seen at or after ``seen_since``, by name."""
        with self._sessions() as session:
            rows = session.scalars(
                select(ReplicaRow).where(ReplicaRow.last_seen >= seen_since).order_by(ReplicaRow.name)
            ).all()
            return [ReplicaRecord(row.name, row.version, row.started_at, row.last_seen) for row in rows]

    def forget(self, name: str) -> None:
        """Delete ``name``'s row."""
        with self._sessions.begin() as session:
            session.execute(delete(ReplicaRow).where(ReplicaRow.name == name))

    def agreed(self, name: str, check_value: str) -> str:
        """The check value stored for ``name``, storing ``check_value`` when there is none yet."""
        for _attempt in range(2):  # a replica starting at the same moment may store it first
            with self._sessions() as session:
                stored = session.scalar(select(KeyCheckRow.check_value).where(KeyCheckRow.name == name))
            if stored is not None:
                return stored
            try:
                with self._sessions.begin() as session:
                    session.add(KeyCheckRow(name=name, check_value=check_value))
            except IntegrityError:
                continue
            return check_value
        raise RuntimeError(f"the key check value of {name} could neither be read nor stored")


def _row(replica: ReplicaRecord) -> ReplicaRow:
    return ReplicaRow(
        name=replica.name,
        version=replica.version,
        started_at=replica.started_at,
        last_seen=replica.last_seen,
    )


class SqlRevokedSessions:
    """The logged-out Bridge sessions in the database, so that a logout holds on every replica."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def revoked(self) -> dict[str, int]:
        """Every revoked session: id → expiry."""
        with self._sessions() as session:
            rows = session.execute(select(RevokedSessionRow.session_id, RevokedSessionRow.expires)).all()
        return {str(session_id): int(expires) for session_id, expires in rows}

    def add_revoked(self, revoked: Mapping[str, int]) -> None:
        """Add ``revoked`` (ids already there keep their row)."""
        try:
            self._add(revoked)
        except IntegrityError:  # another replica added one of them at the same moment
            self._add(revoked)

    def _add(self, revoked: Mapping[str, int]) -> None:
        with self._sessions.begin() as session:
            known = set(
                session.scalars(
                    select(RevokedSessionRow.session_id).where(
                        RevokedSessionRow.session_id.in_(list(revoked))
                    )
                )
            )
            session.add_all(
                RevokedSessionRow(session_id=session_id, expires=expires)
                for session_id, expires in revoked.items()
                if session_id not in known
            )

    def replace_revoked(self, revoked: Mapping[str, int]) -> None:
        """Drop the rows of sessions not in ``revoked`` (expired) and add the new ones."""
        with self._sessions.begin() as session:
            session.execute(
                delete(RevokedSessionRow).where(RevokedSessionRow.session_id.not_in(list(revoked)))
            )
        self.add_revoked(revoked)
