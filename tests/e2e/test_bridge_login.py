"""The Bridge in a real browser: logging in and out, the dashboard, the session cookie's flags."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.browser import needs_chromium
from tests.support.delivery import SHIPYARD, b64
from tests.support.live_server import LiveServer

pytestmark = needs_chromium


def test_the_dashboard_lists_projects_with_their_stages(page: Any, bridge: LiveServer) -> None:
    with bridge.client() as client:
        answer = client.post("/api/controlPlane/v1/project", json={"name": "shop", "shipyard": b64(SHIPYARD)})
        assert answer.status_code == 201, answer.text
    page.reload()
    card = page.locator("[data-project=shop]")
    assert "qa → production" in card.inner_text()
    cookie = next(c for c in page.context.cookies() if c["name"] == "slogate_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"


def test_a_wrong_token_is_refused_and_logout_ends_the_session(page: Any, bridge: LiveServer) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(bridge.url + "/bridge/login")
    page.goto(bridge.url + "/bridge/")
    assert "/bridge/login" in page.url  # no session any more
    page.get_by_label("API token").fill("not-the-token")
    page.get_by_role("button", name="Log in").click()
    assert "That did not work" in page.get_by_role("alert").inner_text()


def test_a_form_post_without_the_csrf_token_is_refused(bridge: LiveServer) -> None:
    with httpx.Client(base_url=bridge.url) as client:
        login = client.post("/bridge/login", data={"token": bridge.token}, follow_redirects=False)
        assert login.status_code == 303
        refused = client.post("/bridge/logout", data={"csrf": "forged"})
        assert refused.status_code == 403
