"""The Bridge's sequence view of a remediation: its loops, each with the action chosen, the action's result
and the evaluation after it (names escaped); other sequences show no loops."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.server_context import ServerContext
from slogate.settings import Settings

TOKEN = "bridge-token-0123456789abcdefghijklmnopqrstuvw"
API = {"x-token": TOKEN}
SHIPYARD = """apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: shop}
spec:
  stages:
    - name: production
      sequences: [{name: remediation, tasks: [{name: get-action}, {name: action}, {name: evaluation}]}]
"""
CONTEXT = "5b0c2f43-98c4-4a53-9f0e-0d7c4f1f2a11"
BASE = {"project": "shop", "stage": "production", "service": "cart"}


@dataclass
class Bridge:
    client: TestClient
    context: ServerContext


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Bridge]:
    settings = Settings(data_dir=tmp_path / "data", api_token=TOKEN)  # type: ignore[arg-type]
    context = bootstrap.server_context(settings)
    client = TestClient(bootstrap.server_app(context))
    try:
        shipyard = base64.b64encode(SHIPYARD.encode()).decode()
        created = client.post(
            "/api/controlPlane/v1/project", json={"name": "shop", "shipyard": shipyard}, headers=API
        )
        assert created.status_code == 201, created.text
        assert client.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
        yield Bridge(client, context)
    finally:
        client.close()
        context.close()


def store(bridge: Bridge, steps: list[tuple[str, dict[str, Any]]]) -> None:
    start = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    bridge.context.store.add(
        [
            KeptnEvent(
                id=f"e{index}",
                type=f"sh.keptn.event.{kind}",
                source="test",
                time=start + timedelta(seconds=index),
                shkeptncontext=CONTEXT,
                data={**BASE, **data},
            )
            for index, (kind, data) in enumerate(steps)
        ]
    )


def loops_card(bridge: Bridge) -> str | None:
    page = bridge.client.get(f"/bridge/project/shop/sequence/{CONTEXT}")
    assert page.status_code == 200, page.text
    found = re.search(r'<section class="card remediation-loops".*?</section>', page.text, re.S)
    return found.group(0) if found else None


def test_each_loop_with_its_action_result_and_evaluation(bridge: Bridge) -> None:
    hostile = "<script>alert(1)</script>"
    store(
        bridge,
        [
            ("production.remediation.triggered", {"problem": {"ProblemTitle": "rt"}}),
            ("get-action.finished", {"result": "pass", "action": {"name": "Scale", "action": hostile}}),
            ("action.finished", {"status": "succeeded", "result": "pass"}),
            ("evaluation.finished", {"result": "fail", "evaluation": {"score": 33.5}}),
            ("production.remediation.finished", {"result": "fail"}),
            ("production.remediation.triggered", {}),
            (
                "get-action.finished",
                {"result": "pass", "action": {"name": "Roll back", "action": "rollback"}},
            ),
            ("action.finished", {"status": "errored", "result": "fail"}),
            ("production.remediation.finished", {"status": "errored", "result": "fail"}),
            ("production.remediation.triggered", {}),
            ("get-action.finished", {"result": "fail", "message": "no more actions: all 2 were tried"}),
            (
                "production.remediation.finished",
                {"result": "fail", "message": "no more actions: all 2 were tried"},
            ),
        ],
    )
    card = loops_card(bridge)
    assert card is not None
    assert "Remediation: 3 loops" in card
    items = re.findall(r'data-testid="remediation-loop">(.*?)</li>', card, re.S)
    loops = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]
    assert loops == [
        "loop 1 Scale (&lt;script&gt;alert(1)&lt;/script&gt;) pass · evaluation fail score 33.5",
        "loop 2 Roll back (rollback) errored",
        "loop 3 no action: no more actions: all 2 were tried",
    ]
    assert "<script>alert(1)" not in card


def test_a_sequence_without_remediation_loops_has_no_card(bridge: Bridge) -> None:
    store(
        bridge, [("production.delivery.triggered", {}), ("production.delivery.finished", {"result": "pass"})]
    )
    assert loops_card(bridge) is None
