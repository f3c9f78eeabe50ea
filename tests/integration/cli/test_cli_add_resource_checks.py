"""``slogate add-resource`` shows the problems the server found in an uploaded Keptn file, one per line."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.integration.cli.conftest import Cli
from tests.support.delivery import SHIPYARD
from tests.support.live_server import LiveServer

KEPTN = Path(__file__).resolve().parents[2] / "data" / "keptn"


def test_add_resource_prints_the_problems_of_a_broken_webhook(cli: Cli, live_server: LiveServer) -> None:
    """The file is added (as Keptn adds it) and the next line says what is wrong with it."""
    with live_server.client() as client:
        shipyard = base64.b64encode(SHIPYARD.encode()).decode()
        created = client.post("/api/controlPlane/v1/project", json={"name": "checked", "shipyard": shipyard})
        assert created.status_code == 201, created.text
    broken = cli(
        "add-resource", "-p", "checked", "-r", KEPTN / "invalid" / "webhook.yaml",
        "--resourceUri", "webhook/webhook.yaml",
    )  # fmt: skip
    assert broken.exit_code == 0, broken.output
    lines = broken.stdout.splitlines()
    assert lines[0].startswith("Added webhook/webhook.yaml to project checked (revision ")
    assert lines[1] == (
        "webhook/webhook.yaml: error: Webhook configuration invalid: missing "
        "'webhooks[].SubscriptionID' part (webhooks[0])"
    )
    clean = cli(
        "add-resource", "-p", "checked", "-r", KEPTN / "webhook.yaml", "--resourceUri", "webhook/webhook.yaml"
    )
    assert clean.exit_code == 0, clean.output
    assert len(clean.stdout.splitlines()) == 1
