"""Use cases over versioned resources (Keptn's resource-service): validate, write, read, list, delete."""

from __future__ import annotations

import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from slogate.domain.problems import Problem
from slogate.domain.sequencing.shipyard import SHIPYARD_URI
from slogate.errors import InputError, NotFoundError
from slogate.ports import ResourceLevel, ResourceStore, ScopeChecker
from slogate.ports.resource_problems import ResourceProblemStore
from slogate.services.usecases.paging import next_page_key
from slogate.services.usecases.resource_checks import FileReport, no_checks

DEFAULT_PAGE_SIZE = 20
ADDED = "Added resources"  # Keptn's commit messages
UPDATED = "Updated resource"
DELETED = "Deleted resources"
INITIALIZED = "initialized project"
ADDED_STAGE = "Added stage: {}"
ADDED_SERVICE = "Added service: {}"
REMOVED_SERVICE = "Removed service: {}"
METADATA_URI = "metadata.yaml"
SHIPYARD_KEPT = (
    "shipyard.yaml of project '{}' cannot be deleted: a project needs its shipyard "
    "(update it, or delete the project)"
)


@dataclass(frozen=True, slots=True)
class ResourceFile:
    """A file's content as of ``version`` (the revision it was read at)."""

    uri: str
    content: bytes
    version: str


@dataclass(frozen=True, slots=True)
class Written:
    """A new revision, and the problems found in the files it stored (of kinds slogate checks)."""

    revision: str
    reports: tuple[FileReport, ...] = ()


@dataclass(frozen=True, slots=True)
class ResourceListing:
    """One page of the files current at ``version``; ``next_page_key`` "0" on the last page (Keptn)."""

    uris: tuple[str, ...]
    version: str
    total: int
    page_size: int
    next_page_key: str


def normalize_uri(uri: str) -> str:
    """The canonical form of a resource URI: '/'-separated, no empty or '.' parts, no leading '/'.

    ``InputError`` (Keptn's "invalid resource uri") for URIs with ``~`` or ``..`` (which Keptn refuses),
    control characters, or nothing left once normalized.
    """
    if "~" in uri or ".." in uri:
        raise InputError(f"invalid resource uri '{uri}': it must not contain '~' or '..'")
    if any(ord(character) < 32 or ord(character) == 127 for character in uri):
        raise InputError(f"invalid resource uri {uri!r}: it must not contain control characters")
    parts = [part for part in uri.split("/") if part not in ("", ".")]
    if not parts:
        raise InputError(f"invalid resource uri '{uri}': it names no file")
    return "/".join(parts)


