"""Bridge access: sessions end at logout and token rotation, password logins are limited per user and
per client, the cookie is Secure behind a trusted HTTPS proxy, every page carries the security headers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from slogate import bootstrap
from slogate.api.context import ServerContext
from slogate.api.security_headers import BRIDGE_POLICY
from slogate.cli.app import app as cli
from slogate.settings import Settings
from slogate.web import app as bridge_app
from slogate.web.session import COOKIE

Browser = Callable[..., TestClient]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """Browsers (TCP peer ``address``) of one Bridge with a stored token and a user ``ops`` with the
    password ``hunter2``, trusting ``proxies`` (SLOGATE_TRUSTED_PROXIES); ``restart``: of a new server
    on the same data dir."""
    contexts: list[ServerContext] = []
    clients: list[TestClient] = []
    apps: dict[str, FastAPI] = {}

    def make(address: str = "127.0.0.1", proxies: str = "", restart: bool = False) -> TestClient:
        if restart or proxies not in apps:
            settings = Settings(
                data_dir=tmp_path,
                bridge_user="ops",
                bridge_password="hunter2",  # type: ignore[arg-type]
                trusted_proxies=proxies,
            )
            context = bootstrap.server_context(settings)
            contexts.append(context)
            apps[proxies] = bootstrap.server_app(context)
        client = TestClient(apps[proxies], client=(address, 40000))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    for context in contexts:
        context.close()


def _token(data_dir: Path) -> str:
    result = CliRunner().invoke(cli, ["server", "token", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _log_in(client: TestClient, **form: str) -> int:
    return client.post("/bridge/login", data=form, follow_redirects=False).status_code


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/bridge/").text)
    assert found is not None
    return found.group(1)


def _replay(client: TestClient, cookie: str | None = None) -> int:
    """The status of the dashboard for ``client``, sending ``cookie`` as the only session cookie."""
    headers = {"cookie": f"{COOKIE}={cookie}"} if cookie else {}
    return client.get("/bridge/", headers=headers, follow_redirects=False).status_code


def _opens(client: TestClient, cookie: str) -> bool:
    return _replay(client, cookie) == 200


def test_a_cookie_replayed_after_logout_is_sent_to_the_login(browser: Browser, tmp_path: Path) -> None:
    token = _token(tmp_path)
    client = browser()
    assert _log_in(client, token=token) == 303
    cookie = client.cookies[COOKIE]
    other = browser()
    assert _log_in(other, token=token) == 303
    assert (
        client.post("/bridge/logout", data={"csrf": _csrf(client)}, follow_redirects=False).status_code == 303
    )
    replay = browser().get("/bridge/", headers={"cookie": f"{COOKIE}={cookie}"}, follow_redirects=False)
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/bridge/login")
    assert other.get("/bridge/", follow_redirects=False).status_code == 200  # only that session ended
    restarted = browser(restart=True)  # a new server on the same data dir still refuses it
    assert not _opens(restarted, cookie)


def test_a_cookie_issued_before_the_token_was_rotated_is_refused(browser: Browser, tmp_path: Path) -> None:
    client = browser()
    assert _log_in(client, token=_token(tmp_path)) == 303
    cookie = client.cookies[COOKIE]
    assert _replay(client) == 200
    new_token = _token(tmp_path)
    assert _replay(client) == 303  # the running server notices the rotation
    assert not _opens(browser(restart=True), cookie)
    assert _log_in(client, token=new_token) == 303


def test_password_logins_are_limited_per_user_name(browser: Browser, tmp_path: Path) -> None:
    """Guesses from many addresses at one user name are throttled, and the correct password waits too
    (it can be guessed: no success may reset the count); another user name is not affected."""
    guesses = [_log_in(browser(address=f"192.0.2.{n}"), user="ops", password=f"guess{n}") for n in range(4)]
    assert guesses == [401, 401, 429, 429]
    assert _log_in(browser(address="192.0.2.50"), user="ops", password="hunter2") == 429
    assert _log_in(browser(address="192.0.2.51"), user="nobody", password="x") == 401


def test_password_logins_are_limited_per_client(browser: Browser) -> None:
    client = browser(address="192.0.2.1")
    codes = [_log_in(client, user=f"user{n}", password="x") for n in range(3)]
    assert codes == [401, 401, 429]
    assert _log_in(client, user="ops", password="hunter2") == 429
    assert _log_in(browser(address="192.0.2.2"), user="ops", password="hunter2") == 303


def test_the_right_token_logs_in_next_to_a_guessing_client(browser: Browser, tmp_path: Path) -> None:
    token = _token(tmp_path)
    client = browser()
    assert [_log_in(client, token="wrong") for _ in range(3)] == [401, 401, 429]
    assert _log_in(client, token=token) == 303


@pytest.mark.parametrize(("proxies", "secure"), [("127.0.0.1", True), ("", False), ("10.0.0.0/8", False)])
def test_the_cookie_is_secure_only_for_https_forwarded_by_a_trusted_proxy(
    browser: Browser, tmp_path: Path, proxies: str, secure: bool
) -> None:
    token = _token(tmp_path)
    client = browser(proxies=proxies)
    answer = client.post(
        "/bridge/login",
        data={"token": token},
        headers={"x-forwarded-proto": "https"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    flags = [part.strip().lower() for part in answer.headers["set-cookie"].split(";")]
    assert ("secure" in flags) is secure


def test_every_bridge_page_carries_the_security_headers(browser: Browser, tmp_path: Path) -> None:
    client = browser()
    paths = ["/bridge/login", "/bridge/static/htmx.min.js", "/bridge/static/bridge.css", "/bridge/nowhere"]
    paths += [
        re.sub(r"\{[^}]+\}", "x", route.path)
        for router in bridge_app.ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in (route.methods or ())
    ]
    anonymous = [client.get(path, follow_redirects=False) for path in paths]
    assert _log_in(client, token=_token(tmp_path)) == 303
    logged_in = [client.get(path, follow_redirects=False) for path in paths]
    assert len(paths) > 10
    for answer in anonymous + logged_in:
        where = f"{answer.request.url} ({answer.status_code})"
        assert answer.headers.get("content-security-policy") == BRIDGE_POLICY, where
        assert answer.headers.get("x-frame-options") == "DENY", where
        assert answer.headers.get("x-content-type-options") == "nosniff", where
    assert "frame-ancestors 'none'" in BRIDGE_POLICY
    assert "'unsafe-inline'" not in BRIDGE_POLICY.split("script-src")[1].split(";")[0]


def test_api_answers_are_not_sniffed(browser: Browser) -> None:
    client = browser()
    for answer in (client.get("/health"), client.get("/api/v1/metadata")):
        assert answer.headers.get("x-content-type-options") == "nosniff"
        assert "content-security-policy" not in answer.headers


def test_no_template_has_inline_scripts() -> None:
    """The policy allows scripts from the Bridge's own files only: no template may need more."""
    templates = Path(bridge_app.__file__).parent / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert not re.search(r"\son[a-z]+\s*=|javascript:|hx-on", text), template.name
