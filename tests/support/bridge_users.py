"""Bridge users of an OpenID provider, in-process: a fake provider behind the port (the code names the
user), the access file mapping their groups to roles, and a server with projects fulltour and secret,
each with an approval open in production."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

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
    "<img src=x onerror=alert(1)>": ("readers",),
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
        done = client.get(f"/bridge/oidc/callback?code={quote(user)}&state={state}")
        assert done.status_code == 200, done.text
        assert 'http-equiv="refresh"' in done.text
        assert COOKIE in client.cookies
        return client


def make_world(tmp_path: Path) -> Iterator[World]:
    """The world of a test (a generator for a fixture: closes it afterwards)."""
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


def csrf_of(text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', text)
    assert found is not None
    return found.group(1)


def triggered_id(world: World, project: str, delivery: str) -> str:
    answer = world.api.get(
        "/api/controlPlane/v1/event/triggered/sh.keptn.event.approval.triggered", params={"project": project}
    )
    return next(str(event["id"]) for event in answer.json()["events"] if event["shkeptncontext"] == delivery)


def approvals_finished(world: World, project: str) -> int:
    answer = world.api.get(
        "/api/mongodb-datastore/event",
        params={"project": project, "type": "sh.keptn.event.approval.finished"},
    )
    return len(answer.json()["events"])
