"""Every Bridge page in a real browser: axe-core finds no serious fault; approve, trigger and invalidate by
keyboard alone; the service view and the environment's strip and stage pane after real deliveries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.test_bridge_sequences import create_project, deliver, wait_for, wait_for_approval
from tests.support.axe import assert_accessible
from tests.support.browser import needs_chromium
from tests.support.delivery import FAST
from tests.support.live_server import LiveServer

pytestmark = [needs_chromium, pytest.mark.slow]
TAB_LIMIT = 120  # more Tab presses than any page here has focusable elements


@pytest.fixture(scope="module")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server for this module."""
    with LiveServer(tmp_path_factory.mktemp("bridge-views")) as server:
        yield server


def tab_to(page: Any, selector: str) -> None:
    """Press Tab until the focused element matches ``selector`` (keyboard only, as a user would)."""
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def waiting_delivery(client: httpx.Client, project: str) -> str:
    """A new project whose v1 delivery passed qa and waits for the production approval; its context."""
    create_project(client, project)
    keptn_context = deliver(client, project, "v1.0.0")
    wait_for_approval(client, project)
    return keptn_context


def test_every_page_has_no_serious_accessibility_fault(page: Any, bridge: LiveServer) -> None:
    bridge.backend.values = dict(FAST)
    with bridge.client() as client:
        keptn_context = waiting_delivery(client, "axe")
        found = client.get(
            "/api/mongodb-datastore/event",
            params={"keptnContext": keptn_context, "type": "sh.keptn.event.evaluation.finished"},
        ).json()["events"]
    evaluation_id = found[0]["id"]
    base = f"{bridge.url}/bridge/project/axe"
    pages = {
        "dashboard": f"{bridge.url}/bridge/",
        "environment": base,
        "environment-stage-pane": f"{base}?stage=production",
        "services": f"{base}/service",
        "service": f"{base}/service/helloservice",
        "sequences": f"{base}/sequence",
        "sequence": f"{base}/sequence/{keptn_context}",
        "evaluation": f"{bridge.url}/bridge/evaluation/{keptn_context}/qa",
        "evaluation-chart": f"{bridge.url}/bridge/evaluation/{keptn_context}/qa?view=chart",
        "whatif": f"{bridge.url}/bridge/evaluation/{keptn_context}/{evaluation_id}/whatif",
        "not-found": f"{bridge.url}/bridge/project/nope",
    }
    for name, url in pages.items():
        page.goto(url)
        assert_accessible(page, f"a11y-{name}")
    page.goto(f"{base}/sequence/{keptn_context}")  # a refused action answers a page of its own
    page.evaluate("() => { document.querySelector('button[value=decline]').value = 'maybe'; }")
    page.get_by_text("Decline…").click()  # decline asks first
    page.get_by_role("button", name="Yes, decline").click()
    assert "not &#39;maybe&#39;" not in page.content()  # escaped once, shown as text
    assert (
        "The decision must be approve or decline, not 'maybe'."
        in page.get_by_test_id("action-error").inner_text()
    )
    assert_accessible(page, "a11y-action-error")
    page.context.clear_cookies()
    page.goto(f"{bridge.url}/bridge/login")
    assert_accessible(page, "a11y-login")


