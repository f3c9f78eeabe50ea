"""slogate's settings from ``SLOGATE_*`` environment variables: the only module that reads the environment."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from slogate.errors import ConfigError


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/slogate`` (``~/.local/share/slogate``), where history is kept by default."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "slogate"


def default_config_dir() -> Path:
    """``$XDG_CONFIG_HOME/slogate`` (``~/.config/slogate``), where ``slogate auth`` keeps the endpoint."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "slogate"


def default_replica_name(port: int) -> str:
    """``<hostname>:<port>``: the replica's name unless ``SLOGATE_REPLICA_NAME`` gives one."""
    return f"{socket.gethostname()}:{port}"


def replica_name_problem(name: str) -> str | None:
    """What is wrong with a replica name (printable, no spaces, at most 100 characters), or None."""
    if len(name) > 100:
        return f"{name[:20]!r}… is longer than 100 characters"
    if not all(char.isprintable() and not char.isspace() for char in name):
        return f"{name!r} has spaces or control characters; use e.g. host-a:8080"
    return None


class Settings(BaseSettings):
    """Every setting, with its environment variable ``SLOGATE_<NAME>`` (see docs/configuration.md)."""

    model_config = SettingsConfigDict(env_prefix="SLOGATE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    prometheus_url: str = ""
    prometheus_user: str = ""
    prometheus_password: SecretStr = SecretStr("")
    prometheus_token: SecretStr = SecretStr("")
    query_timeout: float = Field(default=10.0, gt=0)
    query_concurrency: int = Field(default=8, ge=1, le=256)
    query_retry_time: float = Field(default=30.0, ge=0)
    dynatrace_settle: float | None = Field(default=None, ge=0)
    datadog_settle: float | None = Field(default=None, ge=0)
    sumologic_settle: float | None = Field(default=None, ge=0)
    api_token: SecretStr = SecretStr("")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_event_size_kb: int = Field(default=64, ge=1)
    max_resource_size_kb: int = Field(default=10240, ge=1)
    strict_uploads: bool = False
    auth_failures_per_second: float = Field(default=1.0, gt=0)
    auth_failure_burst: int = Field(default=2, ge=1)
    trusted_proxies: str = ""
    integration_ttl: float = Field(default=60.0, gt=0)
    task_timeout: float = Field(default=600.0, gt=0)
    started_task_timeout: float = Field(default=3600.0, gt=0)
    remediation_max_loops: int = Field(default=10, ge=1)
    remediation_time_budget: float = Field(default=7200.0, gt=0)
    endpoint: str = ""
    bridge_user: str = ""
    bridge_password: SecretStr = SecretStr("")
    config_dir: Path = Field(default_factory=default_config_dir)
    webhook_allow_list: str = ""
    # the Bridge's OpenID Connect login (issue 20): off while oidc_issuer is empty
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_client_secret_file: Path | None = None
    oidc_scopes: str = "openid profile email groups"
    oidc_groups_claim: str = "groups"
    oidc_username_claim: str = ""
    oidc_name: str = ""
    access_file: Path | None = None
    bridge_idle_minutes: float = Field(default=60.0, gt=0)
    replica_name: str = ""
    key_dir: Path | None = None
    lease_ttl: float = Field(default=15.0, gt=0)  # replicas on PostgreSQL: a listener's lease lasts
    lease_heartbeat: float = Field(default=5.0, gt=0)  # … and is renewed this often (seconds)

    @field_validator("replica_name")
    @classmethod
    def _replica_name(cls, value: str) -> str:
        problem = replica_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _default_replica_name(self) -> Settings:
        if not self.replica_name:
            self.__dict__["replica_name"] = default_replica_name(self.port)  # not counted as set
        return self

    def with_port(self, port: int) -> Settings:
        """These settings with ``port``; a default replica name follows the port."""
        moved = self.model_copy(update={"port": port})
        if "replica_name" not in self.model_fields_set:
            moved.__dict__["replica_name"] = default_replica_name(port)
        return moved

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_list(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or CIDR network; use e.g. 127.0.0.1,10.0.0.0/8"
                ) from None
        return value

    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The networks of ``SLOGATE_TRUSTED_PROXIES``: peers whose X-Forwarded-* headers are believed."""
        entries = (part.strip() for part in self.trusted_proxies.split(","))
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries if entry)

    def database(self, db_path: Path | None = None) -> str:
        """The database URL: ``--db PATH`` first, then ``SLOGATE_DATABASE_URL``, then the data dir."""
        if db_path is not None:
            return f"sqlite:///{db_path.expanduser().resolve()}"
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'slogate.db').expanduser().resolve()}"


def environment_values(names: Iterable[str]) -> dict[str, str]:
    """The environment variables ``names`` that are set (a vendor's own names, e.g. ``DD_API_KEY``)."""
    return {name: os.environ[name] for name in names if name in os.environ}


def load_settings() -> Settings:
    """The settings from the environment; an invalid value is a ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"SLOGATE_{'_'.join(str(part) for part in item['loc']).upper()}: {item['msg']}"
            for item in error.errors()
        )
        raise ConfigError(problems) from None
