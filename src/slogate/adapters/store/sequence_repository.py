"""``SqlSequenceStore``: executions and pauses; a decision's changes, events and cursor in one commit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from slogate.adapters.store.paging import check_paging
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.protocol.sequence_json import execution_from_json, execution_to_json
from slogate.domain.sequencing.engine_io import Pause
from slogate.domain.sequencing.execution import Execution, State
from slogate.errors import ConflictError
from slogate.ports import SequenceWrite

from .database import Sessions
from .dispatch_repository import Fences, move_cursor
from .repository import insert_events, serialize_event_writes
from .sequence_tables import SequenceExecutionRow as Row
from .sequence_tables import SequencePauseRow
from .tables import EventRow

_DONE = (State.FINISHED.value, State.TIMED_OUT.value)


class SqlSequenceStore:
    """Sequence executions and paused contexts in a SQL database; implements ``SequenceStore``.

    Example::

        store = SqlSequenceStore(engine)
        snapshot = store.load("sockshop", ["carts"], contexts=[event.shkeptncontext])
        store.commit([SequenceWrite("sockshop", ((execution, deadline),), events)], ("sequences", seq))
    """

    def __init__(self, engine: Engine, fences: Fences | None = None) -> None:
        self._sessions = Sessions(engine)
        self._fences = fences  # checked when a commit moves the engine's cursor (replicas)

    def load(
        self,
        project: str,
        services: Sequence[str],
        contexts: Sequence[str] = (),
        triggered_ids: Sequence[str] = (),
    ) -> tuple[Execution, ...]:
        """The unfinished executions of ``services`` and every execution of ``contexts`` or with one of
        ``triggered_ids``, in creation order."""
        wanted: list[ColumnElement[bool]] = [and_(Row.service.in_(services), Row.state.not_in(_DONE))]
        if contexts:
            wanted.append(Row.keptn_context.in_(contexts))
        if triggered_ids:
            wanted.append(Row.triggered_id.in_(triggered_ids))
        query = select(Row.document).where(Row.project == project, or_(*wanted)).order_by(Row.seq)
        with self._sessions() as session:
            return tuple(_executions(session, query))

    def pauses(self, project: str) -> frozenset[Pause]:
        """The project's paused (context, stage) pairs."""
        query = select(SequencePauseRow.keptn_context, SequencePauseRow.stage).where(
            SequencePauseRow.project == project
        )
        with self._sessions() as session:
            return frozenset((context, stage) for context, stage in session.execute(query))

    def commit(self, writes: Sequence[SequenceWrite], cursor: tuple[str, int] | None = None) -> None:
        """Executions, pause sets, events and the cursor move in one transaction (all or nothing)."""
        try:
            with self._sessions.begin() as session:
                types = [event.type for write in writes for event in write.events]
                serialize_event_writes(session, types)  # seq order = commit order; and cursor moves
                if cursor is not None and self._fences is not None:
                    self._fences.fence(session, cursor[0])
                for write in writes:
                    _upsert(session, write.executions)
                    if write.pauses is not None:
                        _replace_pauses(session, write.project, write.pauses)
                    insert_events(session, write.events)
                if cursor is not None:
                    move_cursor(session, *cursor)
        except IntegrityError:
            conflict = self._conflict(writes)
            if conflict is None:
                raise  # not a duplicate: a defect, keep the database's own error
            raise conflict from None

    def due(self, until: datetime) -> list[tuple[str, str]]:
        """Distinct (project, service) of unfinished executions whose deadline is at or before ``until``."""
        query = (
            select(Row.project, Row.service)
            .where(Row.deadline <= until, Row.state.not_in(_DONE))
            .distinct()
            .order_by(Row.project, Row.service)
        )
        with self._sessions() as session:
            return [(project, service) for project, service in session.execute(query)]

    def next_deadline(self) -> datetime | None:
        """The earliest deadline of the unfinished executions."""
        query = select(func.min(Row.deadline)).where(Row.deadline.is_not(None), Row.state.not_in(_DONE))
        with self._sessions() as session:
            return session.scalar(query)

    def executions(
        self,
        project: str,
        *,
        stage: str = "",
        service: str = "",
        name: str = "",
        state: str = "",
        keptn_context: str = "",
        limit: int,
        offset: int,
    ) -> tuple[list[Execution], int]:
        """The project's executions matching every non-empty filter, newest first, paged; and the count."""
        check_paging(limit, offset)
        filters = {
            Row.stage: stage,
            Row.service: service,
            Row.name: name,
            Row.state: state,
            Row.keptn_context: keptn_context,
        }
        conditions = [
            Row.project == project,
            *(column == value for column, value in filters.items() if value),
        ]
        page = (
            select(Row.document)
            .where(*conditions)
            .order_by(Row.triggered_at.desc(), Row.seq.desc())
            .limit(limit)
            .offset(offset)
        )
        with self._sessions() as session, session.begin():
            total = session.scalar(select(func.count()).select_from(Row).where(*conditions)) or 0
            return _executions(session, page), total

    def contexts(
        self,
        project: str,
        *,
        name: str = "",
        state: str = "",
        keptn_contexts: Sequence[str] = (),
        from_time: datetime | None = None,
        before_time: datetime | None = None,
        limit: int,
        offset: int,
    ) -> tuple[list[tuple[str, list[Execution]]], int]:
        """The project's contexts newest first (by their root's trigger time), paged, each with its
        executions in creation order; and how many contexts match."""
        check_paging(limit, offset)
        bounds = (
            select(
                Row.keptn_context.label("context"),
                func.min(Row.seq).label("first"),
                func.max(Row.seq).label("last"),
            )
            .where(Row.project == project)
            .group_by(Row.keptn_context)
        )
        if keptn_contexts:
            bounds = bounds.where(Row.keptn_context.in_(keptn_contexts))
        ranges = bounds.subquery("ranges")
        root = aliased(Row, name="root")
        query = select(ranges.c.context).select_from(ranges).join(root, root.seq == ranges.c.first)
        if state:
            latest = aliased(Row, name="latest")
            query = query.join(latest, latest.seq == ranges.c.last).where(latest.state == state)
        if name:
            query = query.where(root.name == name)
        if from_time is not None:
            query = query.where(root.triggered_at > from_time)
        if before_time is not None:
            query = query.where(root.triggered_at < before_time)
        page = query.order_by(root.triggered_at.desc(), root.seq.desc()).limit(limit).offset(offset)
        with self._sessions() as session, session.begin():
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            contexts: list[str] = list(session.scalars(page))
            return _grouped(session, project, contexts), total

    def delete_project(self, project: str) -> None:
        """Remove the project's executions and pauses."""
        with self._sessions.begin() as session:
            session.execute(delete(Row).where(Row.project == project))
            session.execute(delete(SequencePauseRow).where(SequencePauseRow.project == project))

    def sent_tasks(self) -> frozenset[str]:
        """The trigger ids of every sent, unfinished task (what an executor may be running)."""
        with self._sessions() as session:
            return frozenset(session.scalars(select(Row.current_task_id).where(Row.current_task_id != "")))

    def open_tasks(self, triggered_ids: Sequence[str]) -> frozenset[str]:
        """Those of ``triggered_ids`` that are the sent, unfinished task of some execution."""
        wanted = [task_id for task_id in dict.fromkeys(triggered_ids) if task_id]
        if not wanted:
            return frozenset()
        with self._sessions() as session:
            query = select(Row.current_task_id).where(Row.current_task_id.in_(wanted))
            return frozenset(session.scalars(query))

    def _conflict(self, writes: Sequence[SequenceWrite]) -> ConflictError | None:
        """The error naming the triggers and event ids that are stored already or repeat in the commit;
        None when none do."""
        executions = [execution for write in writes for execution, _ in write.executions]
        events = [event for write in writes for event in write.events]
        with self._sessions() as session:
            reasons = [*_trigger_conflicts(session, executions), *_event_conflicts(session, events)]
        if not reasons:
            return None
        return ConflictError(f"sequence state not stored, nothing was changed: {'; '.join(reasons)}")