def decode_content(uri: str, content: str) -> bytes:
    """The bytes of standard, padded base64 ``content``, as Go's ``StdEncoding`` decodes it: line
    breaks are ignored, anything else outside the alphabet or a wrong length is refused."""
    cleaned = content.replace("\r", "").replace("\n", "")
    try:
        if len(cleaned) % 4:
            raise ValueError("not a multiple of 4 characters")
        return binascii.a2b_base64(cleaned.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        raise InputError(f"resource content is not base64 encoded: {uri}") from None


def project_metadata(project: str, created: datetime) -> bytes:
    """The project's ``metadata.yaml``, as Keptn's resource-service writes it on project creation."""
    return (
        f"projectName: {project}\ncreationTimestamp: {_go_time(created)}\nisUsingDirectoryStructure: false\n"
    ).encode()


def stage_metadata(stage: str, created: datetime) -> bytes:
    """A stage's ``metadata.yaml``, as Keptn's resource-service writes it when it adds a stage."""
    return f"stagename: {stage}\ncreationtimestamp: {_go_time(created)}\n".encode()


def service_metadata(service: str, created: datetime) -> bytes:
    """A service's ``metadata.yaml``, as Keptn's resource-service writes it in each stage when the
    service is created (its ``ServiceMetadata`` marshalled without field tags: lower-case keys)."""
    return f"servicename: {service}\ncreationtimestamp: {_go_time(created)}\n".encode()


def walk_order(uri: str) -> list[str]:
    """Sort key of Keptn's listings (Go's ``filepath.Walk``): by path component, so a directory's
    files come right after its name (``app/x`` before ``app-db/x`` and ``app.txt``)."""
    return uri.split("/")


def _go_time(moment: datetime) -> str:
    """``moment`` in UTC as Go's ``time.Time.String()`` prints it (the timestamps of metadata.yaml)."""
    utc = moment.astimezone(UTC)
    fraction = f".{utc.microsecond:06d}".rstrip("0").rstrip(".")
    return f"{utc:%Y-%m-%d %H:%M:%S}{fraction} +0000 UTC"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _no_hook(project: str, text: str) -> None:
    """The default ``on_shipyard_written``: nothing else keeps a copy of the shipyard."""


_MAX_KEY_DIGITS = 18  # a page key beyond it was not given by a previous page, and overflows SQL's int64


def page_offset(next_page_key: str) -> int:
    """The offset a ``nextPageKey`` stands for ('' = the first page)."""
    if next_page_key == "":
        return 0
    if not next_page_key.isdigit() or not next_page_key.isascii() or len(next_page_key) > _MAX_KEY_DIGITS:
        raise InputError(
            f"invalid nextPageKey '{next_page_key}': it must be a number given by a previous page"
        )
    return int(next_page_key)


class ResourceService:
    """Keptn's resource-service over a ``ResourceStore``: one revision per write, reads at any revision.

    Also the ``ResourceReader`` the lighthouse and SLI service use (:meth:`read`): each level is read on
    its own, a stage's revision id reads any of its services' files as of that revision.

    A project's ``shipyard.yaml`` is also the catalog's shipyard: a user's write of it goes through
    ``on_shipyard_written(project, text)`` first (the catalog checks and adopts it, or raises), and
    the catalog's own changes come in through :meth:`init_project` and :meth:`store_shipyard`, which
    do not call it back. It cannot be deleted.
    """

    def __init__(
        self,
        store: ResourceStore,
        scopes: ScopeChecker,
        max_size_bytes: int,
        *,
        now: Callable[[], datetime] = _utc_now,
        on_shipyard_written: Callable[[str, str], None] = _no_hook,
        on_changed: Callable[[], None] = lambda: None,
        check_files: Callable[[Mapping[str, bytes]], tuple[FileReport, ...]] = no_checks,
        problems: ResourceProblemStore | None = None,
    ) -> None:
        self._store = store
        self._scopes = scopes
        self._max_size = max_size_bytes
        self._now = now
        self._on_shipyard_written = on_shipyard_written
        self._on_changed = on_changed  # any file of any project changed (caches of what they say)
        self._check_files = check_files  # slo.yaml, sli.yaml, webhook.yaml, …: problems, or strict refusal
        self._problems = problems  # the problems of each file's current version, kept with it

    def init_project(self, project: str, shipyard: str, stages: Sequence[str]) -> None:
        """The files of a new project, as Keptn's project creation leaves them: ``metadata.yaml`` and
        ``shipyard.yaml`` at the project level, and a ``metadata.yaml`` per stage, so that every stage
        has a revision (what a sequence pins) from the start."""
        created = self._now()
        files = {METADATA_URI: project_metadata(project, created), SHIPYARD_URI: shipyard.encode()}
        self._store.write(ResourceLevel(project), files, INITIALIZED)
        for stage in stages:
            level = ResourceLevel(project, stage)
            self._store.write(
                level, {METADATA_URI: stage_metadata(stage, created)}, ADDED_STAGE.format(stage)
            )
        self._on_changed()

    def init_service(self, project: str, service: str, stages: Sequence[str]) -> None:
        """A new service's files, as Keptn's service creation leaves them: its ``metadata.yaml`` in
        each stage (one revision of each stage, "Added service: <name>")."""
        created = self._now()
        for stage in stages:
            level = ResourceLevel(project, stage, service)
            self._store.write(
                level, {METADATA_URI: service_metadata(service, created)}, ADDED_SERVICE.format(service)
            )
        self._on_changed()

    def remove_service(self, project: str, service: str, stages: Sequence[str]) -> None:
        """A deleted service's files are deleted in each stage (Keptn removes its directory), so that a
        service created again under that name starts with Keptn's files only."""
        for stage in stages:
            self._store.delete_level(ResourceLevel(project, stage, service), REMOVED_SERVICE.format(service))
        self._on_changed()

    def store_shipyard(self, project: str, shipyard: str) -> None:
        """Write the project's ``shipyard.yaml`` as the catalog accepted it (an update of the project);
        no new revision when the text is the same."""
        level, content = ResourceLevel(project), shipyard.encode()
        head = self._store.head(level)
        if head is None or self._store.read(level, SHIPYARD_URI, head) != content:
            self._store.write(level, {SHIPYARD_URI: content}, UPDATED)
            self._on_changed()

    def stage_revision(self, project: str, stage: str) -> str:
        """The stage's current revision id ('' when it has none): what a sequence in it is pinned to,
        as Keptn's controller reads it from the stage's ``metadata.yaml`` (keptn-v1-spec §7.3)."""
        return self.head(ResourceLevel(project, stage))

    def purge_project(self, project: str) -> None:
        """Forget every file and revision of a deleted project, so that a new one starts empty."""
        self._store.purge_project(project)
        if self._problems is not None:
            self._problems.purge_project(project)
        self._on_changed()

    def write(self, level: ResourceLevel, resources: Sequence[tuple[str, str]], message: str = ADDED) -> str:
        """Store ``(uri, base64 content)`` pairs as one revision (the last of a repeated URI wins); its id.

        Everything is validated before anything is stored.
        """
        return self.write_checked(level, resources, message).revision

    def write_checked(
        self, level: ResourceLevel, resources: Sequence[tuple[str, str]], message: str = ADDED
    ) -> Written:
        """:meth:`write`, answering also the problems of the files of a kind slogate checks."""
        files: dict[str, bytes] = {}
        for uri, content in resources:
            canonical = normalize_uri(uri)
            files[canonical] = self._checked_size(canonical, decode_content(canonical, content))
        if not files:
            raise InputError("no resources given: send at least one {resourceURI, resourceContent}")
        self._require(level)
        reports = self._check_files(files)
        self._adopt_shipyard(level, files)
        revision = self._store.write(level, files, message)
        if self._problems is not None:
            found = {report.uri: report.problems for report in reports}
            self._problems.record(level, revision, {uri: found.get(uri, ()) for uri in files})
        self._on_changed()
        return Written(revision, reports)

    def project_problems(self, project: str) -> list[tuple[ResourceLevel, str, tuple[Problem, ...]]]:
        """Every file of ``project`` whose current version had problems when it was uploaded."""
        return [] if self._problems is None else self._problems.project_problems(project)

    def problems(self, level: ResourceLevel, uri: str) -> tuple[Problem, ...]:
        """The problems found in the current version of ``uri`` when it was uploaded (none if not kept)."""
        return () if self._problems is None else self._problems.problems(level, normalize_uri(uri))

    def put(self, level: ResourceLevel, uri: str, content: str) -> str:
        """Create or replace one file; the id of the new revision."""
        return self.write(level, [(uri, content)], UPDATED)

    def get(self, level: ResourceLevel, uri: str, revision: str = "") -> ResourceFile:
        """The file at ``revision`` (default: the current one); ``NotFoundError`` when it is absent."""
        canonical = normalize_uri(uri)
        self._require(level)
        version = self._revision(level, revision)
        content = None if version is None else self._store.read(level, canonical, version)
        service, _, inner = canonical.partition("/")
        if content is None and version and inner and level.stage and not level.service:
            # a stage's listing names its services' files "<service>/<uri>": read them there, as Keptn
            content = self._store.read(ResourceLevel(level.project, level.stage, service), inner, version)
        if content is None or version is None:
            raise NotFoundError(f"Resource not found: {canonical} in {level}")
        return ResourceFile(canonical, content, version)

    def list(
        self, level: ResourceLevel, revision: str = "", page_size: int = DEFAULT_PAGE_SIZE, page_key: str = ""
    ) -> ResourceListing:
        """One page of the URIs of the files current at ``revision`` (default: now) in Keptn's order
        (:func:`walk_order`); a stage's listing holds its services' files too, as ``<service>/<uri>``,
        as Keptn's resource-service lists the stage's directory."""
        if page_size < 1:
            raise InputError(f"invalid pageSize {page_size}: it must be at least 1")
        offset = page_offset(page_key)
        self._require(level)
        version = self._revision(level, revision)
        if version is None:
            return ResourceListing((), "", 0, page_size, "0")
        uris = sorted(set(self._store.list_tree(level, version)), key=walk_order)
        page = tuple(uris[offset : offset + page_size])
        return ResourceListing(
            page, version, len(uris), page_size, next_page_key(offset, page_size, len(uris))
        )

    def delete(self, level: ResourceLevel, uri: str) -> str:
        """Delete one file in a new revision; its id. ``NotFoundError`` when the file does not exist."""
        canonical = normalize_uri(uri)
        self._require(level)
        if _is_shipyard(level, canonical):
            raise InputError(SHIPYARD_KEPT.format(level.project))
        revision = self._store.delete(level, canonical, DELETED)
        if revision is None:
            raise NotFoundError(f"Resource not found: {canonical} in {level}")
        if self._problems is not None:
            self._problems.forget(level, canonical)
        self._on_changed()
        return revision

    def mentions(self, project: str, uri: str) -> bool:
        """Whether any level of ``project`` ever had a file ``uri`` (a cheap check before reading it
        at every level)."""
        return self._store.mentions(project, normalize_uri(uri))

    def head(self, level: ResourceLevel) -> str:
        """The level's current revision id ('' before the first write): what a sequence pins."""
        return self._store.head(level) or ""

    def read(self, project: str, stage: str, service: str, uri: str, revision: str = "") -> str | None:
        """``ResourceReader``: the text of ``uri`` at a level (stage/service '' for a higher level) as of
        ``revision`` ('' = current), or None when absent. ``NotFoundError`` when ``revision`` is not one
        of that level's history; ``InputError`` when the file is not UTF-8 text."""
        level = ResourceLevel(project, stage, service)
        canonical = normalize_uri(uri)
        version = self._revision(level, revision)
        content = None if version is None else self._store.read(level, canonical, version)
        if content is None:
            return None
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{canonical} in {level} is not UTF-8 text") from None

    def _revision(self, level: ResourceLevel, revision: str) -> str | None:
        """``revision`` when it belongs to the level's history, else ``NotFoundError``; '' = the head."""
        if not revision:
            return self._store.head(level)
        if not self._store.has_revision(level, revision):
            raise NotFoundError(f"Revision not found: {revision} is no revision of {level.history}")
        return revision

    def _adopt_shipyard(self, level: ResourceLevel, files: Mapping[str, bytes]) -> None:
        """Let the catalog check and adopt a project's new ``shipyard.yaml`` before it is stored."""
        content = files.get(SHIPYARD_URI)
        if content is None or level.stage:
            return
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{SHIPYARD_URI} in {level} is not UTF-8 text") from None
        self._on_shipyard_written(level.project, text)

    def _require(self, level: ResourceLevel) -> None:
        """Keptn's "Project/Stage/Service not found" when the level does not exist."""
        if not self._scopes.project_exists(level.project):
            raise NotFoundError(f"Project not found: {level.project}")
        if level.stage and not self._scopes.stage_exists(level.project, level.stage):
            raise NotFoundError(f"Stage not found: {level.stage} in project {level.project}")
        if level.service and not self._scopes.service_exists(level.project, level.stage, level.service):
            raise NotFoundError(
                f"Service not found: {level.service} in stage {level.stage} of project {level.project}"
            )

    def _checked_size(self, uri: str, content: bytes) -> bytes:
        if len(content) > self._max_size:
            raise InputError(
                f"resource {uri} is {-(-len(content) // 1024)} KB, more than the limit of "
                f"{self._max_size // 1024} KB (SLOGATE_MAX_RESOURCE_SIZE_KB)"
            )
        return content


def _is_shipyard(level: ResourceLevel, uri: str) -> bool:
    """Whether ``uri`` at ``level`` is the project's shipyard (a stage's or service's is just a file)."""
    return uri == SHIPYARD_URI and not level.stage
