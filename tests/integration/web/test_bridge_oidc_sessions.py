"""OpenID sessions of the Bridge (a fake provider behind the port): the login's state and cookie, forged
cookies, logout at the provider, idle sessions, users in many groups, and the audit page."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from slogate.web.session import COOKIE
from tests.support.bridge_users import World, csrf_of, make_world, triggered_id
from tests.support.delivery import TOKEN


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def test_a_tampered_state_or_a_refused_token_gives_no_session(world: World) -> None:
    client = world.browser()
    start = client.get("/bridge/oidc/login", follow_redirects=False)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    tampered = client.get(f"/bridge/oidc/callback?code=olivia&state={state}x")
    assert tampered.status_code == 400
    assert "state does not match" in tampered.text
    assert COOKIE not in client.cookies
    refused = client.get(f"/bridge/oidc/callback?code=mallory&state={state}")
    assert refused.status_code == 400  # the failed attempt dropped the login's cookie
    start = client.get("/bridge/oidc/login", follow_redirects=False)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    wrong = client.get(f"/bridge/oidc/callback?code=mallory&state={state}")
    assert wrong.status_code == 401
    assert "not for this client" in wrong.text
    assert COOKIE not in client.cookies
    stranger = world.browser()  # a callback in a browser that never started the login
    alone = stranger.get(f"/bridge/oidc/callback?code=olivia&state={state}")
    assert alone.status_code == 400
    assert "not started here" in alone.text
    assert COOKIE not in stranger.cookies
    denied = world.browser()
    start = denied.get("/bridge/oidc/login", follow_redirects=False)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    answer = denied.get(
        f"/bridge/oidc/callback?error=access_denied&error_description=no+consent&state={state}"
    )
    assert answer.status_code == 401
    assert "refused the login: no consent" in answer.text


def test_a_forged_session_cookie_claiming_another_user_is_refused(world: World) -> None:
    victor = world.log_in("victor")
    cookie = victor.cookies[COOKIE]
    parts = cookie.split(".")
    identity = json.loads(base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4)))
    assert identity == {"u": "victor", "g": ["readers"]}
    forged = json.dumps({"u": "olivia", "g": ["team-shop"]}).encode()
    parts[3] = base64.urlsafe_b64encode(forged).decode().rstrip("=")
    victor.cookies.clear()
    victor.cookies.set(COOKIE, ".".join(parts), path="/bridge")
    answer = victor.get("/bridge/", follow_redirects=False)
    assert answer.status_code == 303
    assert "/bridge/login" in answer.headers["location"]


def test_logout_ends_the_session_and_goes_on_to_the_provider(world: World) -> None:
    olivia = world.log_in("olivia")
    csrf = csrf_of(olivia.get("/bridge/").text)
    cookie = olivia.cookies[COOKIE]
    out = olivia.post("/bridge/logout", data={"csrf": csrf})
    assert out.status_code == 200
    assert (
        'content="0;url=https://id.example.test/session/end?back=http://testserver/bridge/login"' in out.text
    )
    olivia.cookies.clear()
    olivia.cookies.set(COOKIE, cookie, path="/bridge")
    assert olivia.get("/bridge/", follow_redirects=False).status_code == 303


def test_the_audit_page_shows_refusals_and_logins_to_admins_and_auditors_only(world: World) -> None:
    victor = world.log_in("victor")
    view = victor.get(f"/bridge/project/fulltour/sequence/{world.delivery}")
    waiting = triggered_id(world, "fulltour", world.delivery)
    form = {"csrf": csrf_of(view.text), "triggered_id": waiting, "decision": "approve"}
    assert (
        victor.post(f"/bridge/project/fulltour/sequence/{world.delivery}/approval", data=form).status_code
        == 403
    )
    secret = f"/bridge/project/secret/sequence/{world.secret_delivery}/approval"  # type: ignore[attr-defined]
    assert victor.post(secret, data=form).status_code == 404
    refused = victor.get("/bridge/audit")
    assert refused.status_code == 403
    assert "admin or auditor role" in refused.text
    assert "Audit log" not in victor.get("/bridge/").text

    alice = world.log_in("alice")
    dashboard = alice.get("/bridge/")
    assert 'href="/bridge/audit"' in dashboard.text
    assert 'data-project="fulltour"' in dashboard.text
    assert 'data-project="secret"' in dashboard.text
    assert ">Approve</button>" not in alice.get(f"/bridge/project/fulltour/sequence/{world.delivery}").text
    page = alice.get("/bridge/audit", params={"outcome": "denied", "actor": "victor"})
    assert page.status_code == 200
    rows = re.findall(r'<tr data-testid="audit-row".*?</tr>', page.text, re.S)
    assert len(rows) == 2, rows
    assert "approval.decide" in rows[1]
    assert "fulltour" in rows[1]
    assert "production" in rows[1]
    assert "project.read" in rows[0]
    assert "secret" in rows[0]
    logins = alice.get("/bridge/audit", params={"action": "login"}).text
    assert logins.count('data-testid="audit-row"') == 2  # victor's and alice's

    admin = world.browser()
    admin.post("/bridge/login", data={"token": TOKEN})
    assert admin.get("/bridge/audit").status_code == 200


def test_a_user_in_hundreds_of_groups_keeps_those_with_a_role(world: World) -> None:
    busy = world.log_in("busy")
    assert len(busy.cookies[COOKIE]) < 4000
    assert 'data-project="fulltour"' in busy.get("/bridge/").text


def test_an_idle_session_ends_and_a_page_view_renews_it(world: World) -> None:
    clock = [time.time()]
    world.app.state.bridge_keys._now = lambda: clock[0]
    victor = world.log_in("victor")
    clock[0] += 45 * 60
    page = victor.get("/bridge/")
    assert page.status_code == 200
    assert COOKIE in page.headers["set-cookie"]  # seen now: the idle clock starts again
    clock[0] += 45 * 60  # 90 minutes after the login, 45 after the last view
    assert victor.get("/bridge/project/fulltour").status_code == 200
    clock[0] += 61 * 60
    idle = victor.get("/bridge/", follow_redirects=False)
    assert idle.status_code == 303
    assert idle.headers["location"].startswith("/bridge/login")


def test_a_hostile_user_name_is_shown_escaped(world: World) -> None:
    eve = world.log_in("<img src=x onerror=alert(1)>")
    page = eve.get("/bridge/")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "<img src=x" not in page.text
    assert 'data-project="fulltour"' in page.text
