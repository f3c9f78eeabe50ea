"""Settings: where the history lives, in order of precedence."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from slogate.bootstrap import server_context
from slogate.errors import ConfigError
from slogate.settings import Settings, default_data_dir, load_settings


def test_db_option_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--db PATH beats SLOGATE_DATABASE_URL."""
    monkeypatch.setenv("SLOGATE_DATABASE_URL", "postgresql+psycopg://db/slogate")
    assert Settings().database(tmp_path / "h.db") == f"sqlite:///{tmp_path / 'h.db'}"


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SLOGATE_DATABASE_URL is used as given."""
    monkeypatch.setenv("SLOGATE_DATABASE_URL", "postgresql+psycopg://db/slogate")
    assert Settings().database() == "postgresql+psycopg://db/slogate"


def test_default_database_is_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without either, the database is slogate.db in SLOGATE_DATA_DIR (default: XDG data home)."""
    monkeypatch.delenv("SLOGATE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "slogate"
    monkeypatch.setenv("SLOGATE_DATA_DIR", str(tmp_path / "data"))
    assert Settings().database() == f"sqlite:///{tmp_path / 'data' / 'slogate.db'}"


def test_secrets_are_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Prometheus password and token never appear in the settings' repr."""
    monkeypatch.setenv("SLOGATE_PROMETHEUS_PASSWORD", "hunter2")
    monkeypatch.setenv("SLOGATE_PROMETHEUS_TOKEN", "t0ken")
    shown = repr(Settings())
    assert "hunter2" not in shown
    assert "t0ken" not in shown


def test_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """An invalid environment value is a ConfigError naming the variable and the rule."""
    monkeypatch.setenv("SLOGATE_QUERY_TIMEOUT", "-1")
    with pytest.raises(ConfigError, match=r"^SLOGATE_QUERY_TIMEOUT: Input should be greater than 0"):
        load_settings()


def test_the_webhook_allow_list_is_read_and_a_bad_entry_stops_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SLOGATE_WEBHOOK_ALLOW_LIST is checked before the server opens its database."""
    monkeypatch.setenv("SLOGATE_WEBHOOK_ALLOW_LIST", "127.0.0.1, ci.internal:8080")
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.webhook_allow_list == "127.0.0.1, ci.internal:8080"
    with pytest.raises(
        ConfigError, match=r"^SLOGATE_WEBHOOK_ALLOW_LIST\[1\]: 'ci.internal:8080' is not a host"
    ):
        server_context(settings)
    assert not (tmp_path / "data").exists()


def test_the_replica_name_defaults_to_host_and_port_and_follows_a_port_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SLOGATE_REPLICA_NAME unset: <hostname>:<port>, also for a --port given after loading."""
    monkeypatch.delenv("SLOGATE_REPLICA_NAME", raising=False)
    monkeypatch.setenv("SLOGATE_PORT", "9090")
    settings = load_settings()
    assert settings.replica_name == f"{socket.gethostname()}:9090"
    assert settings.with_port(9191).replica_name == f"{socket.gethostname()}:9191"
    assert settings.with_port(9191).with_port(9292).replica_name == f"{socket.gethostname()}:9292"
    monkeypatch.setenv("SLOGATE_REPLICA_NAME", "eu-1")
    assert load_settings().with_port(9191).replica_name == "eu-1"  # a given name stays


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("two words", "has spaces or control characters"),
        ("tab\there", "has spaces or control characters"),
        ("x" * 101, "is longer than 100 characters"),
    ],
)
def test_a_bad_replica_name_is_a_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    monkeypatch.setenv("SLOGATE_REPLICA_NAME", name)
    with pytest.raises(ConfigError, match=f"^SLOGATE_REPLICA_NAME: .*{message}"):
        load_settings()
