"""Use cases of Keptn's controlPlane catalog: projects, stages, services, evaluation triggers, open tasks.

Every rule and message is Keptn's shipyard-controller's (1.4.5) unless ``docs/compatibility.md`` says
otherwise. Input is validated completely before anything is stored, so a rejected request changes
nothing. Successful changes emit Keptn's informational lifecycle events (``project.create.*``,
``service.create.*`` …) after they are committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slogate.domain.evaluation.window import WindowError, format_time, parse_time, resolve_window
from slogate.domain.protocol import event_types
from slogate.domain.protocol.gate_events import PASS, SUCCEEDED, KeptnEvent
from slogate.domain.protocol.ingestion import DEFAULT_SOURCE
from slogate.domain.sequencing.engine_events import CONTROLLER
from slogate.domain.sequencing.entity_names import (
    EntityNameError,
    validate_project_name,
    validate_service_name,
)
from slogate.domain.sequencing.shipyard import (
    SHIPYARD_NOT_DECODABLE,
    SHIPYARD_URI,
    STAGES_CHANGED,
    Shipyard,
    ShipyardError,
    decode_shipyard,
    parse_shipyard,
    stages_unchanged,
    validate_shipyard,
)
from slogate.errors import ConflictError, DocumentError, DocumentLimitError, InputError, NotFoundError
from slogate.ports import (
    CatalogStore,
    DocumentLoader,
    EventContextInfo,
    EventPage,
    EventStore,
    ProjectPage,
    ProjectRecord,
    ServiceEvent,
    ServicePage,
    ServiceRecord,
    StageRecord,
)
from slogate.services.usecases.catalog_requests import (
    INVALID_PAYLOAD,
    EvaluationRequest,
    GitCredentials,
    check_evaluation_request,
    check_git,
)

SHIPYARD_CACHE = 256  # parsed shipyards kept, by text
PROJECT_NOT_FOUND = "Project not found: {}"  # GET /project/{p}
PROJECT_MISSING = "project not found"
STAGE_MISSING = "stage not found"
SERVICE_MISSING = "service not found"
PROJECT_EXISTS = "could not create project '{}': project already exists"
SERVICE_EXISTS = "service already exists"
NO_STAGES_OF = "could not get stages of project {}: project not found"
NO_STAGES_TO_DELETE_FROM = "could not retrieve stages of project {}: project not found"
_TRIGGERED = ".triggered"
FileHook = Callable[[str, str, Sequence[str]], None]  # (project, shipyard text or service, stages)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return str(uuid.uuid4())


def _no_files(project: str, shipyard: str, stages: Sequence[str] = ()) -> None:
    """The default file hooks: no resource store keeps the project's files."""


