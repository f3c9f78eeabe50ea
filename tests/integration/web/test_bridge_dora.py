"""The Bridge's delivery card on a project's environment page, over events written to the store."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED
from slogate.server_context import ServerContext
from slogate.settings import Settings
from tests.support.dora_history import SHIPYARD, T0, delivery, event

TOKEN = "bridge-token-0123456789abcdefghijklmnopqrstuvw"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServerContext, TestClient]]:
    settings = Settings(data_dir=tmp_path / "data", api_token=TOKEN)  # type: ignore[arg-type]
    context = bootstrap.server_context(settings)
    web = TestClient(bootstrap.server_app(context))
    try:
        api = {"x-token": TOKEN}
        shipyard = base64.b64encode(SHIPYARD.encode()).decode()
        created = web.post(
            "/api/controlPlane/v1/project", json={"name": "shop", "shipyard": shipyard}, headers=api
        )
        assert created.status_code == 201, created.text
        assert web.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
        yield context, web
    finally:
        web.close()
        context.close()


def card(web: TestClient) -> str:
    page = web.get("/bridge/project/shop")
    assert page.status_code == 200
    found = re.search(r'<section class="card" data-testid="dora".*?</section>', page.text, re.S)
    assert found is not None, page.text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def test_the_card_shows_the_last_30_days_of_the_last_stage(served: tuple[ServerContext, TestClient]) -> None:
    context, web = served
    assert "0.00/day 0 deliveries" in card(web)
    now = (datetime.now(UTC) - T0).total_seconds() / 3600  # hours after T0
    context.store.add(
        [
            *delivery("d1", now - 50, now - 48, evaluation=(now - 47, "pass")),
            *delivery("d2", now - 30, now - 26, evaluation=(now - 25, "fail")),
            *delivery("d3", now - 10, now - 9, evaluation=(now - 8, "pass")),  # restores d2 after 17 h
            *delivery("old", now - 800, now - 799, evaluation=(now - 798, "fail")),  # before the 30 days
            event(EVALUATION_FINISHED, now - 1, "x", "dev", result="fail"),  # another stage
        ]
    )
    text = card(web)
    assert "Delivery figures · production · last 30 days" in text
    assert "0.10/day 3 deliveries" in text
    assert "Lead time 2.0h median · p90 4.0h" in text
    assert "Change failure rate 33% 1 failed · 0 rolled back" in text
    assert "Time to restore 17.0h median · 0 not restored" in text


def test_one_delivery_is_one_delivery(served: tuple[ServerContext, TestClient]) -> None:
    context, web = served
    now = (datetime.now(UTC) - T0).total_seconds() / 3600
    context.store.add(delivery("d1", now - 5, now - 4, evaluation=(now - 3, "pass")))
    assert "1 delivery" in card(web)
    assert "1 deliveries" not in card(web)
