"""Use cases over secrets (Keptn's secret-service): create, update, list without values, delete, scopes."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from slogate.errors import ConflictError, InputError, NotFoundError
from slogate.ports import SecretInfo, SecretStore

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

    def create(self, name: str, scope: str | None, data: Mapping[str, str]) -> SecretInfo:
        """Store a new secret (scope default ``keptn-default``); ``ConflictError`` when the name exists."""
        chosen = self._checked(name, scope or DEFAULT_SCOPE, data)
        try:
            self._store.create(name, chosen, data)
        except ConflictError as error:
            raise ConflictError(f"Unable to create secret: {error.message}") from None
        return SecretInfo(name, chosen, tuple(sorted(data)))

    def update(self, name: str, scope: str | None, data: Mapping[str, str]) -> SecretInfo:
        """Replace the data (and the scope, when given) of a secret; ``NotFoundError`` when it is missing."""
        current = self._store.info(name)
        chosen = self._checked(name, scope or (current.scope if current else DEFAULT_SCOPE), data)
        try:
            self._store.update(name, chosen, data)
        except NotFoundError as error:
            raise NotFoundError(f"Unable to update secret: {error.message}") from None
        return SecretInfo(name, chosen, tuple(sorted(data)))

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

    def _checked(self, name: str, scope: str, data: Mapping[str, str]) -> str:
        check_name(name)
        self._check_scope(scope)
        check_data(data)
        return scope

    def _check_scope(self, scope: str) -> None:
        if scope not in self._scopes:
            raise InputError(f"scope '{scope}' is not available; use one of: {', '.join(self._scopes)}")
