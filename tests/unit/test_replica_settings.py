"""The replicas' lease settings and metrics: a heartbeat not shorter than the lease is refused, and
/metrics shows the leases held and the takeovers."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import generate_latest
from sqlalchemy import create_engine

from slogate.bootstrap import replica_leases
from slogate.errors import ConfigError
from slogate.services.runtime.metrics import ServerMetrics
from slogate.settings import Settings

PG_URL = "postgresql+psycopg://slogate@127.0.0.1:9/never-connected"  # an engine connects lazily


def test_a_heartbeat_not_shorter_than_the_lease_is_a_config_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, lease_ttl=5, lease_heartbeat=5)
    with pytest.raises(
        ConfigError, match=r"SLOGATE_LEASE_HEARTBEAT \(5\) must be less than SLOGATE_LEASE_TTL"
    ):
        replica_leases(settings, create_engine(PG_URL))


def test_leases_only_on_postgresql_each_process_a_holder_of_its_own(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, port=8123)
    assert replica_leases(settings, create_engine(f"sqlite:///{tmp_path / 'x.db'}")) is None
    first, second = (replica_leases(settings, create_engine(PG_URL)) for _ in range(2))
    assert first is not None
    assert second is not None
    assert first.holder.split("#")[0].endswith(":8123")
    assert first.holder != second.holder  # a restarted replica does not inherit its old leases
    assert (first.ttl, first.heartbeat) == (15.0, 5.0)


class Held:
    takeovers = 2

    def held(self) -> frozenset[str]:
        return frozenset({"shipyard-controller"})


def test_metrics_show_the_leases_held_and_the_takeovers() -> None:
    metrics = ServerMetrics()
    metrics.watch_leases(Held(), ["shipyard-controller", "lighthouse-service"])
    text = generate_latest(metrics.registry).decode()
    assert 'slogate_leases_held{listener="shipyard-controller"} 1.0' in text
    assert 'slogate_leases_held{listener="lighthouse-service"} 0.0' in text
    assert "slogate_lease_takeovers_total 2.0" in text
