"""The evaluation board in a real browser after real deliveries: heatmap colours, criteria, invalidation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import needs_chromium
from tests.support.delivery import FAST, SHIPYARD, SLO, SLOW, b64, trigger_delivery
from tests.support.live_server import LiveServer

pytestmark = [needs_chromium, pytest.mark.slow]
PROJECT = "evalboard"
CONTROL_PLANE = "/api/controlPlane/v1"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "bridge-screenshots"  # build/ is git-ignored
EXECUTORS = """\
tasks:
  deployment: {executor: job, config: {command: ["true"]}}
  test: {executor: job, config: {command: ["true"]}}
  release: {executor: job, config: {command: ["true"]}}
  rollback: {executor: job, config: {command: ["true"]}}
"""
RED, GREEN = "rgb(220, 23, 42)", "rgb(125, 197, 64)"


def _create_project(client: httpx.Client) -> None:
    answer = client.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(SHIPYARD)})
    assert answer.status_code == 201, answer.text
    answer = client.post(f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": "helloservice"})
    assert answer.status_code == 200, answer.text
    resources = "/api/resource-service/v1/project/" + PROJECT
    answer = client.post(
        f"{resources}/resource",
        json={"resources": [{"resourceURI": "slogate/executors.yaml", "resourceContent": b64(EXECUTORS)}]},
    )
    assert answer.status_code == 201, answer.text
    answer = client.post(
        f"{resources}/stage/qa/service/helloservice/resource",
        json={"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64(SLO)}]},
    )
    assert answer.status_code == 201, answer.text


def _deliver(server: LiveServer, client: httpx.Client, build: str, values: dict[str, float]) -> str:
    """Trigger a qa delivery with these SLI values and wait until its sequence has finished."""
    server.backend.values = dict(values)
    context = trigger_delivery(client, build, project=PROJECT, labels={"buildId": build})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        states = client.get(f"{CONTROL_PLANE}/sequence/{PROJECT}", params={"keptnContext": context}).json()
        found = states.get("states") or []
        if found and found[0]["state"] in ("finished", "succeeded", "failed", "aborted", "timedOut"):
            return context
        time.sleep(0.05)
    raise AssertionError(f"the delivery of {build} did not finish: {states}")


def _background(page: Any, selector: str) -> str:
    colour: str = page.locator(selector).evaluate("el => getComputedStyle(el).backgroundColor")
    return colour


def test_the_failed_build_shows_red_cells_struck_criteria_and_the_key_sli_reason(
    page: Any, bridge: LiveServer
) -> None:
    with bridge.client() as client:
        _create_project(client)
        passed = _deliver(bridge, client, "1.0.0", FAST)
        failed = _deliver(bridge, client, "1.0.1", SLOW)
    page.goto(f"{bridge.url}/bridge/evaluation/{failed}/qa")
    row = 'tr[data-row="HTTP Response Time"]'
    assert _background(page, f"{row} td.cell.selected") == RED
    assert _background(page, f"{row} td.cell.compared") == GREEN
    assert _background(page, 'tr[data-row="Score"] td.cell.selected') == RED
    struck = page.locator('tr[data-sli="HTTP Response Time"] del.violated').first
    assert struck.inner_text() == "<=0.2"
    assert "line-through" in struck.evaluate("el => getComputedStyle(el).textDecorationLine")
    explanation = page.get_by_test_id("explanation").inner_text()
    assert explanation == "fail: key SLI 'HTTP Response Time' failed (0.41 > 0.2)"
    page.locator(f"{row} td.cell.selected a").focus()  # cells are keyboard-reachable links
    assert "Compared value: 0.004" in (page.locator(f"{row} td.cell.selected a").get_attribute("title") or "")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "evaluation-failed.png"), full_page=True)
    page.goto(f"{bridge.url}/bridge/evaluation/{passed}/qa?view=chart")
    assert page.locator("svg.chart rect.bar").count() == 2
    page.screenshot(path=str(SHOTS / "evaluation-chart.png"), full_page=True)


def test_an_invalidated_evaluation_is_marked_and_left_out_of_the_next_comparison(
    page: Any, bridge: LiveServer
) -> None:
    with bridge.client() as client:
        states = client.get(f"{CONTROL_PLANE}/sequence/{PROJECT}").json()["states"]
        first = states[-1]["shkeptncontext"]  # build 1.0.0, the only passing one so far
        page.goto(f"{bridge.url}/bridge/evaluation/{first}/qa")
        page.get_by_role("button", name="Ignore for comparison").click()
        page.get_by_test_id("invalidated").wait_for()
        assert page.locator("thead th.selected.invalidated").count() == 1
        later = _deliver(bridge, client, "1.0.2", FAST)
    page.goto(f"{bridge.url}/bridge/evaluation/{later}/qa")
    assert page.locator("thead th.compared").count() == 0
    assert "Not compared with any previous evaluation." in page.get_by_test_id("score-header").inner_text()
    assert page.locator("thead th.invalidated").count() == 1
    page.screenshot(path=str(SHOTS / "evaluation-invalidated.png"), full_page=True)


def test_the_chart_is_full_width_with_series_toggles_and_the_table_sorts(
    page: Any, bridge: LiveServer
) -> None:
    with bridge.client() as client:
        latest = client.get(f"{CONTROL_PLANE}/sequence/{PROJECT}").json()["states"][0]["shkeptncontext"]
    page.goto(f"{bridge.url}/bridge/evaluation/{latest}/qa")
    name = page.locator('tr[data-row="HTTP Response Time"] th')
    assert name.inner_text() == "HTTP Response Time"  # the full name, not "HTTP Response …"
    assert name.evaluate("el => el.scrollWidth <= el.clientWidth")
    rows = page.locator("table.heatmap tbody tr").evaluate_all("rows => rows.map(r => r.dataset.row)")
    assert rows == ["Score", "HTTP Response Time", "Request Throughput", "Go Routines"]  # the SLO's order
    page.get_by_role("link", name="Chart").click()
    page.wait_for_url("**view=chart*")
    chart = page.locator("svg.chart")
    assert chart.bounding_box()["width"] > 1000  # the page's width at 1280 px, not a 220 px strip
    panel = page.locator('svg.chart g[data-sli="HTTP Response Time"]')
    assert panel.is_visible()
    page.get_by_label("HTTP Response Time").uncheck()
    assert not panel.is_visible()
    assert page.locator('svg.chart g[data-sli="Go Routines"]').is_visible()
    page.screenshot(path=str(SHOTS / "evaluation-chart-toggled.png"), full_page=True)
    page.get_by_label("HTTP Response Time").check()
    page.locator("th[data-sort=name] a").click()
    page.wait_for_url("**sort=name*")
    assert "view=chart" in page.url  # the chart stays: the whole state is in the address
    names = page.locator("table.sli-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.sli)")
    assert names == ["Go Routines", "HTTP Response Time", "Request Throughput"]
    assert page.locator("th[data-sort=name]").get_attribute("aria-sort") == "ascending"
    page.screenshot(path=str(SHOTS / "evaluation-chart.png"), full_page=True)
