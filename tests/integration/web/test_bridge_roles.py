"""The Bridge with OpenID users (a fake provider behind the port): the flow's state and cookie, groups
mapped to roles by the access file, hidden projects answering 404, buttons and their handlers following
the roles, the token login staying admin, logout at the provider."""

from __future__ import annotations

import base64
import html
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.ports.oidc import OidcIdentity, OidcLoginError
from slogate.server_context import ServerContext
from slogate.settings import Settings
from slogate.web.session import COOKIE
from tests.support.delivery import TOKEN, Backend, create_project, settle, trigger_delivery
from tests.support.executors import ScriptedExecutor

GATED = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: gated}
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks:
            - {name: deployment}
            - {name: test}
            - {name: evaluation, properties: {timeframe: 2m}}
            - {name: release}
    - name: production
      sequences:
        - name: delivery
          triggeredOn: [{event: qa.delivery.finished}]
          tasks: [{name: approval, properties: {pass: manual, warning: manual}}, {name: deployment}]
"""
ACCESS = """
groups:
  team-shop: [{project: fulltour, role: operator, stages: [production]}]
  readers: [{project: fulltour, role: viewer}]
  compliance: [{role: auditor}]
"""
USERS = {
    "olivia": ("team-shop",),
    "victor": ("readers",),
    "nobody": ("strangers",),
    "alice": ("compliance",),
    "busy": (*(f"mailing-list-{number:04d}" for number in range(400)), "readers"),
}


@dataclass
class FakeProvider:
    """The port of an OpenID provider: the code names the user; the nonce of the login must come back."""

    nonces: dict[str, str] = field(default_factory=dict)
    display_name: str = "Example ID"

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_challenge: str) -> str:
        self.nonces[state] = nonce
        return (
            f"https://id.example.test/auth?state={state}&challenge={code_challenge}&redirect={redirect_uri}"
        )

    def identity(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> OidcIdentity:
        if code not in USERS:
            raise OidcLoginError("the ID token is for 'another-client', not for this client ('slogate')")
        if nonce not in self.nonces.values() or len(code_verifier) < 43:
            raise OidcLoginError("the ID token's nonce does not match this login: start the login again")
        return OidcIdentity(code, USERS[code], f"sub-{code}")

    def logout_url(self, *, post_logout_redirect_uri: str) -> str | None:
        return f"https://id.example.test/session/end?back={post_logout_redirect_uri}"


@dataclass
class World:
    context: ServerContext
    app: FastAPI
    api: TestClient
    clients: list[TestClient]
    provider: FakeProvider
    delivery: str

    def browser(self) -> TestClient:
        """A browser of the one server (its own cookies)."""
        client = TestClient(self.app)
        self.clients.append(client)
        return client

    def log_in(self, user: str) -> TestClient:
        client = self.browser()
        start = client.get("/bridge/oidc/login?next=/bridge/", follow_redirects=False)
        assert start.status_code == 303
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        done = client.get(f"/bridge/oidc/callback?code={user}&state={state}")
        assert done.status_code == 200, done.text
        assert 'http-equiv="refresh"' in done.text
        assert COOKIE in client.cookies
        return client


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    (tmp_path / "access.yaml").write_text(ACCESS)
    settings = Settings(
        data_dir=tmp_path,
        api_token=TOKEN,  # type: ignore[arg-type]
        prometheus_url="http://127.0.0.1:9",
        access_file=tmp_path / "access.yaml",
    )
    context = bootstrap.server_context(settings, Backend().factory)
    context.dispatcher.subscribe(ScriptedExecutor())
    api = TestClient(bootstrap.server_app(context))
    api.headers["x-token"] = TOKEN
    create_project(api, GATED)
    create_project(api, GATED, project="secret")
    delivery = trigger_delivery(api, "v0.1.1")
    secret_delivery = trigger_delivery(api, "v0.1.1", project="secret")
    settle(context)
    app = bootstrap.server_app(context)
    app.state.oidc_provider = FakeProvider()
    world = World(context, app, api, [api], app.state.oidc_provider, delivery)
    world.secret_delivery = secret_delivery  # type: ignore[attr-defined]
    try:
        yield world
    finally:
        for client in world.clients:
            client.close()
        context.close()


def _csrf(text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', text)
    assert found is not None
    return found.group(1)


def _triggered_id(world: World, project: str, delivery: str) -> str:
    answer = world.api.get(
        "/api/controlPlane/v1/event/triggered/sh.keptn.event.approval.triggered", params={"project": project}
    )
    return next(str(event["id"]) for event in answer.json()["events"] if event["shkeptncontext"] == delivery)


def _approvals_finished(world: World, project: str) -> int:
    answer = world.api.get(
        "/api/mongodb-datastore/event",
        params={"project": project, "type": "sh.keptn.event.approval.finished"},
    )
    return len(answer.json()["events"])


def test_the_login_page_offers_the_provider_only_when_configured(world: World) -> None:
    page = world.browser().get("/bridge/login")
    assert "Log in with Example ID" in page.text
    plain = TestClient(bootstrap.server_app(world.context))
    world.clients.append(plain)
    assert "Log in with" not in plain.get("/bridge/login").text
    assert plain.get("/bridge/oidc/login", follow_redirects=False).status_code == 404


def test_an_operator_sees_only_the_mapped_project_and_approves_in_production(world: World) -> None:
    olivia = world.log_in("olivia")
    dashboard = olivia.get("/bridge/")
    assert 'data-project="fulltour"' in dashboard.text
    assert "secret" not in dashboard.text
    assert 'data-testid="user">olivia<' in dashboard.text
    for path in (
        "/bridge/project/secret",
        "/bridge/project/secret/sequence",
        f"/bridge/project/secret/sequence/{world.secret_delivery}",  # type: ignore[attr-defined]
        f"/bridge/evaluation/{world.secret_delivery}",  # type: ignore[attr-defined]
    ):
        hidden = olivia.get(path)
        assert hidden.status_code == 404, path
        assert "Not allowed" not in hidden.text
    missing = olivia.get("/bridge/project/does-not-exist")
    assert missing.status_code == 404
    assert "Project not found" in missing.text
    assert "Project not found" in olivia.get("/bridge/project/secret").text  # the same page: no leak
    view = olivia.get(f"/bridge/project/fulltour/sequence/{world.delivery}")
    assert ">Approve</button>" in view.text
    answer = olivia.post(
        f"/bridge/project/fulltour/sequence/{world.delivery}/approval",
        data={
            "csrf": _csrf(view.text),
            "triggered_id": _triggered_id(world, "fulltour", world.delivery),
            "decision": "approve",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert _approvals_finished(world, "fulltour") == 1


def test_a_stage_narrowed_operator_may_not_trigger_in_another_stage(world: World) -> None:
    olivia = world.log_in("olivia")
    page = olivia.get("/bridge/project/fulltour")
    assert 'data-testid="trigger-delivery"' in page.text  # production is hers
    form = {"csrf": _csrf(page.text), "service": "helloservice", "image": "repo/app:1"}
    refused = olivia.post("/bridge/project/fulltour/trigger/delivery", data={**form, "stage": "qa"})
    assert refused.status_code == 403
    assert "may not sequence.trigger" in refused.text
    assert "in stage 'qa'" in html.unescape(refused.text)
    hidden = olivia.post("/bridge/project/secret/trigger/delivery", data={**form, "stage": "qa"})
    assert hidden.status_code == 404


def test_a_viewer_has_no_buttons_and_a_forged_post_is_refused(world: World) -> None:
    victor = world.log_in("victor")
    view = victor.get(f"/bridge/project/fulltour/sequence/{world.delivery}")
    assert view.status_code == 200
    assert ">Approve</button>" not in view.text
    assert 'data-testid="controls"' not in view.text
    assert 'data-testid="approval-not-allowed"' in view.text
    assert 'data-testid="trigger-delivery"' not in victor.get("/bridge/project/fulltour").text
    csrf = _csrf(view.text)
    forged = victor.post(
        f"/bridge/project/fulltour/sequence/{world.delivery}/approval",
        data={
            "csrf": csrf,
            "triggered_id": _triggered_id(world, "fulltour", world.delivery),
            "decision": "approve",
        },
    )
    assert forged.status_code == 403
    reason = "user 'victor' may not approval.decide: it needs role operator or higher on project 'fulltour'"
    assert reason in html.unescape(forged.text)
    assert _approvals_finished(world, "fulltour") == 0
    control = victor.post(
        f"/bridge/project/fulltour/sequence/{world.delivery}/control", data={"csrf": csrf, "state": "abort"}
    )
    assert control.status_code == 403
    evaluations = world.api.get(
        "/api/mongodb-datastore/event",
        params={"project": "fulltour", "type": "sh.keptn.event.evaluation.finished"},
    ).json()["events"]
    event = evaluations[0]
    board = victor.get(f"/bridge/evaluation/{event['shkeptncontext']}/{event['id']}")
    assert board.status_code == 200
    assert "Ignore for comparison" not in board.text
    invalidate = victor.post(
        f"/bridge/evaluation/{event['shkeptncontext']}/{event['id']}/invalidate", data={"csrf": csrf}
    )
    assert invalidate.status_code == 403


def test_a_user_without_a_grant_sees_a_page_saying_so(world: World) -> None:
    nobody = world.log_in("nobody")
    page = nobody.get("/bridge/")
    assert page.status_code == 200
    assert 'data-testid="no-access"' in page.text
    assert "fulltour" not in page.text
    assert nobody.get("/bridge/project/fulltour").status_code == 404


def test_the_token_login_stays_admin(world: World) -> None:
    admin = world.browser()
    assert admin.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
    page = admin.get("/bridge/")
    assert 'data-project="fulltour"' in page.text
    assert 'data-project="secret"' in page.text
    view = admin.get(f"/bridge/project/secret/sequence/{world.secret_delivery}")  # type: ignore[attr-defined]
    assert ">Approve</button>" in view.text


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
    csrf = _csrf(olivia.get("/bridge/").text)
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
    triggered_id = _triggered_id(world, "fulltour", world.delivery)
    form = {"csrf": _csrf(view.text), "triggered_id": triggered_id, "decision": "approve"}
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
