"""The server's lighthouse applies the data-sufficiency keys; a wrong value is named, not fatal."""

from __future__ import annotations

import asyncio

from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.repository import SqlEventStore
from tests.integration.keptn_services.test_lighthouse_flow import TUTORIAL, finished, stores, trigger, wire
from tests.integration.usecases.test_quality_gate import FAST

__all__ = ["stores"]  # the fixture, shared with the flow tests

SLO = (TUTORIAL / "slo.yaml").read_text()
FLOOR = '    displayName: "HTTP Response Time"\n    traffic_floor: {sli: request_throughput, min: 10}\n'


def files(slo: str) -> dict[tuple[str, str, str], str]:
    return {
        ("qa", "helloservice", "slo.yaml"): slo,
        ("", "", "prometheus/sli.yaml"): (TUTORIAL / "sli.yaml").read_text(),
    }


def test_floor_not_reached_lowers_the_pass(stores: tuple[SqlEventStore, SqlDispatchStore]) -> None:
    """request_throughput 0.55 < 10: the response time is not judged and the pass becomes a warning."""
    store, _ = stores
    slo = SLO.replace('    displayName: "HTTP Response Time"\n', FLOOR)
    dispatcher, _ = wire(stores, FAST, files=files(slo))
    trigger(store)
    asyncio.run(dispatcher.drain())
    data = finished(store).data
    note = "insufficient data: request_throughput 0.55 < 10 (traffic floor of HTTP Response Time)"
    assert (data["result"], data["evaluation"]["result"]) == ("warning", "pass")
    assert data["message"] == f"Evaluation returned a warning: {note}"
    assert data["evaluation"]["indicatorResults"][0]["status"] == "info"
    assert data["evaluation"]["indicatorResults"][0]["dataSufficiency"] == note


def test_wrong_value_is_ignored_and_named(stores: tuple[SqlEventStore, SqlDispatchStore]) -> None:
    """As Keptn ignores the key, the evaluation runs as Keptn's; the message names the lint error."""
    store, _ = stores
    slo = SLO.replace(
        '    displayName: "HTTP Response Time"\n',
        '    displayName: "HTTP Response Time"\n    on_no_data: warn\n',
    )
    dispatcher, _ = wire(stores, FAST, files=files(slo))
    trigger(store)
    asyncio.run(dispatcher.drain())
    data = finished(store).data
    assert (data["status"], data["result"]) == ("succeeded", "pass")
    assert (
        "objectives[0].on_no_data: 'warn' is not one of fail, warning, pass, informational" in data["message"]
    )
