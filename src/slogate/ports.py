"""The small interfaces (ports) that services depend on and adapters implement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol, runtime_checkable

from slogate.domain.events import KeptnEvent, SLIValue
from slogate.domain.sli import SLIRequest


class DocumentLoader(Protocol):
    """Parses YAML text into the domain's document tree, or raises ``DocumentError``."""

    def __call__(self, text: str, source: str) -> object:
        """Parse ``text``; ``source`` names the file in error messages."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderOptions:
    """How to reach a metrics backend: what ``slogate evaluate`` and the settings give a provider."""

    url: str
    username: str = ""
    password: str = ""
    bearer_token: str = ""
    timeout_seconds: float = 10.0
    concurrency: int = 8


class SLIProvider(Protocol):
    """Measures SLIs for a window. Failures are data: a value with ``success=False`` and a message.

    Example::

        provider = PrometheusProvider(PrometheusConfig(url="http://127.0.0.1:9090"))
        values = await provider.fetch(request)   # one SLIValue per request.indicators, same order
    """

    type_name: ClassVar[str]

    async def fetch(self, request: SLIRequest) -> tuple[SLIValue, ...]:
        """One value per indicator of ``request``, in its order; never raises for a failed query."""
        ...

    async def check(self) -> None:
        """Raise ``ConfigError`` naming the URL when the backend cannot be reached or refuses us."""
        ...

    def unsupported(self, request: SLIRequest) -> tuple[str, ...]:
        """The indicators of ``request`` this provider has no query for (configured or built in)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class SLIProviderFactory(Protocol):
    """What an entry point of ``slogate.sli_providers`` names: builds a provider from options."""

    def __call__(self, options: ProviderOptions) -> SLIProvider:
        """A provider for ``options``; invalid options raise ``ConfigError``."""
        ...


