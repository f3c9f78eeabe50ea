"""The Bridge's OpenID login in chromium against a real provider (npm's oidc-provider): the operator
sees only the mapped project and approves in production; the viewer has no approve button and a
forged approval is refused; a tampered nonce or state gives a login error and no session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.e2e.test_bridge_sequences import create_project, deliver, wait_for, wait_for_approval
from tests.support.browser import log_in as token_login
from tests.support.browser import needs_chromium
from tests.support.live_server import LiveServer
from tests.support.oidc_provider import Client, OpenIdProvider, needs_oidc_provider
from tests.support.prometheus import free_port

pytestmark = [needs_chromium, needs_oidc_provider]
ACCESS = """
groups:
  team-shop: [{project: shop, role: operator, stages: [production]}]
  readers: [{project: shop, role: viewer}]
"""
USERS = {
    "olivia": {"preferred_username": "olivia", "email": "olivia@example.test", "groups": ["team-shop"]},
    "victor": {"preferred_username": "victor", "email": "victor@example.test", "groups": ["readers"]},
}
SECRET = "test-client-secret-0123456789"


@dataclass
class Stack:
    server: LiveServer
    provider: OpenIdProvider
    delivery: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A live server whose Bridge logs in at the provider, with projects shop (an approval open in
    production) and blog."""
    base = tmp_path_factory.mktemp("bridge-oidc")
    (base / "access.yaml").write_text(ACCESS)
    (base / "client-secret").write_text(SECRET + "\n")
    provider_port = free_port()
    settings = {
        "oidc_issuer": f"http://127.0.0.1:{provider_port}",
        "oidc_client_id": "slogate",
        "oidc_client_secret_file": base / "client-secret",
        "oidc_name": "Example ID",
        "access_file": base / "access.yaml",
    }
    server = LiveServer(base / "data", **settings)
    client = Client("slogate", SECRET, f"{server.url}/bridge/oidc/callback", f"{server.url}/bridge/login")
    with OpenIdProvider(client, USERS, base / "provider.log", provider_port) as provider, server:
        with server.client() as api:
            create_project(api, "shop")
            create_project(api, "blog")
            delivery = deliver(api, "shop", "v0.1.1")
            wait_for_approval(api, "shop")
        yield Stack(server, provider, delivery)


@pytest.fixture
def browsers(chromium_browser: Any, stack: Stack) -> Iterator[Callable[[], Any]]:
    """Fresh browser contexts (one per user: no shared cookies) that reach the server and the
    provider only."""
    contexts: list[Any] = []
    allowed = (stack.server.url, stack.provider.issuer)
    external: list[str] = []

    def only_ours(route: Any) -> None:
        if route.request.url.startswith(allowed):
            route.continue_()
            return
        if not route.request.frame.url.startswith(stack.provider.issuer):  # its pages ask for a font
            external.append(route.request.url)
        route.abort()

    def new() -> Any:
        context = chromium_browser.new_context(viewport={"width": 1280, "height": 800})
        context.route("**/*", only_ours)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    try:
        yield new
    finally:
        for context in contexts:
            context.close()
    assert external == [], f"the pages asked for outside resources: {external}"


def log_in(page: Any, stack: Stack, user: str) -> None:
    """Through the login page's button, the provider's login and consent forms, back to the Bridge."""
    page.goto(f"{stack.server.url}/bridge/login")
    page.get_by_role("link", name="Log in with Example ID").click()
    page.wait_for_url(f"{stack.provider.issuer}/**")
    page.locator("input[name=login]").fill(user)
    page.locator("input[name=password]").fill("any")
    page.get_by_role("button", name="Sign-in").click()
    consent = page.get_by_role("button", name="Continue")
    consent.wait_for()
    consent.click()


def session_cookies(context: Any) -> list[str]:
    return [cookie["name"] for cookie in context.cookies() if cookie["name"] == "slogate_session"]


