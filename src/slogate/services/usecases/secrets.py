"""Use cases over secrets (Keptn's secret-service): create, update, list without values, delete, scopes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from slogate.errors import ConflictError, InputError, NotFoundError
from slogate.ports import SecretInfo, SecretReader, SecretStore

DEFAULT_SCOPE = "keptn-default"
# Keptn's scopes.yaml; each scope was a Kubernetes Role for the integrations that read its secrets.
SCOPES = (
    "datadog-service",
    "dynatrace-service",
    "keptn-default",
    "keptn-prometheus-service",
    "keptn-webhook-service",
    "sumologic-service",
)
MAX_NAME_LENGTH = 253  # Kubernetes' limit for secret names and data keys
MAX_DATA_BYTES = 1024 * 1024  # Kubernetes' limit for a secret's data

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_KEY = re.compile(r"[-._a-zA-Z0-9]+")
NAME_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com')"
)
KEY_RULE = (
    "a valid key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name' or 'KEY_NAME')"
)


def check_name(name: str) -> None:
    """``InputError`` unless ``name`` is a valid Kubernetes secret name (a DNS-1123 subdomain)."""
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(
            f"invalid secret name: name and key values must be no more than {MAX_NAME_LENGTH} characters"
        )
    if not _NAME.fullmatch(name):
        raise InputError(f"invalid secret name '{name}': {NAME_RULE}")


def check_data(data: Mapping[str, str]) -> None:
    """``InputError`` unless every key is a valid Kubernetes data key and the map is at most 1 MiB."""
    for key in data:
        if len(key) > MAX_NAME_LENGTH:
            raise InputError(
                f"invalid secret key: name and key values must be no more than {MAX_NAME_LENGTH} characters"
            )
        if not _KEY.fullmatch(key):
            raise InputError(f"invalid secret key '{key}': {KEY_RULE}")
    size = len(json.dumps(dict(data)).encode("utf-8"))
    if size > MAX_DATA_BYTES:
        raise InputError(
            f"secret data is {-(-size // 1024)} KB, more than the limit of {MAX_DATA_BYTES // 1024} KB"
        )


class SecretService:
    """Keptn's secret-service over a ``SecretStore``. Values go in, and out only through :meth:`values`
    and :meth:`secret` (for built-in services such as the SLI provider), never to API clients.

    Names are unique across scopes, as Kubernetes secrets in Keptn's namespace were.
    """

    def __init__(self, store: SecretStore, scopes: tuple[str, ...] = SCOPES) -> None:
        self._store = store
        self._scopes = tuple(sorted(scopes))

    def scopes(self) -> tuple[str, ...]:
        """The scopes a secret can have, sorted."""
        return self._scopes

    def create(self, name: str, scope: str | None, data: Mapping[str, str], project: str = "") -> SecretInfo:
        """Store a new secret (scope default ``keptn-default``) of ``project`` ("": global); ``ConflictError``
        when the name exists."""
        chosen = self._checked(name, scope or DEFAULT_SCOPE, data)
        try:
            self._store.create(name, chosen, data, project)
        except ConflictError as error:
            raise ConflictError(f"Unable to create secret: {error.message}") from None
        return SecretInfo(name, chosen, tuple(sorted(data)), project)

    def update(
        self, name: str, scope: str | None, data: Mapping[str, str], project: str | None = None
    ) -> SecretInfo:
        """Replace the data (and the scope and project, when given) of a secret; ``NotFoundError`` when
        it is missing."""
        current = self._store.info(name)
        chosen = self._checked(name, scope or (current.scope if current else DEFAULT_SCOPE), data)
        try:
            self._store.update(name, chosen, data, project)
        except NotFoundError as error:
            raise NotFoundError(f"Unable to update secret: {error.message}") from None
        owner = project if project is not None else (current.project if current else "")
        return SecretInfo(name, chosen, tuple(sorted(data)), owner)

    def info(self, name: str) -> SecretInfo | None:
        """A secret's name, scope, keys and project (never its values), or None."""
        return self._store.info(name)

    def for_project(self, project: str) -> ProjectSecrets:
        """The secrets ``project``'s executors and providers may read: global ones and its own."""
        return ProjectSecrets(self, project)

    def delete(self, name: str, scope: str) -> None:
        """Delete the secret ``name`` of ``scope``; ``NotFoundError`` when there is none."""
        self._check_scope(scope)
        if not self._store.delete(name, scope):
            raise NotFoundError(f"Unable to delete secret: secret '{name}' not found in scope '{scope}'")

    def list(self) -> list[SecretInfo]:
        """Every secret's name, scope and keys (never the values), sorted by name."""
        return self._store.infos()

    def values(self, name: str, scope: str | None = None) -> dict[str, str]:
        """The decrypted map of a secret (of ``scope``, when given); ``NotFoundError`` when there is none."""
        found = self.secret(name, scope)
        if found is None:
            where = f" in scope '{scope}'" if scope else ""
            raise NotFoundError(f"secret '{name}' not found{where}")
        return found

    def secret(self, name: str, scope: str | None = None) -> dict[str, str] | None:
        """``SecretReader``: the decrypted map of secret ``name`` (of ``scope``, when given), or None."""
        info = self._store.info(name)
        if info is None or (scope and info.scope != scope):
            return None
        return self._store.values(name)

    def owner(self, name: str) -> str | None:
        """The project of secret ``name`` ("": global), or None when there is no such secret."""
        info = self._store.info(name)
        return None if info is None else info.project

    def _checked(self, name: str, scope: str, data: Mapping[str, str]) -> str:
        check_name(name)
        self._check_scope(scope)
        check_data(data)
        return scope

    def _check_scope(self, scope: str) -> None:
        if scope not in self._scopes:
            raise InputError(f"scope '{scope}' is not available; use one of: {', '.join(self._scopes)}")


class ProjectSecrets:
    """``SecretReader`` of one project: global secrets and that project's own; another project's
    secrets do not exist for it (access.md §3.6: only a project's executors and providers read them)."""

    def __init__(self, service: SecretService, project: str) -> None:
        self._service = service
        self.project = project

    def secret(self, name: str, scope: str) -> dict[str, str] | None:
        """The key/value map of secret ``name`` in ``scope`` ("": any), or None."""
        owner = self._service.owner(name)
        if owner is None or owner not in ("", self.project):
            return None
        return self._service.secret(name, scope or None)


def confined(secrets: SecretReader, project: str) -> SecretReader:
    """``secrets`` as ``project`` may read them (readers without projects, test fakes, pass through)."""
    return secrets.for_project(project) if isinstance(secrets, SecretService) else secrets
