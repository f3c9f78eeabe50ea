"""Keptn's rules for project, stage and service names, with its messages."""

from __future__ import annotations

import re

from slogate.errors import InputError

PROJECT_NAME_MAX_SIZE = 200
SERVICE_NAME_MAX_SIZE = 43

PROJECT_NAME_MISSING = "project name missing"
PROJECT_NAME_TOO_LONG = "project name exceeds maximum size of {max_size} characters"
PROJECT_NAME_INVALID = "provided project name is not a valid Keptn entity name"
SERVICE_NAME_MISSING = "must provide a service name"
SERVICE_NAME_TOO_LONG = "project name exceeds maximum size of {max_size} characters"  # sic, Keptn's text
SERVICE_NAME_INVALID = (
    "Service name contains special character(s). The service name has to be a valid Unix directory "
    "name. For details see https://www.cyberciti.biz/faq/linuxunix-rules-for-naming-file-and-directory-names/"
)
_ENTITY_NAME = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]|[a-z][a-z0-9]*")
_NOT_IN_DIRECTORY_NAMES = ("/", ">", "<", "|", ":", "&")
# Masterminds/semver v3 NewVersion: loose semver, optional "v", minor and patch may be omitted.


class EntityNameError(InputError, ValueError):
    """A project or service name is unusable; ``str()`` is Keptn's message."""

    code = "invalid_name"


def is_entity_name(name: str) -> bool:
    """Keptn's entity-name rule for projects and stages: lower case letter first, then lower case
    letters, digits and hyphens, not ending with a hyphen."""
    return _ENTITY_NAME.fullmatch(name) is not None


def is_directory_name(name: str) -> bool:
    """Keptn's rule for service names: a Unix directory name (not ``.``/``..``, none of ``/><|:&``)."""
    return name not in (".", "..") and not any(char in name for char in _NOT_IN_DIRECTORY_NAMES)


def validate_project_name(name: str | None, max_size: int | None = PROJECT_NAME_MAX_SIZE) -> str:
    """``name`` if Keptn accepts it as a project name; ``max_size`` None skips the length check
    (Keptn's project update does not check it)."""
    if not name:
        raise EntityNameError(PROJECT_NAME_MISSING)
    if max_size is not None and len(name.encode()) > max_size:
        raise EntityNameError(PROJECT_NAME_TOO_LONG.format(max_size=max_size))
    if not is_entity_name(name):
        raise EntityNameError(PROJECT_NAME_INVALID)
    return name


def validate_service_name(name: str | None, max_size: int = SERVICE_NAME_MAX_SIZE) -> str:
    """``name`` if Keptn accepts it as a service name (dots, upper case and underscores are allowed)."""
    if not name:
        raise EntityNameError(SERVICE_NAME_MISSING)
    if len(name.encode()) > max_size:
        raise EntityNameError(SERVICE_NAME_TOO_LONG.format(max_size=max_size))
    if not is_directory_name(name):
        raise EntityNameError(SERVICE_NAME_INVALID)
    return name