def _executions(session: Session, query: Select[tuple[dict[str, Any]]]) -> list[Execution]:
    return [execution_from_json(document) for document in session.scalars(query)]


def _grouped(session: Session, project: str, contexts: list[str]) -> list[tuple[str, list[Execution]]]:
    """Every execution of ``contexts``, grouped by context in the given order, in creation order."""
    if not contexts:
        return []
    grouped: dict[str, list[Execution]] = {context: [] for context in contexts}
    query = (
        select(Row.keptn_context, Row.document)
        .where(Row.project == project, Row.keptn_context.in_(contexts))
        .order_by(Row.seq)
    )
    for context, document in session.execute(query):
        grouped[context].append(execution_from_json(document))
    return list(grouped.items())


def _upsert(session: Session, executions: Iterable[tuple[Execution, datetime | None]]) -> None:
    """Insert the new executions (in the given order: their creation order) and update the others."""
    pending = list(executions)
    ids = [execution.id for execution, _ in pending]
    stored = set(session.scalars(select(Row.id).where(Row.id.in_(ids)))) if ids else set()
    new = [_values(execution, due) for execution, due in pending if execution.id not in stored]
    changed = [
        {**_values(execution, due), "key": execution.id}
        for execution, due in pending
        if execution.id in stored
    ]
    if new:
        session.execute(insert(Row), new)
    if changed:
        table = cast(Table, Row.__table__)
        session.execute(update(table).where(table.c.id == bindparam("key")), changed)