def test_the_viewer_cannot_approve_and_the_operator_can(browsers: Callable[[], Any], stack: Stack) -> None:
    url = stack.server.url
    sequence = f"{url}/bridge/project/shop/sequence/{stack.delivery}?stage=production"
    viewer = browsers().new_page()
    log_in(viewer, stack, "victor")
    viewer.wait_for_url(f"{url}/bridge/")
    assert viewer.get_by_test_id("user").inner_text() == "victor"
    viewer.goto(sequence)
    viewer.get_by_test_id("open-approval").wait_for()
    assert viewer.get_by_role("button", name="Approve").count() == 0
    csrf = viewer.locator("input[name=csrf]").first.get_attribute("value")
    with stack.server.client() as api:
        triggered = api.get(
            "/api/controlPlane/v1/event/triggered/sh.keptn.event.approval.triggered",
            params={"project": "shop"},
        ).json()["events"][0]["id"]
    forged = viewer.request.post(
        f"{url}/bridge/project/shop/sequence/{stack.delivery}/approval",
        form={"csrf": csrf, "triggered_id": triggered, "decision": "approve"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert "may not approval.decide" in forged.text()
    viewer.goto(f"{url}/bridge/project/blog")
    assert viewer.get_by_test_id("not-found").is_visible()
    viewer.close()

    operator = browsers().new_page()
    log_in(operator, stack, "olivia")
    operator.wait_for_url(f"{url}/bridge/")
    projects = operator.locator("[data-project]")
    assert [projects.nth(i).get_attribute("data-project") for i in range(projects.count())] == ["shop"]
    operator.goto(sequence)
    operator.get_by_role("button", name="Approve").click()
    operator.locator("#sequence-detail[data-state=finished]").wait_for()
    with stack.server.client() as api:
        assert wait_for(api, "shop", stack.delivery, {"finished"})["state"] == "finished"
    operator.get_by_role("button", name="Log out").click()
    operator.wait_for_url(f"{stack.provider.issuer}/session/end**")  # RP-initiated logout
    operator.get_by_role("button", name="Yes, sign me out").click()
    operator.wait_for_url(f"{url}/bridge/login**")  # and back
    operator.goto(f"{url}/bridge/")
    operator.wait_for_url(f"{url}/bridge/login**")

    admin = browsers().new_page()  # the API token's login: admin, reads the audit log
    token_login(admin, stack.server)
    admin.goto(f"{url}/bridge/audit?actor=victor&outcome=denied")
    refusal = admin.get_by_test_id("audit-row")
    assert refusal.count() == 1
    assert "approval.decide" in refusal.inner_text()
    assert "production" in refusal.inner_text()


def test_a_tampered_nonce_or_state_is_a_login_error_without_a_session(
    browsers: Callable[[], Any], stack: Stack
) -> None:
    browser = browsers()
    page = browser.new_page()
    login = f"{stack.server.url}/bridge/oidc/login**"

    def other_nonce(route: Any) -> None:
        """The Bridge's redirect to the provider, with the nonce of another login in it."""
        answer = route.fetch(max_redirects=0)
        parts = urlsplit(answer.headers["location"])
        query = {**dict(parse_qsl(parts.query)), "nonce": "a-nonce-of-another-login"}
        route.fulfill(
            response=answer,
            headers={**answer.headers, "location": parts._replace(query=urlencode(query)).geturl()},
        )

    page.route(login, other_nonce)
    log_in(page, stack, "olivia")
    page.wait_for_url(f"{stack.server.url}/bridge/oidc/callback**")
    assert "the ID token's nonce does not match this login" in page.get_by_role("alert").inner_text()
    assert session_cookies(browser) == []
    page.unroute(login)

    page.goto(f"{stack.server.url}/bridge/login")
    page.get_by_role("link", name="Log in with Example ID").click()
    page.wait_for_url(f"{stack.server.url}/bridge/**")  # the provider remembers the login: straight back
    assert page.get_by_test_id("user").inner_text() == "olivia"
    browser.clear_cookies()  # the Bridge's session and the provider's
    page.goto(f"{stack.server.url}/bridge/oidc/login")  # a new login's state waits in its cookie
    page.locator("input[name=login]").wait_for()  # at the provider's login form
    page.goto(f"{stack.server.url}/bridge/oidc/callback?code=stolen&state=forged")
    assert "state does not match" in page.get_by_role("alert").inner_text()
    assert session_cookies(browser) == []