class CatalogService:
    """The catalog use cases over a ``CatalogStore`` (state) and an ``EventStore`` (emitted events).

    Example::

        catalog = CatalogService(SqlCatalogStore(engine), SqlEventStore(engine), load_document)
        catalog.create_project("sockshop", base64_shipyard)
        catalog.create_service("sockshop", "carts")
        catalog.trigger_evaluation("sockshop", "qa", "carts", EvaluationRequest(timeframe="10m"))
    """

    def __init__(
        self,
        catalog: CatalogStore,
        events: EventStore,
        load_document: DocumentLoader,
        *,
        now: Callable[[], datetime] = _utc_now,
        new_id: Callable[[], str] = _new_id,
        on_project_deleted: Callable[[str], None] = lambda name: None,
        on_project_created: FileHook = _no_files,
        on_shipyard_updated: Callable[[str, str], None] = _no_files,
        on_service_changed: tuple[FileHook, FileHook] = (_no_files, _no_files),
    ) -> None:
        self._on_service_created, self._on_service_deleted = on_service_changed  # (project, service, stages)
        self._on_project_deleted = on_project_deleted
        self._on_project_created = on_project_created  # (name, shipyard text, stages): its first files
        self._on_shipyard_updated = on_shipyard_updated  # (name, shipyard text): its new shipyard.yaml
        self._catalog, self._events, self._load_document = catalog, events, load_document
        self._now, self._new_id = now, new_id
        self._parsed: dict[str, Shipyard] = {}

    # --- projects ---------------------------------------------------------------------------------

    def create_project(
        self, name: str | None, shipyard: str | None, git: GitCredentials | None = None
    ) -> None:
        """Create a project and its stages from a base64-encoded shipyard (Keptn's ``POST /project``)."""
        try:
            name = validate_project_name(name)
            text, parsed = self._read_shipyard(shipyard or "")
        except (EntityNameError, ShipyardError) as error:
            raise InputError(INVALID_PAYLOAD.format(error)) from None
        check_git(git)
        stages = tuple(StageRecord(stage, parsed.parent_stages(stage)) for stage in parsed.stage_names)
        try:
            self._catalog.create_project(ProjectRecord(name, text, parsed.api_version, self._now(), stages))
        except ConflictError:
            raise ConflictError(PROJECT_EXISTS.format(name)) from None
        self._create_files(name, text, parsed.stage_names)
        created = {"projectName": name, "gitRemoteURL": git.remote_url if git else "", "shipyard": shipyard}
        self._emit(
            (event_types.PROJECT_CREATE_STARTED, {"project": name}),
            (event_types.PROJECT_CREATE_FINISHED, {**_done(project=name), "createdProject": created}),
        )

    def update_project(
        self, name: str | None, shipyard: str | None, git: GitCredentials | None = None
    ) -> None:
        """Replace a project's shipyard (``PUT /project``): same stages required, reordering allowed.

        Without a shipyard only the name and the git credentials are checked; nothing is stored.
        """
        try:
            name = validate_project_name(name, max_size=None)
            new = self._read_shipyard(shipyard) if shipyard else None
        except (EntityNameError, ShipyardError) as error:
            raise InputError(INVALID_PAYLOAD.format(error)) from None
        check_git(git)
        if new is None:
            self._require_project(name, PROJECT_MISSING)
            return
        self._store_shipyard(name, *new)
        self._on_shipyard_updated(name, new[0])

    def replace_shipyard(self, project: str, text: str) -> None:
        """Adopt YAML text written as the project's ``shipyard.yaml`` resource, under the rules of
        ``PUT /project``: a valid shipyard with the same stages. The caller (the resource service)
        stores the file itself, so ``on_shipyard_updated`` is not called."""
        try:
            parsed = self._parse_shipyard(text)
        except ShipyardError as error:
            raise InputError(INVALID_PAYLOAD.format(error)) from None
        self._store_shipyard(project, text, parsed)

    def delete_project(self, name: str) -> str:
        """Delete a project with its stages and services; the informational message Keptn answers."""
        stages = self._catalog.stage_names(name)
        if stages is None or not self._catalog.delete_project(name):
            raise NotFoundError(PROJECT_NOT_FOUND.format(name))
        self._on_project_deleted(name)  # e.g. its resources, so that a new project starts empty
        self._emit((event_types.PROJECT_DELETE_FINISHED, _done(project=name)))
        return f"Project {name} was deleted with its stages ({', '.join(stages)}) and their services."

    def project(self, name: str) -> ProjectRecord:
        """One project with its stages and services."""
        project = self._catalog.project(name)
        if project is None:
            raise NotFoundError(PROJECT_NOT_FOUND.format(name))
        return project

    def projects(self, *, limit: int, offset: int) -> ProjectPage:
        """Projects sorted by name, paged."""
        return self._catalog.projects(limit=limit, offset=offset)

    # --- stages and services ----------------------------------------------------------------------

    def stages(self, project: str, *, limit: int, offset: int) -> tuple[tuple[StageRecord, ...], int]:
        """A page of the project's stages sorted by name (as Keptn sorts them), and their number."""
        record = self._catalog.project(project)
        if record is None:
            raise NotFoundError(PROJECT_MISSING)
        stages = sorted(record.stages, key=lambda stage: stage.name)
        return tuple(stages[offset : offset + limit]), len(stages)

    def stage(self, project: str, stage: str) -> StageRecord:
        """One stage with its services."""
        self._require_project(project, PROJECT_MISSING)
        record = self._catalog.stage(project, stage)
        if record is None:
            raise NotFoundError(STAGE_MISSING)
        return record

    def services(self, project: str, stage: str, *, limit: int, offset: int) -> ServicePage:
        """The services of a stage sorted by name, paged."""
        self.stage_scope(project, stage, error=NotFoundError)
        return self._catalog.services(project, stage, limit=limit, offset=offset)

    def service(self, project: str, stage: str, service: str) -> ServiceRecord:
        """One service of a stage."""
        self.stage_scope(project, stage, error=NotFoundError)
        record = self._catalog.service(project, stage, service)
        if record is None:
            raise NotFoundError(SERVICE_MISSING)
        return record

    def create_service(self, project: str, name: str | None) -> None:
        """Create a service in every stage of the project (``POST /project/{p}/service``)."""
        try:
            name = validate_service_name(name)
        except EntityNameError as error:
            raise InputError(str(error)) from None
        self._require_project(project, NO_STAGES_OF.format(project))
        try:
            self._catalog.create_service(project, name, self._now())
        except ConflictError:
            raise ConflictError(SERVICE_EXISTS) from None
        self._on_service_created(project, name, self._catalog.stage_names(project) or ())
        self._emit(
            (event_types.SERVICE_CREATE_STARTED, {"project": project, "service": name}),
            (event_types.SERVICE_CREATE_FINISHED, _done(project=project, service=name)),
        )

    def delete_service(self, project: str, name: str) -> None:
        """Delete a service from every stage of the project."""
        self._require_project(project, NO_STAGES_TO_DELETE_FROM.format(project))
        if not self._catalog.delete_service(project, name):
            raise NotFoundError(SERVICE_MISSING)
        self._on_service_deleted(project, name, self._catalog.stage_names(project) or ())
        self._emit(
            (event_types.SERVICE_DELETE_STARTED, {"project": project, "service": name}),
            (event_types.SERVICE_DELETE_FINISHED, _done(project=project, service=name)),
        )

    def note_events(self, events: Sequence[tuple[KeptnEvent, str | None]]) -> int:
        """Record each event as its service's latest of its type (Keptn's ``lastEventTypes``), and the
        deployed image when a ``deployment.finished`` gives one (else None), in one transaction; how
        many services existed."""
        return self._catalog.record_events(
            [
                ServiceEvent(
                    event.project, event.stage, event.service, event.type,
                    EventContextInfo(event.id, event.shkeptncontext, event.time), image,
                )
                for event, image in events
            ]
        )  # fmt: skip

    def stage_scope(self, project: str, stage: str, *, error: type[InputError] = InputError) -> None:
        """Raise ``error`` with Keptn's text unless ``stage`` exists in ``project``."""
        stages = self._catalog.stage_names(project)
        if stages is None:
            raise error(PROJECT_MISSING)
        if stage not in stages:
            raise error(STAGE_MISSING)

    # --- evaluations and open tasks ---------------------------------------------------------------

    def trigger_evaluation(self, project: str, stage: str, service: str, request: EvaluationRequest) -> str:
        """Store ``sh.keptn.event.<stage>.evaluation.triggered`` for the resolved window, in a new Keptn
        context, as Keptn's controller sends it; the context. Keptn's checks in Keptn's order."""
        check_evaluation_request(request)
        self.stage_scope(project, stage)
        if self._catalog.service(project, stage, service) is None:
            raise InputError(SERVICE_MISSING)
        now = self._now()
        try:
            window = resolve_window(
                now,
                request.timeframe or None,
                parse_time(request.start) if request.start else None,
                parse_time(request.end) if request.end else None,
            )
        except WindowError as error:
            raise InputError(str(error)) from None
        data: dict[str, Any] = {"project": project, "stage": stage, "service": service}
        if request.labels:
            data["labels"] = dict(request.labels)
        data["evaluation"] = {"start": format_time(window.start), "end": format_time(window.end)}
        context = self._new_id()
        event = KeptnEvent(
            id=self._new_id(),
            type=f"{event_types.PREFIX}.{stage}.evaluation{_TRIGGERED}",
            source=DEFAULT_SOURCE,
            time=now,
            shkeptncontext=context,
            data=data,
            gitcommitid=request.gitcommitid,
        )
        self._events.add([event])
        return context

    def open_triggered(
        self,
        event_type: str,
        *,
        project: str | None = None,
        stage: str | None = None,
        service: str | None = None,
        event_id: str | None = None,
        limit: int,
        offset: int,
    ) -> EventPage:
        """``.triggered`` events of ``event_type`` that are due and not answered by a ``.finished``,
        oldest first (what remote executors poll); empty filters count as not given."""
        if project:
            self._require_project(project, PROJECT_MISSING)
        return self._catalog.open_triggered(
            event_type,
            until=self._now(),
            project=project or None,
            stage=stage or None,
            service=service or None,
            event_id=event_id or None,
            limit=limit,
            offset=offset,
        )

    # --- helpers ----------------------------------------------------------------------------------

    def shipyard(self, project: str) -> Shipyard | None:
        """The project's parsed shipyard (what the sequence engine follows), None for an unknown project."""
        text = self._catalog.shipyard(project)
        if text is None:
            return None
        parsed = self._parsed.get(text)
        if parsed is None:
            if len(self._parsed) >= SHIPYARD_CACHE:
                self._parsed.clear()
            parsed = self._parse_shipyard(text)  # stored only after it validated
            self._parsed[text] = parsed
        return parsed

    def _read_shipyard(self, encoded: str) -> tuple[str, Shipyard]:
        text = decode_shipyard(encoded)
        return text, self._parse_shipyard(text)

    def _parse_shipyard(self, text: str) -> Shipyard:
        try:
            document = self._load_document(text, SHIPYARD_URI)
        except DocumentLimitError as error:  # Keptn's message, and which limit (Keptn has other limits)
            raise ShipyardError(f"{SHIPYARD_NOT_DECODABLE}: {error.detail}", (error.detail,)) from None
        except DocumentError as error:
            raise ShipyardError(SHIPYARD_NOT_DECODABLE, (error.detail,)) from None
        shipyard = parse_shipyard(document)
        validate_shipyard(shipyard)
        return shipyard

    def _store_shipyard(self, project: str, text: str, shipyard: Shipyard) -> None:
        old_stages = self._catalog.stage_names(project)
        if old_stages is None:
            raise NotFoundError(PROJECT_MISSING)
        if not stages_unchanged(old_stages, shipyard.stage_names):
            raise InputError(STAGES_CHANGED)
        parents = {stage: shipyard.parent_stages(stage) for stage in shipyard.stage_names}
        if not self._catalog.update_shipyard(project, text, shipyard.api_version, parents):
            raise NotFoundError(PROJECT_MISSING)  # deleted meanwhile

    def _create_files(self, name: str, text: str, stages: Sequence[str]) -> None:
        """The new project's files (shipyard.yaml, a first revision per stage); on failure the project
        is deleted again, as Keptn's controller rolls back a project it could not set up."""
        try:
            self._on_project_created(name, text, stages)
        except Exception:
            self._catalog.delete_project(name)
            self._on_project_deleted(name)
            raise

    def _require_project(self, project: str, message: str) -> None:
        if not self._catalog.project_exists(project):
            raise NotFoundError(message)

    def _emit(self, *events: tuple[str, Mapping[str, Any]]) -> None:
        """Store lifecycle events of one new Keptn context, as the controller sends them."""
        context, now = self._new_id(), self._now()
        self._events.add(
            [
                KeptnEvent(self._new_id(), event_type, CONTROLLER, now, context, dict(data))
                for event_type, data in events
            ]
        )


def _done(**scope: str) -> dict[str, str]:
    return {**scope, "status": SUCCEEDED, "result": PASS}
