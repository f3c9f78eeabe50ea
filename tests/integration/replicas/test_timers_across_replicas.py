"""Timers are rows with a due time, not sleeps in one process: a delay (``triggeredAfter``) or a task
timeout set while one replica served is applied by another replica after the first one is gone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from slogate.adapters.shared_keys import create_keys
from slogate.domain.sequencing.timeouts import TIMED_OUT
from tests.integration.api.test_sequence_control import TUTORIAL, only, register
from tests.support.delivery import create_project, delivery_server, events, settle, trigger_delivery
from tests.support.executors import ScriptedExecutor
from tests.support.postgres import needs_postgres

# Replica A stops without giving its listeners' leases up (as a dead one would): B takes them once
# they lapse, so the test uses a short lease.
LEASES: dict[str, Any] = {"lease_ttl": 1.0, "lease_heartbeat": 0.25}
GONE = 1.5  # seconds: past the delay and the lease


@needs_postgres
def test_a_delay_set_on_one_replica_is_applied_by_another(shared_url: str, tmp_path: Path) -> None:
    create_keys(tmp_path / "keys")
    shipyard = TUTORIAL["A"].replace("{name: test}", "{name: test, triggeredAfter: 1s}")
    executor = ScriptedExecutor(("deployment", "test"))
    with delivery_server(tmp_path / "a", shared_url, executor, key_dir=tmp_path / "keys", **LEASES) as (
        first,
        client,
        _,
    ):
        create_project(client, shipyard)
        delivery = trigger_delivery(client, "v0.1.1")
        settle(first)
        assert events(client, delivery, "sh.keptn.event.test.triggered") == []  # delayed
    time.sleep(GONE)  # past the delay and A's leases, with no replica running
    executor = ScriptedExecutor(("deployment", "test"))
    with delivery_server(tmp_path / "b", shared_url, executor, key_dir=tmp_path / "keys", **LEASES) as (
        second,
        client,
        _,
    ):
        settle(second)
        assert only(client, delivery, "sh.keptn.event.production.delivery.finished")["result"] == "pass"


@needs_postgres
def test_a_task_timeout_set_on_one_replica_is_applied_by_another(shared_url: str, tmp_path: Path) -> None:
    create_keys(tmp_path / "keys")
    executor = ScriptedExecutor(("deployment",))
    settings: dict[str, Any] = {"key_dir": tmp_path / "keys", "task_timeout": 1.0, **LEASES}
    with delivery_server(tmp_path / "a", shared_url, executor, **settings) as (first, client, _):
        create_project(client, TUTORIAL["A"])
        register(client, "test")  # a remote executor that never answers
        delivery = trigger_delivery(client, "v0.1.1")
        settle(first)
        assert len(events(client, delivery, "sh.keptn.event.test.triggered")) == 1
    time.sleep(GONE)
    with delivery_server(tmp_path / "b", shared_url, executor, **settings) as (second, client, _):
        settle(second)
        finished = only(client, delivery, "sh.keptn.event.qa.delivery.finished")
        assert (finished["status"], finished["result"]) == ("errored", "fail")
        assert finished["message"] == TIMED_OUT.format(task="test")
