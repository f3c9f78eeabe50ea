"""The Bridge's problems card on a project's environment page: open and closed problems, escaped."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.domain.protocol.alertmanager import alert_context
from slogate.settings import Settings

TOKEN = "bridge-token-0123456789abcdefghijklmnopqrstuvw"
API = {"x-token": TOKEN}
SHIPYARD = """apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: shop}
spec:
  stages:
    - name: production
      sequences: [{name: remediation, tasks: [{name: get-action}]}]
"""
STARTS = "2026-12-07T02:00:00Z"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", api_token=TOKEN)  # type: ignore[arg-type]
    context = bootstrap.server_context(settings)
    client = TestClient(bootstrap.server_app(context))
    try:
        shipyard = base64.b64encode(SHIPYARD.encode()).decode()
        created = client.post(
            "/api/controlPlane/v1/project", json={"name": "shop", "shipyard": shipyard}, headers=API
        )
        assert created.status_code == 201, created.text
        service = client.post(
            "/api/controlPlane/v1/project/shop/service", json={"serviceName": "cart"}, headers=API
        )
        assert service.status_code == 200, service.text
        assert client.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
        yield client
    finally:
        client.close()
        context.close()


def notify(web: TestClient, status: str, fingerprint: str, summary: str) -> None:
    alert: dict[str, Any] = {
        "status": status,
        "labels": {"project": "shop", "stage": "production", "service": "cart"},
        "annotations": {"summary": summary},
        "startsAt": STARTS,
        "fingerprint": fingerprint,
    }
    answer = web.post("/api/v1/alertmanager", json={"version": "4", "alerts": [alert]}, headers=API)
    assert answer.status_code == 200, answer.text


def card(web: TestClient) -> str | None:
    page = web.get("/bridge/project/shop")
    assert page.status_code == 200
    found = re.search(r'<section class="card" data-testid="problems".*?</section>', page.text, re.S)
    return found.group(0) if found else None


def test_no_problem_no_card(web: TestClient) -> None:
    assert card(web) is None


def test_open_and_closed_problems_link_to_their_remediation(web: TestClient) -> None:
    notify(web, "firing", "one", "slow <script>alert(1)</script>")
    notify(web, "firing", "two", "errors")
    notify(web, "resolved", "one", "slow <script>alert(1)</script>")
    shown = card(web)
    assert shown is not None
    assert "<script>" not in shown
    assert "slow &lt;script&gt;" in shown
    assert re.findall(r'data-state="(\w+)"', shown) == ["open", "closed"]
    assert "1 open" in shown
    assert f"/bridge/project/shop/sequence/{alert_context('one', STARTS)}" in shown
