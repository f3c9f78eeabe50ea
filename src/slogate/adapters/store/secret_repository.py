"""``SqlSecretStore``: the ``SecretStore`` port over the secrets table, values sealed by a ``SecretBox``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from slogate.adapters.secret_box import SecretBox
from slogate.errors import ConfigError, ConflictError, NotFoundError
from slogate.ports import SecretInfo

from .database import Sessions
from .secret_tables import SecretRow


def _now() -> datetime:
    return datetime.now(UTC)


class SqlSecretStore:
    """Secrets in a SQL database; the data map is stored only as ``box``'s token of its JSON.

    Example::

        store = SqlSecretStore(engine, SecretBox.in_data_dir(settings.data_dir))
        store.create("prometheus-credentials-sockshop", "keptn-prometheus-service", {"PROMETHEUS_URL": url})
        store.values("prometheus-credentials-sockshop")
    """

    def __init__(self, engine: Engine, box: SecretBox, now: Callable[[], datetime] = _now) -> None:
        self._sessions = Sessions(engine)
        self._box = box
        self._now = now

    def create(self, name: str, scope: str, data: Mapping[str, str], project: str = "") -> None:
        """Store a new secret (of ``project``; "": global); ``ConflictError`` when ``name`` exists."""
        now = self._now()
        sealed = self._seal(data)
        row = SecretRow(
            name=name, scope=scope, keys=sorted(data), data=sealed, created=now, updated=now, project=project
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            if self.info(name) is None:
                raise  # not a duplicate name: a defect, keep the database's own error
            raise ConflictError(f"secret '{name}' already exists") from None

    def update(self, name: str, scope: str, data: Mapping[str, str], project: str | None = None) -> None:
        """Replace the scope and data (and the project, when given) of ``name``; ``NotFoundError``
        when it does not exist."""
        sealed = self._seal(data)
        with self._sessions.begin() as session:
            row = session.get(SecretRow, name, with_for_update=True)
            if row is None:
                raise NotFoundError(f"secret '{name}' not found")
            row.scope = scope
            if project is not None:
                row.project = project
            row.keys = sorted(data)
            row.data = sealed
            row.updated = self._now()

    def delete(self, name: str, scope: str) -> bool:
        """Delete ``name`` if it has ``scope``; whether it did."""
        with self._sessions.begin() as session:
            deleted = session.execute(
                delete(SecretRow).where(SecretRow.name == name, SecretRow.scope == scope)
            )
            return bool(getattr(deleted, "rowcount", 0))

    def infos(self) -> list[SecretInfo]:
        """Every secret's name, scope and keys, sorted by name."""
        with self._sessions() as session:
            rows = session.execute(
                select(SecretRow.name, SecretRow.scope, SecretRow.keys, SecretRow.project).order_by(
                    SecretRow.name
                )
            )
            return [SecretInfo(name, scope, tuple(keys), project) for name, scope, keys, project in rows]

    def info(self, name: str) -> SecretInfo | None:
        """One secret's name, scope and keys, or None."""
        with self._sessions() as session:
            row = session.execute(
                select(SecretRow.name, SecretRow.scope, SecretRow.keys, SecretRow.project).where(
                    SecretRow.name == name
                )
            ).one_or_none()
            return None if row is None else SecretInfo(row.name, row.scope, tuple(row.keys), row.project)

    def values(self, name: str) -> dict[str, str] | None:
        """The decrypted data of ``name``, or None; ``ConfigError`` when it cannot be decrypted."""
        with self._sessions() as session:
            token = session.scalar(select(SecretRow.data).where(SecretRow.name == name))
        if token is None:
            return None
        plaintext = self._box.decrypt(token, f"secret '{name}'")
        try:
            data = json.loads(plaintext)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ConfigError(f"secret '{name}' decrypts to something else than a map of values")
        return {str(key): str(value) for key, value in data.items()}

    def _seal(self, data: Mapping[str, str]) -> str:
        return self._box.encrypt(json.dumps(dict(data), sort_keys=True).encode("utf-8"))
