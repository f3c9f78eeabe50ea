"""The demo without Alertmanager: its relay posts Prometheus' firing alert once, and its end as resolved, to a
live slogate server, which opens and then closes the problem."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from slogate.demo.relay import AlertRelay, fingerprint
from tests.support.delivery import CONTROL_PLANE, SHIPYARD, b64
from tests.support.live_server import LiveServer

PROJECT, SERVICE = "relayed", "helloservice"
LABELS = {
    "alertname": "rt",
    "severity": "webhook",
    "project": PROJECT,
    "stage": "production",
    "service": SERVICE,
    "deployment": "primary",
}


class FakePrometheus:
    """``GET /api/v1/alerts`` answering whatever ``alerts`` holds."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps({"status": "success", "data": {"alerts": fake.alerts}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(tmp_path / "data") as live, live.client() as client:
        created = client.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(SHIPYARD)})
        assert created.status_code == 201, created.text
        added = client.post(f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": SERVICE})
        assert added.status_code == 200, added.text
        yield live


def problems(server: LiveServer) -> list[tuple[str, str, str]]:
    with server.client() as client:
        listed = client.get(f"/api/slogate/v1/project/{PROJECT}/problem").json()["problems"]
    return [(p["state"], p["title"], p["sourceId"]) for p in listed]


def test_the_relay_opens_the_problem_once_and_closes_it_when_the_alert_ends(server: LiveServer) -> None:
    prometheus = FakePrometheus()
    relay = AlertRelay(prometheus.url, server.url, server.token)
    firing = {
        "labels": LABELS,
        "annotations": {"summary": "rt"},
        "state": "firing",
        "activeAt": "2026-12-07T05:00:00Z",
    }
    pending = {**firing, "labels": {**LABELS, "alertname": "other"}, "state": "pending"}
    foreign = {**firing, "labels": {**LABELS, "severity": "page"}}  # not one of configure monitoring's rules
    try:
        with httpx.Client(timeout=10) as client:
            relay.step(client)  # nothing fires: nothing posted
            prometheus.alerts = [firing, pending, foreign]
            relay.step(client)
            assert problems(server) == [("open", "rt", fingerprint(LABELS))]
            relay.step(client)  # still firing: not posted again
            prometheus.alerts = [pending]
            relay.step(client)
            assert problems(server) == [("closed", "rt", fingerprint(LABELS))]
    finally:
        prometheus.close()
    assert [[alert["status"] for alert in body["alerts"]] for body in relay.posted] == [
        ["firing"],
        ["resolved"],
    ]
    assert relay.posted[0]["alerts"][0]["startsAt"] == "2026-12-07T05:00:00Z"
    assert relay.posted[1]["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z"


def test_a_busy_prometheus_or_server_does_not_stop_the_relay_thread(server: LiveServer) -> None:
    """The background thread swallows a failed poll and tries again at the next one."""
    with AlertRelay("http://127.0.0.1:9", server.url, server.token, interval=0.01) as relay:
        threading.Event().wait(0.2)  # about 20 polls, each refused
        assert relay.running
        assert relay.posted == []
