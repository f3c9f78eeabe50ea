"""Two evaluations compared side by side in a real browser, reached by ticking two heatmap columns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_bridge_evaluation import _create_project, _deliver
from tests.e2e.test_bridge_security import RECORD_VIOLATIONS
from tests.support.browser import needs_chromium
from tests.support.delivery import FAST, SLOW
from tests.support.live_server import LiveServer

pytestmark = [needs_chromium, pytest.mark.slow]
BUILDS = (("1.0.0", FAST), ("1.0.1", SLOW), ("1.0.2", FAST))
SHOTS = Path(__file__).resolve().parents[2] / "build" / "bridge-screenshots"  # build/ is git-ignored


@pytest.fixture(scope="module")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server for this module."""
    with LiveServer(tmp_path_factory.mktemp("bridge-compare")) as server:
        yield server


@pytest.fixture(scope="module")
def contexts(bridge: LiveServer) -> list[str]:
    """Three qa evaluations: 1.0.0 passes, 1.0.1 fails, 1.0.2 passes; their contexts."""
    with bridge.client() as client:
        _create_project(client)
        return [_deliver(bridge, client, build, values) for build, values in BUILDS]


def test_two_evaluations_compared_side_by_side(page: Any, bridge: LiveServer, contexts: list[str]) -> None:
    page.goto(f"{bridge.url}/bridge/evaluation/{contexts[-1]}/qa")
    picks = page.get_by_test_id("compare-pick")
    assert picks.count() == 3
    page.get_by_label("compare 1.0.0").check()
    page.get_by_label("compare 1.0.1").check()
    page.get_by_role("button", name="Compare the two ticked evaluations side by side").click()
    page.wait_for_url("**/bridge/compare?e=*")
    assert page.url.count("e=") == 2  # the comparison is in its address: a CI job can link it
    assert page.get_by_test_id("side-a").inner_text() == "1.0.0"
    assert page.get_by_test_id("side-b").inner_text() == "1.0.1"
    row = page.locator('tr[data-sli="HTTP Response Time"]')
    assert row.get_attribute("class") == "changed"
    assert row.get_by_test_id("value-a").inner_text() == "0.004"
    assert row.get_by_test_id("value-b").inner_text() == "0.41"
    assert row.get_by_test_id("delta").inner_text() == "+0.406 (+10150.0%)"
    assert (row.get_by_test_id("verdict-a").inner_text(), row.get_by_test_id("verdict-b").inner_text()) == (
        "pass",
        "fail",
    )
    assert "pass <=0.2: met → violated" in row.get_by_test_id("flipped").inner_text()
    unchanged = page.locator('tr[data-sli="Go Routines"]')
    assert unchanged.get_attribute("class") == ""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)
    same = page.url
    page.goto(same)  # reloading the address shows the same comparison
    assert page.get_by_test_id("side-b").inner_text() == "1.0.1"
    page.get_by_test_id("side-a").click()  # back to that evaluation's board
    page.wait_for_url("**/bridge/evaluation/**")


def test_ticking_one_column_says_to_tick_two(page: Any, bridge: LiveServer, contexts: list[str]) -> None:
    page.goto(f"{bridge.url}/bridge/evaluation/{contexts[-1]}/qa")
    page.get_by_label("compare 1.0.2").check()
    page.get_by_role("button", name="Compare the two ticked evaluations side by side").click()
    assert "tick two columns" in page.get_by_role("alert").inner_text()


def test_the_chart_and_the_comparison_run_under_the_content_security_policy(
    page: Any, bridge: LiveServer, contexts: list[str]
) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{bridge.url}/bridge/evaluation/{contexts[-1]}/qa?view=chart")
    page.get_by_label("Request Throughput").uncheck()  # the toggles' inline style is allowed
    assert not page.locator('svg.chart g[data-sli="Request Throughput"]').is_visible()
    violations: list[str] = page.evaluate("window.__violations")
    page.goto(f"{bridge.url}/bridge/evaluation/{contexts[-1]}/qa")
    page.get_by_label("compare 1.0.0").check()
    page.get_by_label("compare 1.0.2").check()
    page.get_by_role("button", name="Compare the two ticked evaluations side by side").click()
    page.wait_for_url("**/bridge/compare?e=*")
    page.wait_for_load_state("networkidle")
    violations += page.evaluate("window.__violations")
    assert violations == []