def test_the_stage_pane_strip_and_service_view_after_deliveries(page: Any, bridge: LiveServer) -> None:
    bridge.backend.values = dict(FAST)
    with bridge.client() as client:
        first = waiting_delivery(client, "views")
    page.goto(f"{bridge.url}/bridge/project/views")
    page.locator("[data-stage=production] [data-testid=select-stage]").click()
    page.wait_for_url("**/bridge/project/views?stage=production")
    pane = page.get_by_test_id("stage-pane")
    pane.get_by_test_id("filter-approval").click()
    page.wait_for_url("**?stage=production&filter=approval")
    item = page.get_by_test_id("pane-approval")
    assert "podtatoserver:v1.0.0" in item.inner_text()
    page.screenshot(path=str(shots() / "environment-stage-pane.png"), full_page=True)
    item.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/bridge/project/views?stage=production")
    with bridge.client() as client:
        wait_for(client, "views", first, {"finished"})
        second = deliver(client, "views", "v1.1.0")
        wait_for_approval(client, "views")
    page.goto(f"{bridge.url}/bridge/project/views")
    strip = page.locator("[data-stage=qa] [data-testid=evaluation-strip] a")
    assert strip.count() == 1  # the first delivery's evaluation, before the latest
    assert f"/bridge/evaluation/{first}/qa" in str(strip.first.get_attribute("href"))
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Services").click()
    page.get_by_test_id("service-list").get_by_role("link", name="helloservice").click()
    page.wait_for_url("**/bridge/project/views/service/helloservice")
    qa = page.locator("[data-testid=service-detail] [data-stage=qa]")
    assert qa.get_by_test_id("stage-image").inner_text() == "v1.1.0"
    rows = qa.get_by_test_id("sequence-row")
    assert rows.count() == 2
    assert "v1.1.0" in rows.first.inner_text()
    assert (
        rows.first.get_by_test_id("sequence-evaluation").get_attribute("href")
        == f"/bridge/evaluation/{second}/qa"
    )
    production = page.locator("[data-testid=service-detail] [data-stage=production]")
    assert production.get_by_test_id("stage-image").inner_text() == "v1.0.0"
    page.screenshot(path=str(shots() / "service.png"), full_page=True)


def test_approve_trigger_and_invalidate_with_the_keyboard_alone(page: Any, bridge: LiveServer) -> None:
    bridge.backend.values = dict(FAST)
    with bridge.client() as client:
        keptn_context = waiting_delivery(client, "keys")
    page.goto(f"{bridge.url}/bridge/project/keys/sequence/{keptn_context}")
    tab_to(page, "[data-testid=open-approval] button[value=approve]")
    page.keyboard.press("Space")
    page.locator("#sequence-detail[data-state=finished]").wait_for()

    page.goto(f"{bridge.url}/bridge/project/keys")
    tab_to(page, "details.triggers > summary")
    page.keyboard.press("Enter")
    tab_to(page, "[data-testid=trigger-delivery] > summary")
    page.keyboard.press("Enter")
    tab_to(page, "#delivery-image")
    page.keyboard.type("ghcr.io/podtato-head/podtatoserver:v2.0.0")
    tab_to(page, "#delivery-labels")
    page.keyboard.type("buildId=200")
    tab_to(page, "[data-testid=trigger-delivery] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/bridge/project/keys/sequence/*")
    delivered = page.url.rsplit("/", 1)[-1].split("?")[0]
    with bridge.client() as client:
        wait_for_approval(client, "keys")
        wait_for(client, "keys", delivered, {"started", "waiting", "paused"})

    page.goto(f"{bridge.url}/bridge/evaluation/{delivered}/qa")
    tab_to(page, "#invalidate-reason")
    page.keyboard.type("keyboard only")
    tab_to(page, "form.invalidate button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_test_id("invalidated").wait_for()


def shots() -> Any:
    from tests.support.axe import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def test_a_decline_asks_first_then_ends_the_sequence(page: Any, bridge: LiveServer) -> None:
    bridge.backend.values = dict(FAST)
    with bridge.client() as client:
        keptn_context = waiting_delivery(client, "declined")
    page.goto(f"{bridge.url}/bridge/project/declined/sequence/{keptn_context}")
    assert not page.get_by_role("button", name="Yes, decline").is_visible()
    page.get_by_text("Decline…").click()
    confirm = page.get_by_role("button", name="Yes, decline")
    assert "v1.0.0? The sequence stops in production." in page.get_by_test_id("open-approval").inner_text()
    confirm.click()
    page.locator("#sequence-detail[data-state=finished]").wait_for()
    assert page.get_by_test_id("open-approval").count() == 0
