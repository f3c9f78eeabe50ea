"""A replica that loses its PostgreSQL connection for 20 s (a TCP proxy in between is cut) comes back
by itself: the delivery in flight finishes, each task answered once, and the replica serves again."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.adapters.shared_keys import create_keys
from tests.support.delivery import TOKEN, create_project, delivery_server, events, trigger_delivery
from tests.support.postgres import PostgresServer, needs_postgres
from tests.support.tcpproxy import CuttableProxy

OUTAGE_SECONDS = 20.0
DONE = "sh.keptn.event.production.delivery.finished"


def _finished(client: TestClient, context: str, within: float) -> list[Mapping[str, Any]]:
    """Every event of ``context`` once its production delivery finished (waiting up to ``within`` s)."""
    deadline = time.monotonic() + within
    while True:
        found = events(client, context, "")
        if any(event["type"] == DONE for event in found):
            time.sleep(0.5)  # the answers committed with the last one are in too
            return events(client, context, "")
        assert time.monotonic() < deadline, sorted(event["type"] for event in found)
        time.sleep(0.2)


def _answered_once(found: list[Mapping[str, Any]]) -> None:
    """Each task's .triggered has exactly one .started and one .finished (nothing lost, none repeated)."""
    triggered = {
        e["id"]: e["type"]
        for e in found
        if e["type"].endswith(".triggered") and ".delivery." not in e["type"]
    }
    answers = Counter((e["triggeredid"], e["type"].rsplit(".", 1)[1]) for e in found if e.get("triggeredid"))
    assert len(triggered) >= 7  # qa: deployment, test, evaluation, release; production: approval, …
    for event_id, kind in triggered.items():
        assert answers[(event_id, "started")] == 1, (kind, answers)
        assert answers[(event_id, "finished")] == 1, (kind, answers)
    assert Counter(e["id"] for e in found).most_common(1)[0][1] == 1


@needs_postgres
def test_a_delivery_in_flight_survives_20_s_without_the_database(
    postgres_server: PostgresServer, shared_url: str, tmp_path: Path
) -> None:
    create_keys(tmp_path / "keys")
    with CuttableProxy(postgres_server.port) as proxy:
        url = shared_url.replace(f":{postgres_server.port}/", f":{proxy.port}/")
        built = delivery_server(tmp_path / "data", url, key_dir=tmp_path / "keys")
        with built as (context, _, _backend), TestClient(bootstrap.api_app(context)) as live:
            live.headers["x-token"] = TOKEN  # the client's lifespan runs the server's loops
            create_project(live)
            _answered_once(_finished(live, trigger_delivery(live, "v1"), within=60))
            in_flight = trigger_delivery(live, "v2")
            proxy.cut()
            time.sleep(OUTAGE_SECONDS)
            assert live.get("/health").status_code == 200
            assert live.get("/ready").status_code == 503
            proxy.restore()
            _answered_once(_finished(live, in_flight, within=120))
            after = trigger_delivery(live, "v3")  # and it takes new work
            _answered_once(_finished(live, after, within=60))
            assert live.get("/ready").status_code == 200
