"""``SqlCatalogStore``: the ``CatalogStore`` port over the catalog tables; every query answered in SQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from slogate.adapters.store.paging import check_paging
from slogate.domain.sequencing.engine_events import CONTROLLER
from slogate.errors import ConflictError
from slogate.ports import (
    EventContextInfo,
    EventPage,
    ProjectPage,
    ProjectRecord,
    ServiceEvent,
    ServicePage,
    ServiceRecord,
    StageRecord,
)

from .catalog_tables import ProjectRow, ServiceRow, StageRow
from .database import Sessions
from .repository import to_event
from .sequence_tables import SequenceExecutionRow
from .tables import EventRow

PROJECT_EXISTS = "project already exists"
SERVICE_EXISTS = "service already exists"
_TRIGGERED, _FINISHED = ".triggered", ".finished"


class SqlCatalogStore:
    """Projects, stages and services in a SQL database; implements ``CatalogStore`` (and ``ScopeChecker``).

    Example::

        catalog = SqlCatalogStore(open_database("sqlite:///data/slogate.db"))
        catalog.create_service("sockshop", "carts", now)
        catalog.project("sockshop")   # ProjectRecord with stages and services
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        # names sort by their bytes, as Keptn's Go sort does (not by PostgreSQL's locale collation)
        self._bytewise = engine.dialect.name == "postgresql"

    # --- projects ---------------------------------------------------------------------------------

    def create_project(self, project: ProjectRecord) -> None:
        """Store a new project with its stages (services are added later); ``ConflictError`` when taken."""
        try:
            with self._sessions.begin() as session:
                if session.get(ProjectRow, project.name) is not None:
                    raise ConflictError(PROJECT_EXISTS)
                session.add(project_row(project))
                session.flush()  # the project first: the stages refer to it
                session.add_all(stage_rows(project))
        except IntegrityError:
            raise ConflictError(PROJECT_EXISTS) from None  # created concurrently

    def update_shipyard(
        self, project: str, shipyard: str, version: str, parent_stages: Mapping[str, tuple[str, ...]]
    ) -> bool:
        """Replace the shipyard text and version and each named stage's parent stages."""
        with self._sessions.begin() as session:
            row = session.get(ProjectRow, project, with_for_update=True)
            if row is None:
                return False
            row.shipyard, row.shipyard_version = shipyard, version
            for stage, parents in parent_stages.items():
                session.execute(
                    update(StageRow)
                    .where(StageRow.project == project, StageRow.name == stage)
                    .values(parent_stages=list(parents))
                )
            return True

    def delete_project(self, project: str) -> bool:
        """Delete the project, its stages and its services in one transaction."""
        with self._sessions.begin() as session:
            session.execute(delete(ServiceRow).where(ServiceRow.project == project))
            session.execute(delete(StageRow).where(StageRow.project == project))
            deleted = session.execute(delete(ProjectRow).where(ProjectRow.name == project))
            return bool(getattr(deleted, "rowcount", 0))

    def project(self, project: str) -> ProjectRecord | None:
        """The project with its stages (shipyard order) and services (creation order), or None."""
        with self._sessions() as session:
            row = session.get(ProjectRow, project)
            if row is None:
                return None
            return self._with_stages(session, [row])[0]

    def shipyard(self, project: str) -> str | None:
        """The text of the project's shipyard, or None."""
        with self._sessions() as session:
            return session.scalar(select(ProjectRow.shipyard).where(ProjectRow.name == project))

    def projects(self, *, limit: int, offset: int) -> ProjectPage:
        """Projects sorted by name, paged by ``limit``/``offset``."""
        check_paging(limit, offset)
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(ProjectRow)) or 0
            rows = session.scalars(
                select(ProjectRow).order_by(self._by_bytes(ProjectRow.name)).limit(limit).offset(offset)
            )
            return ProjectPage(tuple(self._with_stages(session, list(rows))), total)

    # --- stages and services ----------------------------------------------------------------------

    def stage_names(self, project: str) -> tuple[str, ...] | None:
        """The stage names in shipyard order; None when the project does not exist."""
        with self._sessions() as session:
            if session.get(ProjectRow, project) is None:
                return None
            return tuple(session.scalars(_stages_of([project]).with_only_columns(StageRow.name)))

    def stage(self, project: str, stage: str) -> StageRecord | None:
        """One stage with its services in creation order, or None."""
        with self._sessions() as session:
            row = session.get(StageRow, (project, stage))
            if row is None:
                return None
            services = session.scalars(
                _services_in_creation_order().where(ServiceRow.project == project, ServiceRow.stage == stage)
            )
            return to_stage_record(row, [to_service_record(service) for service in services])

    def services(self, project: str, stage: str, *, limit: int, offset: int) -> ServicePage:
        """The services of a stage sorted by name, paged."""
        check_paging(limit, offset)
        where = (ServiceRow.project == project, ServiceRow.stage == stage)
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(ServiceRow).where(*where)) or 0
            rows = session.scalars(
                select(ServiceRow)
                .where(*where)
                .order_by(self._by_bytes(ServiceRow.name))
                .limit(limit)
                .offset(offset)
            )
            return ServicePage(tuple(to_service_record(row) for row in rows), total)

    def service(self, project: str, stage: str, service: str) -> ServiceRecord | None:
        """One service of a stage, or None."""
        with self._sessions() as session:
            row = session.get(ServiceRow, (project, stage, service))
            return None if row is None else to_service_record(row)

    def create_service(self, project: str, service: str, created: datetime) -> None:
        """Add ``service`` to every stage of ``project`` at once; ``ConflictError`` when a stage has it."""
        try:
            with self._sessions.begin() as session:
                taken = select(ServiceRow.name).where(
                    ServiceRow.project == project, ServiceRow.name == service
                )
                if session.scalar(taken.limit(1)) is not None:
                    raise ConflictError(SERVICE_EXISTS)
                stages = session.scalars(_stages_of([project]).with_only_columns(StageRow.name))
                session.add_all(
                    ServiceRow(
                        project=project,
                        stage=stage,
                        name=service,
                        created=created,
                        deployed_image="",
                        last_event_types={},
                    )
                    for stage in list(stages)
                )
        except IntegrityError:
            raise ConflictError(SERVICE_EXISTS) from None  # created concurrently

    def delete_service(self, project: str, service: str) -> bool:
        """Remove ``service`` from every stage of ``project``; whether any stage had it."""
        with self._sessions.begin() as session:
            deleted = session.execute(
                delete(ServiceRow).where(ServiceRow.project == project, ServiceRow.name == service)
            )
            return bool(getattr(deleted, "rowcount", 0))

    def record_events(self, events: Sequence[ServiceEvent]) -> int:
        """Note each event as its service's latest of its type, in one transaction; how many services
        existed."""
        latest: dict[tuple[str, str, str], dict[str, Any]] = {}  # per service: its newest of each type
        images: dict[tuple[str, str, str], str] = {}
        counts: Counter[tuple[str, str, str]] = Counter()
        for event in events:
            key = (event.project, event.stage, event.service)
            latest.setdefault(key, {})[event.event_type] = event_info_json(event.info)
            counts[key] += 1
            if event.deployed_image is not None:
                images[key] = event.deployed_image
        found = 0
        with self._sessions.begin() as session:
            for key, types in latest.items():  # one update per service, however many events it had
                row = session.get(ServiceRow, key, with_for_update=True)
                if row is None:
                    continue
                found += counts[key]
                row.last_event_types = {**row.last_event_types, **types}
                if key in images:
                    row.deployed_image = images[key]
        return found

    # --- scope checks -----------------------------------------------------------------------------

    def project_exists(self, project: str) -> bool:
        """Whether ``project`` exists."""
        return self._exists(ProjectRow.name == project)

    def stage_exists(self, project: str, stage: str) -> bool:
        """Whether ``stage`` exists in ``project``."""
        return self._exists(StageRow.project == project, StageRow.name == stage)

    def service_exists(self, project: str, stage: str, service: str) -> bool:
        """Whether ``service`` exists in ``stage`` of ``project``."""
        return self._exists(
            ServiceRow.project == project, ServiceRow.stage == stage, ServiceRow.name == service
        )

    # --- open .triggered events -------------------------------------------------------------------

    def open_triggered(
        self,
        event_type: str,
        *,
        until: datetime,
        project: str | None = None,
        stage: str | None = None,
        service: str | None = None,
        event_id: str | None = None,
        limit: int,
        offset: int,
    ) -> EventPage:
        """Events of ``event_type`` due by ``until`` that no ``.finished`` answers, in existing projects,
        oldest first. A type that does not end in ``.triggered`` has no open events."""
        check_paging(limit, offset)
        if not event_type.endswith(_TRIGGERED):
            return EventPage((), 0)
        answer = aliased(EventRow, name="answer")
        finished_type = event_type.removesuffix(_TRIGGERED) + _FINISHED
        conditions: list[ColumnElement[bool]] = [
            EventRow.type == event_type,
            EventRow.time <= until,
            EventRow.project.in_(select(ProjectRow.name)),
            ~exists().where(answer.triggeredid == EventRow.id, answer.type == finished_type),
            # a task the sequence engine sent is open only while its sequence waits for it (not once
            # the sequence was aborted or timed out); other triggers (get-sli) have no sequence
            or_(
                EventRow.source != CONTROLLER,
                EventRow.id.in_(select(SequenceExecutionRow.current_task_id)),
            ),
        ]
        optional = {EventRow.project: project, EventRow.stage: stage, EventRow.service: service}
        conditions += [column == value for column, value in optional.items() if value is not None]
        if event_id is not None:
            conditions.append(EventRow.id == event_id)
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(EventRow).where(*conditions)) or 0
            rows = session.scalars(
                select(EventRow)
                .where(*conditions)
                .order_by(EventRow.time, EventRow.seq)
                .limit(limit)
                .offset(offset)
            )
            return EventPage(tuple(to_event(row) for row in rows), total)

    # --- helpers ----------------------------------------------------------------------------------

    def _by_bytes(
        self, column: InstrumentedAttribute[str]
    ) -> ColumnElement[str] | InstrumentedAttribute[str]:
        return column.collate("C") if self._bytewise else column

    def _exists(self, *conditions: ColumnElement[bool]) -> bool:
        with self._sessions() as session:
            return bool(session.scalar(select(exists().where(*conditions))))

    @staticmethod
    def _with_stages(session: Session, rows: Sequence[ProjectRow]) -> list[ProjectRecord]:
        """Project records for ``rows`` with their stages and services, in two queries."""
        names = [row.name for row in rows]
        services: dict[tuple[str, str], list[ServiceRecord]] = {}
        for service in session.scalars(_services_in_creation_order().where(ServiceRow.project.in_(names))):
            services.setdefault((service.project, service.stage), []).append(to_service_record(service))
        stages: dict[str, list[StageRecord]] = {}
        for stage in session.scalars(_stages_of(names)):
            stages.setdefault(stage.project, []).append(
                to_stage_record(stage, services.get((stage.project, stage.name), []))
            )
        return [to_project_record(row, stages.get(row.name, [])) for row in rows]


