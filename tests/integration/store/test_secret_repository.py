"""Secrets in SQL: encrypted at rest, listed without decryption, unreadable with another key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from slogate.adapters.secret_box import SecretBox
from slogate.adapters.store.secret_repository import SqlSecretStore
from slogate.errors import ConfigError, ConflictError, NotFoundError
from slogate.ports import SecretInfo

NAME = "prometheus-credentials-sockshop"
SCOPE = "keptn-prometheus-service"
PASSWORD = "s3cr3t-Pa55word-that-must-not-leak"
DATA = {"PROMETHEUS_URL": "http://127.0.0.1:9090", "PROMETHEUS_PASSWORD": PASSWORD}


@pytest.fixture
def box(tmp_path: Path) -> SecretBox:
    """A box whose key file is created in a fresh directory at first use."""
    return SecretBox.in_data_dir(tmp_path / "keys")


@pytest.fixture
def secrets(engine: Engine, box: SecretBox) -> SqlSecretStore:
    """The secret store over a migrated database."""
    return SqlSecretStore(engine, box)


def raw_rows(engine: Engine) -> list[tuple[str, ...]]:
    """Every column of every stored secret, as text."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, scope, keys, data FROM secrets")).all()
    return [tuple(str(value) for value in row) for row in rows]


def test_create_then_read_values(secrets: SqlSecretStore) -> None:
    """A created secret's values decrypt to what was stored; info lists its sorted keys."""
    secrets.create(NAME, SCOPE, DATA)

    assert secrets.values(NAME) == DATA
    assert secrets.info(NAME) == SecretInfo(NAME, SCOPE, ("PROMETHEUS_PASSWORD", "PROMETHEUS_URL"))


def test_values_are_encrypted_at_rest(secrets: SqlSecretStore, engine: Engine) -> None:
    """The raw row holds the name, scope and keys, but neither the password nor the URL."""
    secrets.create(NAME, SCOPE, DATA)

    [(name, scope, keys, data)] = raw_rows(engine)

    assert (name, scope) == (NAME, SCOPE)
    assert "PROMETHEUS_URL" in keys
    assert PASSWORD not in data
    assert "127.0.0.1" not in data
    assert data.startswith("gAAAAA")  # a Fernet token


def test_key_file_is_created_once_with_owner_only_permissions(
    secrets: SqlSecretStore, box: SecretBox, engine: Engine
) -> None:
    """The first encryption creates the key file with mode 0600; a new box on it reads the secret."""
    assert not box.path.exists()

    secrets.create(NAME, SCOPE, DATA)

    assert stat.S_IMODE(box.path.stat().st_mode) == 0o600
    key = box.path.read_bytes()
    again = SqlSecretStore(engine, SecretBox(box.path))
    assert again.values(NAME) == DATA
    assert box.path.read_bytes() == key


def test_another_key_cannot_decrypt(secrets: SqlSecretStore, engine: Engine, tmp_path: Path) -> None:
    """With a different key file, reading values is a ConfigError naming the secret and the key file."""
    secrets.create(NAME, SCOPE, DATA)
    other = SecretBox.in_data_dir(tmp_path / "other")
    stranger = SqlSecretStore(engine, other)

    with pytest.raises(ConfigError) as raised:
        stranger.values(NAME)

    message = raised.value.message
    assert f"cannot decrypt secret '{NAME}'" in message
    assert str(other.path) in message
    assert PASSWORD not in message
    assert stranger.info(NAME) == SecretInfo(NAME, SCOPE, ("PROMETHEUS_PASSWORD", "PROMETHEUS_URL"))


def test_a_corrupt_key_file_is_a_config_error(engine: Engine, tmp_path: Path) -> None:
    """A key file that holds no Fernet key is reported, not silently replaced."""
    key_file = tmp_path / "secrets.key"
    key_file.write_text("not a key\n")
    store = SqlSecretStore(engine, SecretBox(key_file))

    with pytest.raises(ConfigError, match="is not a valid key"):
        store.create(NAME, SCOPE, DATA)
    assert key_file.read_text() == "not a key\n"


def test_box_repr_shows_no_key(box: SecretBox) -> None:
    """The box's repr names its file only."""
    token = box.encrypt(b"x")
    key = box.path.read_text().strip()

    assert key not in repr(box)
    assert box.decrypt(token, "test") == b"x"


def test_create_twice_is_a_conflict_in_any_scope(secrets: SqlSecretStore) -> None:
    """Names are unique across scopes; the first secret is unchanged."""
    secrets.create(NAME, SCOPE, DATA)

    with pytest.raises(ConflictError, match=f"secret '{NAME}' already exists"):
        secrets.create(NAME, "keptn-default", {"other": "x"})
    assert secrets.values(NAME) == DATA


def test_update_replaces_scope_and_data(secrets: SqlSecretStore) -> None:
    """Update replaces the whole map (removed keys are gone) and the scope."""
    secrets.create(NAME, SCOPE, DATA)

    secrets.update(NAME, "keptn-default", {"PROMETHEUS_URL": "http://127.0.0.1:9091"})

    assert secrets.values(NAME) == {"PROMETHEUS_URL": "http://127.0.0.1:9091"}
    assert secrets.info(NAME) == SecretInfo(NAME, "keptn-default", ("PROMETHEUS_URL",))


def test_update_of_a_missing_secret_is_not_found(secrets: SqlSecretStore) -> None:
    """Updating a name that does not exist raises NotFoundError and creates nothing."""
    with pytest.raises(NotFoundError, match="secret 'nope' not found"):
        secrets.update("nope", SCOPE, DATA)
    assert secrets.infos() == []


def test_delete_needs_the_matching_scope(secrets: SqlSecretStore) -> None:
    """Delete removes the secret only when the scope matches."""
    secrets.create(NAME, SCOPE, DATA)

    assert not secrets.delete(NAME, "keptn-default")
    assert secrets.info(NAME) is not None
    assert secrets.delete(NAME, SCOPE)
    assert secrets.info(NAME) is None
    assert secrets.values(NAME) is None
    assert not secrets.delete(NAME, SCOPE)


def test_infos_are_sorted_by_name(secrets: SqlSecretStore) -> None:
    """The listing is sorted by name and carries each secret's keys."""
    secrets.create("b-secret", "keptn-default", {"y": "1", "x": "2"})
    secrets.create("a-secret", "keptn-webhook-service", {})

    assert secrets.infos() == [
        SecretInfo("a-secret", "keptn-webhook-service", ()),
        SecretInfo("b-secret", "keptn-default", ("x", "y")),
    ]


def test_unicode_values_round_trip(secrets: SqlSecretStore) -> None:
    """Values with non-ASCII text and newlines come back unchanged."""
    data = {"token": "ünïcödé\nline two ✓"}
    secrets.create(NAME, SCOPE, data)

    assert secrets.values(NAME) == data