class EventStore(Protocol):
    """Keeps Keptn events; answers the datastore queries the gate and the server need."""

    def add(self, events: Sequence[KeptnEvent]) -> None:
        """Store ``events`` in one transaction (all or nothing)."""
        ...

    def get(self, event_id: str) -> KeptnEvent | None:
        """The event with ``event_id``, or None."""
        ...

    def latest_evaluations(
        self,
        project: str,
        stage: str,
        service: str,
        *,
        limit: int,
        results: frozenset[str] | None = None,
        exclude_invalidated: bool = True,
    ) -> list[KeptnEvent]:
        """``evaluation.finished`` events of one service, newest first, as Keptn's datastore answers.

        ``results`` keeps only those whose ``data.result`` is one of them; ``exclude_invalidated``
        drops those whose ``triggeredid`` has an ``evaluation.invalidated`` event.
        """
        ...

    def invalidated_triggered_ids(self, triggered_ids: Sequence[str]) -> frozenset[str]:
        """Which of ``triggered_ids`` have an ``evaluation.invalidated`` event."""
        ...

    def find(
        self,
        *,
        type: str | None = None,
        project: str | None = None,
        stage: str | None = None,
        service: str | None = None,
        shkeptncontext: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[KeptnEvent]:
        """Events matching every given field, newest first, paged."""
        ...


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event waiting for a subscriber, with its position in the log."""

    seq: int
    event: KeptnEvent


class DispatchStore(Protocol):
    """The event log as in-process services consume it: at least once, in order, atomically."""

    def pending(self, subscriber: str, types: Sequence[str], limit: int) -> list[PendingEvent]:
        """Events of ``types`` the subscriber has not completed, oldest first."""
        ...

    def complete(self, subscriber: str, pending: PendingEvent, emitted: Sequence[KeptnEvent]) -> None:
        """Store what handling ``pending`` emitted and mark it done, in one transaction."""
        ...


class ResourceReader(Protocol):
    """Reads configuration files (slo.yaml, prometheus/sli.yaml) at a level and revision."""

    def read(self, project: str, stage: str, service: str, uri: str, revision: str = "") -> str | None:
        """The text of ``uri`` (stage/service ``""`` for a higher level), or None when absent."""
        ...


class SecretReader(Protocol):
    """Reads the values of a stored secret (never exposed over HTTP)."""

    def secret(self, name: str, scope: str) -> Mapping[str, str] | None:
        """The key/value map of secret ``name`` in ``scope``, or None."""
        ...


class ScopeChecker(Protocol):
    """Whether a project, a stage of it, or a service in a stage exists (the catalog implements it)."""

    def project_exists(self, project: str) -> bool:
        """Whether ``project`` exists."""
        ...

    def stage_exists(self, project: str, stage: str) -> bool:
        """Whether ``stage`` exists in ``project``."""
        ...

    def service_exists(self, project: str, stage: str, service: str) -> bool:
        """Whether ``service`` exists in ``stage`` of ``project``."""
        ...


@dataclass(frozen=True, slots=True)
class ResourceLevel:
    """Where resources live: a project, a stage of it, or a service in a stage ('' = that part not given).

    As in Keptn, each level keeps its own files. Revisions are counted per *history*: the project level
    has one, and each stage has one that its services share (Keptn's stage branch), so a stage's
    revision id can be used to read any of its services' files as they were at that revision.
    """

    project: str
    stage: str = ""
    service: str = ""

    def __post_init__(self) -> None:
        if not self.project or (self.service and not self.stage):
            raise ValueError(f"invalid resource level {self!r}: a service needs a stage, a stage a project")

    def __str__(self) -> str:
        if self.service:
            return f"service '{self.service}' in stage '{self.stage}' of project '{self.project}'"
        if self.stage:
            return f"stage '{self.stage}' of project '{self.project}'"
        return f"project '{self.project}'"

    @property
    def history(self) -> str:
        """The history the level's revisions belong to, for messages: the project or the stage."""
        if self.stage:
            return f"stage '{self.stage}' of project '{self.project}'"
        return f"project '{self.project}'"


@dataclass(frozen=True, slots=True)
class ResourcePage:
    """One page of the resource URIs current at a revision, and how many there are in all."""

    uris: tuple[str, ...]
    total: int


class ResourceStore(Protocol):
    """Versioned configuration files per level, with Keptn's commit-like revision ids (no git).

    Every write adds one revision to the level's history and returns its id (40 hex digits); reads
    name a revision of that history and see each file as of the latest write at or before it.

    Example::

        carts = ResourceLevel("sockshop", "qa", "carts")
        commit = store.write(carts, {"slo.yaml": b"..."}, "Added resources")
        store.read(carts, "slo.yaml", commit)   # b"..."
    """

    def write(self, level: ResourceLevel, files: Mapping[str, bytes], message: str) -> str:
        """Store ``files`` (uri → content) as one new revision of the level's history; its id."""
        ...

    def delete(self, level: ResourceLevel, uri: str, message: str) -> str | None:
        """Record the deletion of ``uri`` as a new revision and return its id; None (nothing written)
        when ``uri`` is not a current file of the level."""
        ...

    def delete_level(self, level: ResourceLevel, message: str) -> str | None:
        """Delete every current file of the level (a service or stage being removed) in one revision;
        None when there was none. Earlier revisions keep them."""
        ...

    def purge_project(self, project: str) -> None:
        """Forget every revision and file of ``project`` (the project is deleted)."""
        ...

    def head(self, level: ResourceLevel) -> str | None:
        """The id of the latest revision of the level's history, or None before the first write."""
        ...

    def has_revision(self, level: ResourceLevel, revision: str) -> bool:
        """Whether ``revision`` is a revision of the level's history."""
        ...

    def read(self, level: ResourceLevel, uri: str, revision: str) -> bytes | None:
        """The content of ``uri`` at ``revision`` (a revision of the level's history), or None when
        the file did not exist then."""
        ...

    def list_files(self, level: ResourceLevel, revision: str, *, limit: int, offset: int) -> ResourcePage:
        """The URIs of the level's files at ``revision``, sorted, paged by ``limit``/``offset``."""
        ...


@dataclass(frozen=True, slots=True)
class SecretInfo:
    """What may be shown of a secret: its name, scope and the names of its keys (never the values)."""

    name: str
    scope: str
    keys: tuple[str, ...]


class SecretStore(Protocol):
    """Named secrets (a map of string values) kept encrypted at rest; names are unique across scopes."""

    def create(self, name: str, scope: str, data: Mapping[str, str]) -> None:
        """Store a new secret; ``ConflictError`` when ``name`` exists."""
        ...

    def update(self, name: str, scope: str, data: Mapping[str, str]) -> None:
        """Replace the scope and data of ``name``; ``NotFoundError`` when it does not exist."""
        ...

    def delete(self, name: str, scope: str) -> bool:
        """Delete ``name`` if it has ``scope``; whether it did."""
        ...

    def infos(self) -> list[SecretInfo]:
        """Every secret's name, scope and keys, sorted by name (no decryption needed)."""
        ...

    def info(self, name: str) -> SecretInfo | None:
        """One secret's name, scope and keys, or None."""
        ...

    def values(self, name: str) -> dict[str, str] | None:
        """The decrypted data of ``name``, or None; ``ConfigError`` when it cannot be decrypted."""
        ...


# --- the catalog: projects, their stages and services ---------------------------------------------


@dataclass(frozen=True, slots=True)
class EventContextInfo:
    """The latest event of one type a service saw (an entry of Keptn's ``lastEventTypes``)."""

    event_id: str
    keptn_context: str
    time: datetime


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

    def record_event(
        self,
        project: str,
        stage: str,
        service: str,
        event_type: str,
        info: EventContextInfo,
        deployed_image: str | None = None,
    ) -> bool:
        """Note ``info`` as the service's latest ``event_type`` (and its deployed image, if given);
        whether the service exists."""
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


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """One condition of a datastore query: the event field at ``path`` equals one of ``values``.

    ``path`` names a CloudEvent field as Keptn's datastore does (``("id",)``, ``("source",)``,
    ``("shkeptncontext",)``, ``("data", "project")``, ``("data", "labels", "buildId")``…); a path the
    store cannot resolve matches nothing, as a missing field does in MongoDB.
    """

    path: tuple[str, ...]
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventCriteria:
    """A datastore query: every condition must hold; newest first; ``limit`` None = no limit.

    ``project_collection`` and ``context_collection`` reproduce Keptn's per-project collections:
    only events whose ``data.project`` is the given one ("" = events without a project), or is the
    project of the first stored event of the given context that has one ("" when none has).
    ``roots_only`` keeps the first stored event of each (project, context), events without a
    project having none; ``exclude_invalidated`` drops events whose ``triggeredid`` has an
    ``*.invalidated`` event in the same project.
    """

    fields: tuple[FieldMatch, ...] = ()
    after: datetime | None = None
    before: datetime | None = None
    project_collection: str | None = None
    context_collection: str | None = None
    roots_only: bool = False
    exclude_invalidated: bool = False
    limit: int | None = 20
    offset: int = 0
    count: bool = True


@runtime_checkable
class EventQueries(Protocol):
    """The datastore's general event query (``GET /event``, ``GET /event/type/{type}``)."""

    def query(self, criteria: EventCriteria) -> tuple[list[KeptnEvent], int]:
        """The page of events matching ``criteria`` and how many match in all (-1 if not counted)."""
        ...
