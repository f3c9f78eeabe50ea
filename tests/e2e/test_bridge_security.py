"""The Bridge's Content-Security-Policy in a real browser: every page loads and htmx works, and the
browser reports no violation (the policy allows exactly what the pages need)."""

from __future__ import annotations

from typing import Any

from tests.support.browser import needs_chromium
from tests.support.delivery import SHIPYARD, b64
from tests.support.live_server import LiveServer

pytestmark = needs_chromium

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_the_pages_run_under_the_policy_without_violations(page: Any, bridge: LiveServer) -> None:
    with bridge.client() as client:
        answer = client.post("/api/controlPlane/v1/project", json={"name": "csp", "shipyard": b64(SHIPYARD)})
        assert answer.status_code == 201, answer.text
    page.add_init_script(RECORD_VIOLATIONS)
    violations: list[str] = []
    for path in ("/bridge/", "/bridge/project/csp", "/bridge/project/csp/sequence"):
        response = page.goto(bridge.url + path)
        assert response is not None
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof htmx") == "object", path  # the script loaded and ran
        violations += page.evaluate("window.__violations")
    assert violations == []
