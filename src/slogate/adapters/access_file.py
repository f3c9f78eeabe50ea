"""The Bridge's access file (SLOGATE_ACCESS_FILE): the roles of identity-provider groups and users.

```yaml
groups:
  team-shop:
    - {project: shop, role: operator, stages: [production]}
  platform:
    - role: admin
users:
  alice:
    - {project: shop, role: viewer}
```
A group's grants belong to subject ``group:<name>``, a user's to ``user:<name>``. The file is read
again when it changes; a broken file is a ConfigError naming the file and the field (at the start),
and grants nothing later (it fails closed)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from slogate.adapters.yamlfile import load_plain
from slogate.domain.access import Grant, parse_role
from slogate.errors import ConfigError, DocumentError

SECTIONS = {"groups": "group", "users": "user"}
ENTRY_KEYS = ("project", "role", "stages")
LOG = logging.getLogger(__name__)


def parse_access(document: object, source: str) -> dict[str, tuple[Grant, ...]]:
    """Subject → grants of a loaded access file; ConfigError naming ``source`` and the field."""
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConfigError(f"{source}: the file must be a mapping with 'groups' and/or 'users'")
    unknown = [str(key) for key in document if key not in SECTIONS]
    if unknown:
        raise ConfigError(f"{source}: unknown section {unknown[0]!r}: use 'groups' and 'users'")
    subjects: dict[str, tuple[Grant, ...]] = {}
    for section, kind in SECTIONS.items():
        members = document.get(section) or {}
        if not isinstance(members, Mapping):
            raise ConfigError(f"{source}: {section} must map each name to a list of grants")
        for name, entries in members.items():
            where = f"{source}: {section}.{name}"
            if not isinstance(entries, list):
                raise ConfigError(f"{where} must be a list of grants like {{project: shop, role: viewer}}")
            subjects[f"{kind}:{name}"] = tuple(
                _grant(entry, f"{where}[{index}]") for index, entry in enumerate(entries)
            )
    return subjects


def _grant(entry: object, where: str) -> Grant:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where} must be a mapping like {{project: shop, role: viewer}}")
    unknown = [str(key) for key in entry if key not in ENTRY_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown field {unknown[0]!r}: use project, role and stages")
    project = entry.get("project", "")
    if not isinstance(project, str):
        raise ConfigError(f"{where}.project must be a project name")
    role_text = entry.get("role")
    if not isinstance(role_text, str):
        raise ConfigError(f"{where}.role is missing: name a role")
    try:
        role = parse_role(role_text, global_scope=not project)
    except ValueError as error:
        raise ConfigError(
            f"{where}.role: {str(error).replace('without --project', 'without a project')}"
        ) from None
    stages = entry.get("stages") or []
    if not isinstance(stages, list) or not all(isinstance(stage, str) and stage for stage in stages):
        raise ConfigError(f"{where}.stages must be a list of stage names")
    if stages and not project:
        raise ConfigError(
            f"{where}.stages: a global role holds in every stage; remove stages or name a project"
        )
    return Grant(role, project, frozenset(stages))


class AccessFile:
    """The grants of ``path`` (none when ``path`` is None), read again when the file changes."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._subjects: dict[str, tuple[Grant, ...]] = {}

    def check(self) -> None:
        """Read the file now: ConfigError when it is missing or invalid (at the server's start)."""
        self._load()

    def grants_for_subjects(self, subjects: Iterable[str]) -> tuple[Grant, ...]:
        """The grants of ``subjects`` (``user:<name>``, ``group:<name>``); none while the file is broken
        (it fails closed; the error is logged)."""
        try:
            self._load()
        except ConfigError as error:
            LOG.error("no Bridge roles from the access file: %s", error)
            return ()
        return tuple(grant for subject in subjects for grant in self._subjects.get(subject, ()))

    def _load(self) -> None:
        if self._path is None:
            return
        with self._lock:
            try:
                info = self._path.stat()
                stamp = (info.st_mtime_ns, info.st_size)
                if stamp == self._stamp:
                    return
                text = self._path.read_text(encoding="utf-8")
            except OSError as error:
                raise ConfigError(
                    f"{self._path}: cannot read the access file (SLOGATE_ACCESS_FILE): {error.strerror}"
                ) from None
            except UnicodeDecodeError:
                raise ConfigError(f"{self._path}: the access file is not UTF-8 text") from None
            try:
                document = load_plain(text, str(self._path))
            except DocumentError as error:
                raise ConfigError(str(error)) from None
            self._subjects = parse_access(document, str(self._path))
            self._stamp = stamp