def _stages_of(projects: Sequence[str]) -> Select[StageRow]:
    return (
        select(StageRow).where(StageRow.project.in_(projects)).order_by(StageRow.project, StageRow.position)
    )


def _services_in_creation_order() -> Select[ServiceRow]:
    return select(ServiceRow).order_by(ServiceRow.created, ServiceRow.name)


# --- converters ------------------------------------------------------------------------------------


def project_row(project: ProjectRecord) -> ProjectRow:
    """The row of ``project`` (without its stages)."""
    return ProjectRow(
        name=project.name,
        shipyard=project.shipyard,
        shipyard_version=project.shipyard_version,
        created=project.created,
    )


def stage_rows(project: ProjectRecord) -> Iterable[StageRow]:
    """The rows of the project's stages, numbered in shipyard order."""
    return [
        StageRow(
            project=project.name, name=stage.name, position=index, parent_stages=list(stage.parent_stages)
        )
        for index, stage in enumerate(project.stages)
    ]


def to_project_record(row: ProjectRow, stages: Sequence[StageRecord]) -> ProjectRecord:
    """The project record of ``row`` with ``stages``."""
    return ProjectRecord(
        name=row.name,
        shipyard=row.shipyard,
        shipyard_version=row.shipyard_version,
        created=row.created,
        stages=tuple(stages),
    )


def to_stage_record(row: StageRow, services: Sequence[ServiceRecord]) -> StageRecord:
    """The stage record of ``row`` with ``services``."""
    return StageRecord(name=row.name, parent_stages=tuple(row.parent_stages), services=tuple(services))


def to_service_record(row: ServiceRow) -> ServiceRecord:
    """The service record of ``row``; its event types sorted by name."""
    return ServiceRecord(
        name=row.name,
        created=row.created,
        deployed_image=row.deployed_image,
        last_event_types=tuple(
            (event_type, event_info(value)) for event_type, value in sorted(row.last_event_types.items())
        ),
    )


def event_info_json(info: EventContextInfo) -> dict[str, str]:
    """``info`` as stored in ``last_event_types``."""
    return {"eventId": info.event_id, "keptnContext": info.keptn_context, "time": info.time.isoformat()}


def event_info(value: Mapping[str, Any]) -> EventContextInfo:
    """The ``EventContextInfo`` stored as ``value``."""
    return EventContextInfo(
        event_id=str(value["eventId"]),
        keptn_context=str(value["keptnContext"]),
        time=datetime.fromisoformat(str(value["time"])),
    )
