"""A small world for the access tests: a server context, projects alpha and beta, and one token per role."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.domain.access import Grant, Principal, Role
from slogate.server_context import ServerContext
from slogate.settings import Settings
from tests.support.engines import dispose_engine

ADMIN_TOKEN = "access-test-token-0123456789abcdefghijklmnopqrs"
CP = "/api/controlPlane/v1"
SHIPYARD = """apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: s}
spec:
  stages:
    - {name: dev, sequences: [{name: delivery, tasks: [{name: deployment}]}]}
    - {name: production, sequences: [{name: delivery, tasks: [{name: approval}, {name: deployment}]}]}
"""

# Role name in the tests → (role, project, stages) of its token
ROLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "admin": ("admin", "", ()),
    "auditor": ("auditor", "", ()),
    "viewer": ("viewer", "alpha", ()),
    "operator": ("operator", "alpha", ()),
    "operator-production": ("operator", "alpha", ("production",)),
    "maintainer": ("maintainer", "alpha", ()),
    "owner": ("owner", "alpha", ()),
    "integration": ("integration", "alpha", ()),
    "outsider": ("owner", "beta", ()),
}


def principal(role: str) -> Principal:
    """The principal a test role's token stands for."""
    name, project, stages = ROLES[role]
    return Principal(role, "token", (Grant(Role(name), project, frozenset(stages)),))


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass
class World:
    """The context, an admin client and a token per role."""

    context: ServerContext
    admin: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, token: str | None) -> TestClient:
        """A client of the same app sending ``token``."""
        client = TestClient(self.admin.app, raise_server_exceptions=True)
        if token is not None:
            client.headers["x-token"] = token
        return client

    def as_role(self, role: str) -> TestClient:
        return self.client(self.tokens[role])


def create_project(client: TestClient, name: str) -> None:
    """A project with stages dev and production and the service svc."""
    answer = client.post(f"{CP}/project", json={"name": name, "shipyard": b64(SHIPYARD)})
    assert answer.status_code == 201, answer.text
    answer = client.post(f"{CP}/project/{name}/service", json={"serviceName": "svc"})
    assert answer.status_code == 200, answer.text


def make_token(
    client: TestClient, name: str, role: str, project: str = "", stages: tuple[str, ...] = ()
) -> str:
    body = {"name": name, "role": role, "project": project, "stages": list(stages)}
    answer = client.post("/api/slogate/v1/tokens", json=body)
    assert answer.status_code == 201, answer.text
    token = answer.json()["token"]
    assert isinstance(token, str)
    return token


def settings_for(data_dir: Path, database_url: str = "") -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_token=ADMIN_TOKEN)  # type: ignore[arg-type]


@contextmanager
def world(data_dir: Path, database_url: str = "") -> Iterator[World]:
    """Projects alpha and beta (with a secret each, and a global one) and a token per test role."""
    context = bootstrap.server_context(settings_for(data_dir, database_url))
    admin = TestClient(bootstrap.api_app(context), raise_server_exceptions=True)
    admin.headers["x-token"] = ADMIN_TOKEN
    try:
        for project in ("alpha", "beta"):
            create_project(admin, project)
            secret = {"name": f"{project}-secret", "data": {"k": project}, "project": project}
            assert admin.post("/api/secrets/v1/secret", json=secret).status_code == 201
        assert (
            admin.post("/api/secrets/v1/secret", json={"name": "global", "data": {"k": "g"}}).status_code
            == 201
        )
        built = World(context, admin)
        for role, (name, project, stages) in ROLES.items():
            built.tokens[role] = make_token(admin, f"t-{role}", name, project, stages)
        yield built
    finally:
        admin.close()
        dispose_engine(context)
        context.close()
