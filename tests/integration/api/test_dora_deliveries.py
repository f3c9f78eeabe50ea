"""DORA figures of real deliveries: the engine, lighthouse and scripted executors write the events."""

from __future__ import annotations

from pathlib import Path

from slogate.domain.protocol.gate_events import KeptnEvent
from tests.support.delivery import FAST, SLOW, create_project, delivery_server, settle, trigger_delivery
from tests.support.executors import ScriptedExecutor, passing


def fails_in_production_for_v013(event: KeptnEvent) -> dict[str, object]:
    """Production's deployment of v0.1.3 fails (and the shipyard rolls it back); the rest passes."""
    data = dict(passing(event))
    version = event.data.get("labels", {}).get("version")
    if event.stage == "production" and version == "v0.1.3" and event.type.endswith(".deployment.triggered"):
        data["result"] = "fail"
    return data


def test_deliveries_failures_rollbacks_and_restores(tmp_path: Path) -> None:
    executor = ScriptedExecutor(script=fails_in_production_for_v013)
    with delivery_server(tmp_path / "data", executor=executor) as (context, client, backend):
        create_project(client)
        for version in ("v0.1.1", "v0.1.2", "v0.1.3", "v0.1.4"):
            backend.values = dict(SLOW if version == "v0.1.2" else FAST)  # v0.1.2 fails qa's evaluation
            trigger_delivery(client, version)
            settle(context)
        production = client.get("/api/slogate/v1/project/fulltour/dora").json()
        qa = client.get("/api/slogate/v1/project/fulltour/dora", params={"stage": "qa"}).json()
    assert production["stage"] == "production"  # the shipyard's last stage
    assert (production["deliveries"], production["failedDeliveries"], production["rolledBack"]) == (3, 1, 1)
    assert production["changeFailureRate"] == 1 / 3
    assert production["timeToRestore"] == {
        "count": 0,
        "medianSeconds": None,
        "p90Seconds": None,
        "unrestored": 1,
    }
    assert production["leadTime"]["count"] == 3
    assert production["leadTime"]["medianSeconds"] > 0
    assert (qa["deliveries"], qa["failedDeliveries"], qa["failedEvaluations"], qa["rolledBack"]) == (
        4,
        1,
        1,
        0,
    )
    assert (qa["timeToRestore"]["count"], qa["timeToRestore"]["unrestored"]) == (1, 0)  # v0.1.3 passed qa
    assert qa["timeToRestore"]["medianSeconds"] > 0
