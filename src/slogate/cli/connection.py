"""Which server the CLI talks to: ``slogate auth`` stores endpoint and token; ``SLOGATE_*`` override them."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from slogate.errors import ConfigError, InputError

if TYPE_CHECKING:  # the settings (pydantic) load when a command needs them, not at start-up
    from slogate.settings import Settings

CONFIG_FILE = "cli.json"
NOT_AUTHENTICATED = (
    "no slogate server configured: run `slogate auth --endpoint URL --api-token TOKEN` "
    "(or set SLOGATE_ENDPOINT and SLOGATE_API_TOKEN)"
)


@dataclass(frozen=True, slots=True)
class Connection:
    """A server's base URL (without ``/api``) and the API token to send."""

    endpoint: str
    token: str


def normalize_endpoint(text: str) -> str:
    """``http://host:8080``, also from Keptn's ``http://host:8080/api``; ``InputError`` if not an HTTP URL."""
    endpoint = text.strip().rstrip("/")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"endpoint '{text}' is not an http:// or https:// URL, e.g. http://127.0.0.1:8080")
    return endpoint.removesuffix("/api")


def config_path(settings: Settings) -> Path:
    """Where ``slogate auth`` keeps the connection."""
    return settings.config_dir.expanduser() / CONFIG_FILE


def save(settings: Settings, connection: Connection) -> Path:
    """Store ``connection`` readable by the user only (mode 0600); the file's path."""
    path = config_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump({"endpoint": connection.endpoint, "token": connection.token}, file)
    os.chmod(partial, 0o600)
    partial.replace(path)
    return path


def load(settings: Settings) -> Connection:
    """The stored connection with ``SLOGATE_ENDPOINT`` and ``SLOGATE_API_TOKEN`` taking precedence."""
    stored = _stored(config_path(settings))
    endpoint = settings.endpoint or stored.get("endpoint", "")
    token = settings.api_token.get_secret_value() or stored.get("token", "")
    if not endpoint or not token:
        raise ConfigError(NOT_AUTHENTICATED)
    return Connection(normalize_endpoint(endpoint), token)


def may_be_configured() -> bool:
    """A quick look, before the settings (pydantic) load, whether a server may be configured:
    ``SLOGATE_ENDPOINT`` or ``SLOGATE_CONFIG_DIR`` is set, or `slogate auth`'s file is in its default
    place. Commands that work without a server (``slogate version``) skip the settings when it is not;
    :func:`load` decides."""
    names = {name.upper() for name in os.environ}
    if {"SLOGATE_ENDPOINT", "SLOGATE_CONFIG_DIR"} & names:
        return True
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")  # as settings.default_config_dir
    return (Path(base) / "slogate" / CONFIG_FILE).exists()


def _stored(path: Path) -> dict[str, str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path} cannot be read ({error}): run `slogate auth` again") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path} is not a slogate CLI configuration: run `slogate auth` again")
    return {key: value for key, value in document.items() if isinstance(value, str)}
