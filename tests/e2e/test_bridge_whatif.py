"""The What if… page in a real browser after real deliveries: edit the SLO, replay, read the verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_bridge_evaluation import SHOTS, _background, _create_project, _deliver
from tests.support.browser import needs_chromium
from tests.support.delivery import FAST, SLOW
from tests.support.live_server import LiveServer

pytestmark = [needs_chromium, pytest.mark.slow]
RED, GREEN = "rgb(220, 23, 42)", "rgb(125, 197, 64)"


def test_a_tighter_slo_turns_the_passing_build_red_side_by_side(page: Any, bridge: LiveServer) -> None:
    with bridge.client() as client:
        _create_project(client)
        _deliver(bridge, client, "1.0.0", FAST)  # 0.004 s: passes
        failed = _deliver(bridge, client, "1.0.1", SLOW)  # 0.41 s: fails on the key SLI
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{bridge.url}/bridge/evaluation/{failed}/qa")
    page.get_by_test_id("whatif-link").click()
    slo = page.get_by_label("slo.yaml")
    text = slo.input_value()
    assert '"<=0.2"' in text  # prefilled with the SLO the evaluation used
    slo.fill(text.replace('"<=0.2"', '"<=0.001"').replace('"<=0.1"', '"<=0.002"'))  # pass and warning
    page.get_by_role("button", name="Replay history").click()
    assert page.get_by_test_id("whatif-summary").inner_text() == "1 of 2 builds would change verdict"
    assert page.locator('tr[data-row="old"] td').count() == 2
    assert _background(page, 'tr[data-row="old"] td >> nth=0') == GREEN
    assert _background(page, 'tr[data-row="new"] td >> nth=0') == RED
    assert (
        "HTTP Response Time: pass → fail (0.004 violates pass <=0.001, warning <=0.002)"
        in page.locator('tr[data-row="flipped"] td >> nth=0').inner_text()
    )
    assert '"<=0.001"' in page.get_by_label("slo.yaml").input_value()  # kept for the next edit
    assert problems == []  # no CSP violation or script error
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "evaluation-whatif.png"), full_page=True)
