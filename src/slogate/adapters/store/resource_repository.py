"""``SqlResourceStore``: the ``ResourceStore`` port over the revisions and resource_versions tables."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Engine, ScalarSelect, Select, delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slogate.ports import ResourceLevel, ResourcePage

from .database import Sessions
from .resource_tables import ResourceVersionRow, RevisionRow

_ATTEMPTS = 5  # concurrent writers of one history collide on the revision number; the loser retries


def _now() -> datetime:
    return datetime.now(UTC)


class SqlResourceStore:
    """Versioned files in a SQL database (see ``database.open_database``); implements ``ResourceStore``.

    Histories: the project level has one, each stage has one shared with its services (Keptn's stage
    branch). A write takes the next number of its history while it holds the history's write lock,
    so numbers follow commit order and what a revision reads, once visible, never changes.

    Example::

        store = SqlResourceStore(engine)
        level = ResourceLevel("sockshop", "qa", "carts")
        commit = store.write(level, {"slo.yaml": b"spec_version: '1.0'"}, "Added resources")
        store.read(level, "slo.yaml", commit)
    """

    def __init__(self, engine: Engine, now: Callable[[], datetime] = _now) -> None:
        self._sessions = Sessions(engine)
        self._now = now

    def write(self, level: ResourceLevel, files: Mapping[str, bytes], message: str) -> str:
        """Store ``files`` as one new revision of the level's history; its id."""
        if not files:
            raise ValueError(f"nothing to write to {level}")
        revision = self._commit(level, message, lambda _session: dict(files))
        assert revision is not None
        return revision

    def delete(self, level: ResourceLevel, uri: str, message: str) -> str | None:
        """Record the deletion of ``uri`` in a new revision; None when it is not a current file."""

        def deletion(session: Session) -> dict[str, bytes | None] | None:
            head = _number_of_head(level)
            return {uri: None} if _current(session, level, uri, head) else None

        return self._commit(level, message, deletion)

    def purge_project(self, project: str) -> None:
        """Forget every revision and file of ``project``."""
        with self._sessions.begin() as session:
            session.execute(delete(ResourceVersionRow).where(ResourceVersionRow.project == project))
            session.execute(delete(RevisionRow).where(RevisionRow.project == project))

    def head(self, level: ResourceLevel) -> str | None:
        """The id of the latest revision of the level's history, or None before the first write."""
        query = (
            select(RevisionRow.id)
            .where(RevisionRow.project == level.project, RevisionRow.stage == level.stage)
            .order_by(RevisionRow.number.desc())
            .limit(1)
        )
        with self._sessions() as session:
            return session.scalar(query)

    def has_revision(self, level: ResourceLevel, revision: str) -> bool:
        """Whether ``revision`` is a revision of the level's history."""
        with self._sessions() as session:
            return session.scalar(_revision_number(level, revision)) is not None

    def mentions(self, project: str, uri: str) -> bool:
        """Whether any level of ``project`` ever stored ``uri`` (at any revision)."""
        query = select(exists().where(ResourceVersionRow.project == project, ResourceVersionRow.uri == uri))
        with self._sessions() as session:
            return bool(session.scalar(query))

    def read(self, level: ResourceLevel, uri: str, revision: str) -> bytes | None:
        """The content of ``uri`` as of ``revision`` (the latest version at or before it), or None."""
        query = (
            select(ResourceVersionRow.content)
            .where(*_at_level(level), ResourceVersionRow.uri == uri)
            .where(ResourceVersionRow.number <= _number_of(level, revision))
            .order_by(ResourceVersionRow.number.desc())
            .limit(1)
        )
        with self._sessions() as session:
            return session.scalar(query)

    def list_files(self, level: ResourceLevel, revision: str, *, limit: int, offset: int) -> ResourcePage:
        """The URIs of the level's files at ``revision``, sorted, paged by ``limit``/``offset``."""
        if limit < 1 or offset < 0:
            raise ValueError(f"invalid page: limit {limit}, offset {offset}")
        current = _current_uris(level, _number_of(level, revision)).subquery()
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(current)) or 0
            uris = session.scalars(select(current.c.uri).order_by(current.c.uri).limit(limit).offset(offset))
            return ResourcePage(tuple(uris), total)

    def list_tree(self, level: ResourceLevel, revision: str) -> tuple[str, ...]:
        """Every URI current at ``revision``, unsorted: a stage's own files and each of its services'
        files as ``<service>/<uri>`` (Keptn's stage directory); a project's or service's own files."""
        if level.service or not level.stage:
            query = _current_uris(level, _number_of(level, revision))
            with self._sessions() as session:
                return tuple(session.scalars(query))
        current = _current_in_history(level, _number_of(level, revision))
        with self._sessions() as session:
            rows = session.execute(current).all()
        return tuple(f"{service}/{uri}" if service else uri for service, uri in rows)

    def delete_level(self, level: ResourceLevel, message: str) -> str | None:
        """Record the deletion of every current file of ``level`` (just that level) in one revision; its
        id, or None when the level has no file."""

        def deletion(session: Session) -> dict[str, bytes | None]:
            current = session.scalars(_current_uris(level, _number_of_head(level)))
            return dict.fromkeys(current)

        return self._commit(level, message, deletion)

    def _commit(
        self,
        level: ResourceLevel,
        message: str,
        changes: Callable[[Session], Mapping[str, bytes | None] | None],
    ) -> str | None:
        """Insert a revision numbered after the history's head, then ``changes`` (computed in the same
        transaction; None or empty = write nothing); retried when a concurrent writer took that number."""
        for attempt in range(1, _ATTEMPTS + 1):
            revision = secrets.token_hex(20)
            with self._sessions() as session:
                try:
                    with session.begin() as transaction:
                        _lock_history(session, level)
                        number = self._insert_revision(session, level, revision, message)
                        files = changes(session)
                        if not files:  # nothing to record: the new revision is rolled back
                            transaction.rollback()
                            return None
                        session.execute(insert(ResourceVersionRow), _version_rows(level, number, files))
                except IntegrityError:
                    if attempt == _ATTEMPTS:
                        raise
                    continue
            return revision
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert_revision(self, session: Session, level: ResourceLevel, revision: str, message: str) -> int:
        following = (
            select(func.coalesce(func.max(RevisionRow.number), 0) + 1)
            .where(RevisionRow.project == level.project, RevisionRow.stage == level.stage)
            .scalar_subquery()
        )
        session.execute(
            insert(RevisionRow).values(
                project=level.project,
                stage=level.stage,
                number=following,
                id=revision,
                service=level.service,
                created=self._now(),
                message=message,
            )
        )
        number = session.scalar(select(RevisionRow.number).where(RevisionRow.id == revision))
        assert number is not None
        return number


