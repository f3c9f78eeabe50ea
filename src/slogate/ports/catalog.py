"""Ports of the catalog: projects, their stages and services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from slogate.domain.protocol.gate_events import KeptnEvent


@dataclass(frozen=True, slots=True)
class EventContextInfo:
    """The latest event of one type a service saw (an entry of Keptn's ``lastEventTypes``)."""

    event_id: str
    keptn_context: str
    time: datetime


@dataclass(frozen=True, slots=True)
class ServiceEvent:
    """An event a service saw, to note as its latest of that type (and the image a deployment gave)."""

    project: str
    stage: str
    service: str
    event_type: str
    info: EventContextInfo
    deployed_image: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """A service in one stage; ``last_event_types`` maps event types to their latest event."""

    name: str
    created: datetime
    deployed_image: str = ""
    last_event_types: tuple[tuple[str, EventContextInfo], ...] = ()


@dataclass(frozen=True, slots=True)
class StageRecord:
    """A stage of a project with its services (in creation order)."""

    name: str
    parent_stages: tuple[str, ...] = ()
    services: tuple[ServiceRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    """A project: its shipyard (the text of its ``shipyard.yaml``) and its stages in shipyard order."""

    name: str
    shipyard: str
    shipyard_version: str
    created: datetime
    stages: tuple[StageRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class ProjectPage:
    """One page of projects and how many there are in all."""

    projects: tuple[ProjectRecord, ...]
    total: int


@dataclass(frozen=True, slots=True)
class ServicePage:
    """One page of the services of a stage and how many there are in all."""

    services: tuple[ServiceRecord, ...]
    total: int


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of events and how many match in all."""

    events: tuple[KeptnEvent, ...]
    total: int


class CatalogStore(Protocol):
    """Projects, stages and services (Keptn's project view), and the open ``.triggered`` events.

    Example::

        store.create_project(ProjectRecord("sockshop", text, "spec.keptn.sh/0.2.2", now, stages))
        store.create_service("sockshop", "carts", now)       # in every stage
        store.services("sockshop", "qa", limit=20, offset=0)  # sorted by name
    """

    def create_project(self, project: ProjectRecord) -> None:
        """Store a new project with its stages; ``ConflictError`` when the name is taken."""
        ...

    def update_shipyard(
        self, project: str, shipyard: str, version: str, parent_stages: Mapping[str, tuple[str, ...]]
    ) -> bool:
        """Replace the shipyard text, its version and the stages' parent stages; whether the project
        exists."""
        ...

    def delete_project(self, project: str) -> bool:
        """Delete the project with its stages and services; whether it existed."""
        ...

    def project(self, project: str) -> ProjectRecord | None:
        """The project with its stages and services, or None."""
        ...

    def shipyard(self, project: str) -> str | None:
        """The text of the project's shipyard, or None (cheaper than ``project``)."""
        ...

    def projects(self, *, limit: int, offset: int) -> ProjectPage:
        """Projects sorted by name, paged."""
        ...

    def stage_names(self, project: str) -> tuple[str, ...] | None:
        """The project's stage names in shipyard order, or None when there is no such project."""
        ...

    def stage(self, project: str, stage: str) -> StageRecord | None:
        """One stage with its services, or None."""
        ...

    def services(self, project: str, stage: str, *, limit: int, offset: int) -> ServicePage:
        """The services of a stage sorted by name, paged."""
        ...

    def service(self, project: str, stage: str, service: str) -> ServiceRecord | None:
        """One service of a stage, or None."""
        ...

    def create_service(self, project: str, service: str, created: datetime) -> None:
        """Add ``service`` to every stage of ``project``; ``ConflictError`` when any stage has it."""
        ...

    def delete_service(self, project: str, service: str) -> bool:
        """Remove ``service`` from every stage; whether any stage had it."""
        ...

    def record_events(self, events: Sequence[ServiceEvent]) -> int:
        """Note each event as its service's latest of its type (and its deployed image, when given), in
        order, in one transaction; how many services existed."""
        ...

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
        """Stored events of ``event_type`` (a ``.triggered`` type) due by ``until`` that no ``.finished``
        event answers (by ``triggeredid``), of existing projects, oldest first, paged."""
        ...

    def project_exists(self, project: str) -> bool:
        """Whether ``project`` exists."""
        ...

    def stage_exists(self, project: str, stage: str) -> bool:
        """Whether ``stage`` exists in ``project``."""
        ...

    def service_exists(self, project: str, stage: str, service: str) -> bool:
        """Whether ``service`` exists in ``stage`` of ``project``."""
        ...