def _values(execution: Execution, deadline: datetime | None) -> dict[str, Any]:
    """The execution's document and its indexed fields, as column values."""
    scope = execution.scope
    task = execution.current_task
    return {
        "id": execution.id,
        "project": scope.project,
        "stage": scope.stage,
        "service": scope.service,
        "keptn_context": scope.keptn_context,
        "triggered_id": scope.triggered_id,
        "name": execution.sequence_name,
        "state": execution.state.value,
        "triggered_at": execution.triggered_at,
        "deadline": deadline,
        "current_task_id": task.triggered_id if task is not None and task.sent_at is not None else "",
        "document": execution_to_json(execution),
    }


def _replace_pauses(session: Session, project: str, pauses: frozenset[Pause]) -> None:
    session.execute(delete(SequencePauseRow).where(SequencePauseRow.project == project))
    session.add_all(
        [SequencePauseRow(project=project, keptn_context=context, stage=stage) for context, stage in pauses]
    )


def _trigger_conflicts(session: Session, executions: list[Execution]) -> list[str]:
    """Triggers that two executions of the commit share, or that a stored execution already has."""
    latest = {execution.id: execution for execution in executions}.values()
    keys = Counter((execution.scope.project, execution.scope.triggered_id) for execution in latest)
    owners = {(execution.scope.project, execution.scope.triggered_id): execution.id for execution in latest}
    reasons = [
        f"two executions of trigger {trigger!r} in project {project!r}"
        for (project, trigger), count in keys.items()
        if count > 1
    ]
    if owners:
        wanted = sorted({triggered_id for _, triggered_id in owners})
        query = select(Row.project, Row.triggered_id, Row.id).where(Row.triggered_id.in_(wanted))
        for project, triggered_id, stored_id in session.execute(query):
            if owners.get((project, triggered_id), stored_id) != stored_id:
                reasons.append(
                    f"trigger {triggered_id!r} in project {project!r} has an execution ({stored_id!r})"
                )
    return reasons


def _event_conflicts(session: Session, events: list[KeptnEvent]) -> list[str]:
    """Event ids that are stored already or repeat in the commit."""
    ids = [event.id for event in events]
    stored = sorted(session.scalars(select(EventRow.id).where(EventRow.id.in_(ids)))) if ids else []
    repeated = sorted(event_id for event_id, count in Counter(ids).items() if count > 1)
    return [f"event {event_id!r} exists" for event_id in stored] + [
        f"event {event_id!r} repeats" for event_id in repeated
    ]