def _lock_history(session: Session, level: ResourceLevel) -> None:
    """Serialise the writers of one history. PostgreSQL: a transaction-scoped advisory lock on the
    history. SQLite needs none: the transaction's first statement writes, so it takes the database's
    write lock before it reads the head. A writer that still collides fails on the key and retries."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"slogate.revisions:{level.project}/{level.stage}"
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


def _version_rows(
    level: ResourceLevel, number: int, files: Mapping[str, bytes | None]
) -> list[dict[str, object]]:
    return [
        {
            "project": level.project,
            "stage": level.stage,
            "service": level.service,
            "uri": uri,
            "number": number,
            "content": content,
        }
        for uri, content in files.items()
    ]


def _at_level(level: ResourceLevel) -> tuple[ColumnElement[bool], ...]:
    return (
        ResourceVersionRow.project == level.project,
        ResourceVersionRow.stage == level.stage,
        ResourceVersionRow.service == level.service,
    )


def _revision_number(level: ResourceLevel, revision: str) -> Select[int]:
    """The number of ``revision`` in the level's history (no row when it is not one of its revisions)."""
    return select(RevisionRow.number).where(
        RevisionRow.id == revision,
        RevisionRow.project == level.project,
        RevisionRow.stage == level.stage,
    )


def _number_of(level: ResourceLevel, revision: str) -> ScalarSelect[int]:
    """:func:`_revision_number` as a scalar subquery (NULL when it is no revision of the history)."""
    return _revision_number(level, revision).scalar_subquery()


def _number_of_head(level: ResourceLevel) -> ScalarSelect[int]:
    return (
        select(func.max(RevisionRow.number))
        .where(RevisionRow.project == level.project, RevisionRow.stage == level.stage)
        .scalar_subquery()
    )


def _current_uris(level: ResourceLevel, number: ScalarSelect[int]) -> Select[str]:
    """The URIs whose latest version at or before revision ``number`` is not a deletion."""
    latest = (
        select(ResourceVersionRow.uri, func.max(ResourceVersionRow.number).label("number"))
        .where(*_at_level(level), ResourceVersionRow.number <= number)
        .group_by(ResourceVersionRow.uri)
        .subquery()
    )
    return (
        select(ResourceVersionRow.uri)
        .join(
            latest,
            (ResourceVersionRow.uri == latest.c.uri) & (ResourceVersionRow.number == latest.c.number),
        )
        .where(*_at_level(level), ResourceVersionRow.content.is_not(None))
    )


def _current_in_history(level: ResourceLevel, number: ScalarSelect[int]) -> Select[str, str]:
    """(service, URI) of every file of the stage's history (its services' too) current at ``number``."""
    in_history = (ResourceVersionRow.project == level.project, ResourceVersionRow.stage == level.stage)
    latest = (
        select(
            ResourceVersionRow.service,
            ResourceVersionRow.uri,
            func.max(ResourceVersionRow.number).label("number"),
        )
        .where(*in_history, ResourceVersionRow.number <= number)
        .group_by(ResourceVersionRow.service, ResourceVersionRow.uri)
        .subquery()
    )
    return (
        select(ResourceVersionRow.service, ResourceVersionRow.uri)
        .join(
            latest,
            (ResourceVersionRow.service == latest.c.service)
            & (ResourceVersionRow.uri == latest.c.uri)
            & (ResourceVersionRow.number == latest.c.number),
        )
        .where(*in_history, ResourceVersionRow.content.is_not(None))
    )


def _current(session: Session, level: ResourceLevel, uri: str, number: ScalarSelect[int]) -> bool:
    query = (
        select(ResourceVersionRow.content.is_not(None))
        .where(*_at_level(level), ResourceVersionRow.uri == uri, ResourceVersionRow.number <= number)
        .order_by(ResourceVersionRow.number.desc())
        .limit(1)
    )
    return bool(session.scalar(query))
