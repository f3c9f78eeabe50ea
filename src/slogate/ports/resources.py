"""Ports of configuration: resource files and revisions, secrets readers, scope checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


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

    def purge_project(self, project: str) -> None:
        """Forget every revision and file of ``project`` (the project is deleted)."""
        ...

    def head(self, level: ResourceLevel) -> str | None:
        """The id of the latest revision of the level's history, or None before the first write."""
        ...

    def has_revision(self, level: ResourceLevel, revision: str) -> bool:
        """Whether ``revision`` is a revision of the level's history."""
        ...

    def mentions(self, project: str, uri: str) -> bool:
        """Whether any level of ``project`` ever stored ``uri`` (at any revision)."""
        ...

    def read(self, level: ResourceLevel, uri: str, revision: str) -> bytes | None:
        """The content of ``uri`` at ``revision`` (a revision of the level's history), or None when
        the file did not exist then."""
        ...

    def list_files(self, level: ResourceLevel, revision: str, *, limit: int, offset: int) -> ResourcePage:
        """The URIs of the level's files at ``revision``, sorted, paged by ``limit``/``offset``."""
        ...

    def list_tree(self, level: ResourceLevel, revision: str) -> tuple[str, ...]:
        """Every URI of the level current at ``revision``, unsorted; a stage's include each of its
        services' files as ``<service>/<uri>``, as Keptn's stage directory holds them."""
        ...

    def delete_level(self, level: ResourceLevel, message: str) -> str | None:
        """Record the deletion of every current file of ``level`` as one new revision; its id, or None
        (nothing written) when the level has no file."""
        ...
