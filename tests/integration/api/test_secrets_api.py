"""Keptn's secret-service API: create, update, list without values, delete, scopes, refusals, auth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from slogate.adapters.secret_box import SecretBox
from slogate.adapters.store.secret_repository import SqlSecretStore
from slogate.api import secrets
from slogate.errors import NotFoundError
from slogate.ports import SecretReader
from slogate.server_context import ServerContext
from slogate.services.usecases.secrets import SecretService
from tests.support.engines import engine_of

SECRET = "/api/secrets/v1/secret"
SCOPE = "/api/secrets/v1/scope"
NAME = "prometheus-credentials-sockshop"
PASSWORD = "hunter2-never-shown"
DATA = {
    "PROMETHEUS_URL": "http://127.0.0.1:9090",
    "PROMETHEUS_USER": "admin",
    "PROMETHEUS_PASSWORD": PASSWORD,
}
BODY = {"name": NAME, "scope": "keptn-prometheus-service", "data": DATA}
SCOPE_LIST = (
    "datadog-service, dynatrace-service, keptn-default, keptn-prometheus-service, keptn-webhook-service, "
    "sumologic-service"
)
DNS_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com')"
)
KEY_RULE = (
    "a valid key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name' or 'KEY_NAME')"
)
TOO_LONG = "name and key values must be no more than 253 characters"


def wire(client: TestClient, context: ServerContext) -> SecretService:
    """Give the client's app a secret service over the context's database and data dir."""
    box = SecretBox.in_data_dir(context.settings.data_dir)
    service = SecretService(SqlSecretStore(engine_of(context), box))
    app = cast(FastAPI, client.app)
    app.state.secrets = service  # for tests that call the service directly
    app.dependency_overrides[secrets.secret_service] = lambda: service
    return service


@pytest.fixture
def api(make_client: Callable[..., TestClient], context: ServerContext) -> TestClient:
    """A client of an app with the secret routes, wired to a fresh database, sending the token."""
    client = make_client(routers=[secrets.router])
    wire(client, context)
    return client


def service_of(api: TestClient) -> SecretService:
    """The secret service wired into the client's app."""
    service: SecretService = cast(FastAPI, api.app).state.secrets
    return service


def test_create_answers_201_without_values(api: TestClient) -> None:
    """POST /secret stores the secret and answers its name, scope and keys, never the values."""
    answer = api.post(SECRET, json=BODY)

    assert answer.status_code == 201
    assert answer.json() == {
        "name": NAME,
        "scope": "keptn-prometheus-service",
        "keys": ["PROMETHEUS_PASSWORD", "PROMETHEUS_URL", "PROMETHEUS_USER"],
    }
    assert PASSWORD not in answer.text
    assert service_of(api).values(NAME, "keptn-prometheus-service") == DATA


def test_create_defaults_to_keptn_default_scope(api: TestClient) -> None:
    """Without a scope the secret gets keptn-default, as in Keptn."""
    answer = api.post(SECRET, json={"name": "my-secret", "data": {"token": "x"}})

    assert answer.status_code == 201
    assert answer.json()["scope"] == "keptn-default"


def test_list_shows_names_scopes_and_keys_only(api: TestClient) -> None:
    """GET /secret answers Keptn's {"Secrets": [...]}, sorted by name, with no value anywhere."""
    api.post(SECRET, json=BODY)
    api.post(
        SECRET, json={"name": "a-webhook-token", "scope": "keptn-webhook-service", "data": {"token": "t0k"}}
    )

    answer = api.get(SECRET)

    assert answer.status_code == 200
    assert answer.json() == {
        "Secrets": [
            {"name": "a-webhook-token", "scope": "keptn-webhook-service", "keys": ["token"]},
            {
                "name": NAME,
                "scope": "keptn-prometheus-service",
                "keys": ["PROMETHEUS_PASSWORD", "PROMETHEUS_URL", "PROMETHEUS_USER"],
            },
        ]
    }
    assert PASSWORD not in answer.text
    assert "t0k" not in answer.text


def test_list_when_empty(api: TestClient) -> None:
    """No secrets: an empty list."""
    assert api.get(SECRET).json() == {"Secrets": []}


def test_create_of_an_existing_name_is_a_conflict(api: TestClient) -> None:
    """A second POST with the same name (any scope) is 409; the first secret is unchanged."""
    api.post(SECRET, json=BODY)

    answer = api.post(SECRET, json={"name": NAME, "data": {"other": "x"}})

    assert answer.status_code == 409
    assert answer.json() == {
        "code": 409,
        "message": f"Unable to create secret: secret '{NAME}' already exists",
    }
    assert service_of(api).values(NAME) == DATA


def test_update_replaces_the_data(api: TestClient) -> None:
    """PUT /secret replaces the map; keys not sent are gone; the scope is kept when not given."""
    api.post(SECRET, json=BODY)

    answer = api.put(SECRET, json={"name": NAME, "data": {"PROMETHEUS_URL": "http://127.0.0.1:9091"}})

    assert answer.status_code == 200
    assert answer.json() == {"name": NAME, "scope": "keptn-prometheus-service", "keys": ["PROMETHEUS_URL"]}
    assert service_of(api).values(NAME) == {"PROMETHEUS_URL": "http://127.0.0.1:9091"}


def test_update_can_change_the_scope(api: TestClient) -> None:
    """A scope given on PUT replaces the stored one."""
    api.post(SECRET, json=BODY)

    answer = api.put(SECRET, json={"name": NAME, "scope": "keptn-default", "data": DATA})

    assert answer.json()["scope"] == "keptn-default"
    assert api.get(SECRET).json()["Secrets"][0]["scope"] == "keptn-default"


def test_update_of_a_missing_secret_is_not_found(api: TestClient) -> None:
    """PUT of a name that does not exist is 404 and creates nothing."""
    answer = api.put(SECRET, json={"name": "missing", "data": {"a": "b"}})

    assert answer.status_code == 404
    assert answer.json() == {"code": 404, "message": "Unable to update secret: secret 'missing' not found"}
    assert api.get(SECRET).json() == {"Secrets": []}


def test_delete_answers_200_with_an_empty_body(api: TestClient) -> None:
    """DELETE /secret?name=&scope= removes the secret; the body is empty, as in Keptn."""
    api.post(SECRET, json=BODY)

    answer = api.delete(SECRET, params={"name": NAME, "scope": "keptn-prometheus-service"})

    assert answer.status_code == 200
    assert answer.content == b""
    assert api.get(SECRET).json() == {"Secrets": []}


def test_delete_of_a_missing_secret_or_other_scope_is_not_found(api: TestClient) -> None:
    """Deleting a name that does not exist, or in another scope than its own, is 404; nothing is removed."""
    api.post(SECRET, json=BODY)

    wrong_scope = api.delete(SECRET, params={"name": NAME, "scope": "keptn-default"})
    missing = api.delete(SECRET, params={"name": "nope", "scope": "keptn-default"})

    assert wrong_scope.status_code == missing.status_code == 404
    assert wrong_scope.json() == {
        "code": 404,
        "message": f"Unable to delete secret: secret '{NAME}' not found in scope 'keptn-default'",
    }
    assert len(api.get(SECRET).json()["Secrets"]) == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": NAME}, "Invalid request format: query.scope: Field required"),
        ({"scope": "keptn-default"}, "Invalid request format: query.name: Field required"),
        ({"name": NAME, "scope": "unknown"}, f"scope 'unknown' is not available; use one of: {SCOPE_LIST}"),
    ],
)
def test_delete_needs_name_and_a_known_scope(api: TestClient, params: dict[str, str], message: str) -> None:
    """DELETE without name or scope, or with an unknown scope, is 400."""
    answer = api.delete(SECRET, params=params)

    assert answer.status_code == 400
    assert answer.json() == {"code": 400, "message": message}


def test_scopes(api: TestClient) -> None:
    """GET /scope lists Keptn's four scopes, sorted."""
    answer = api.get(SCOPE)

    assert answer.status_code == 200
    assert answer.json() == {
        "scopes": [
            "datadog-service",
            "dynatrace-service",
            "keptn-default",
            "keptn-prometheus-service",
            "keptn-webhook-service",
            "sumologic-service",
        ]
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**BODY, "scope": "kube-system"}, f"scope 'kube-system' is not available; use one of: {SCOPE_LIST}"),
        (
            {**BODY, "name": "Prometheus_Credentials"},
            f"invalid secret name 'Prometheus_Credentials': {DNS_RULE}",
        ),
        ({**BODY, "name": "-leading-dash"}, f"invalid secret name '-leading-dash': {DNS_RULE}"),
        ({**BODY, "name": "a" * 254}, f"invalid secret name: {TOO_LONG}"),
        ({**BODY, "data": {"bad key": "x"}}, f"invalid secret key 'bad key': {KEY_RULE}"),
        ({**BODY, "data": {"k": 1}}, "Invalid request format: data.k: Input should be a valid string"),
        ({"scope": "keptn-default", "data": {}}, "Invalid request format: name: Field required"),
        (
            {**BODY, "data": {"big": "x" * (1024 * 1024)}},
            "secret data is 1025 KB, more than the limit of 1024 KB",
        ),
    ],
)
def test_invalid_secrets_are_refused_and_not_stored(
    api: TestClient, body: dict[str, Any], message: str
) -> None:
    """Unknown scopes, bad names or keys, non-string values and oversized data are 400; nothing is kept."""
    created = api.post(SECRET, json=body)
    api.post(SECRET, json={"name": NAME, "data": {"k": "v"}})
    updated = api.put(SECRET, json={**body, "name": body.get("name", NAME)}) if "name" in body else created

    assert created.status_code == 400
    assert created.json() == {"code": 400, "message": message}
    assert updated.status_code == 400
    names = [secret["name"] for secret in api.get(SECRET).json()["Secrets"]]
    assert names == [NAME]
    assert service_of(api).values(NAME) == {"k": "v"}


def test_values_are_encrypted_in_the_database(api: TestClient, context: ServerContext) -> None:
    """The stored row does not contain the password; the key file is in the data dir with mode 0600."""
    api.post(SECRET, json=BODY)

    with engine_of(context).connect() as connection:
        stored = " ".join(str(value) for value in connection.execute(text("SELECT * FROM secrets")).one())

    assert PASSWORD not in stored
    assert "admin" not in stored
    key_file = context.settings.data_dir / "secrets.key"
    assert key_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", SECRET), ("PUT", SECRET), ("GET", SECRET), ("DELETE", SECRET), ("GET", SCOPE)],
)
def test_every_route_needs_the_token(
    make_client: Callable[..., TestClient], context: ServerContext, method: str, path: str
) -> None:
    """Without the token every secret route answers 401 and nothing is stored."""
    anonymous = make_client(routers=[secrets.router], token=None)
    service = wire(anonymous, context)

    answer = anonymous.request(method, path, json=BODY, params={"name": NAME, "scope": "keptn-default"})

    assert answer.status_code == 401
    assert answer.json()["code"] == 401
    assert service.list() == []


def test_secret_reader_for_the_sli_service(api: TestClient) -> None:
    """SecretService.secret (the SecretReader) returns the values only for the right name and scope."""
    api.post(SECRET, json=BODY)
    service = service_of(api)
    reader: SecretReader = service  # the port the SLI service depends on

    assert reader.secret(NAME, "keptn-prometheus-service") == DATA
    assert reader.secret(NAME, "keptn-default") is None
    assert reader.secret("prometheus-credentials-other", "keptn-prometheus-service") is None
    with pytest.raises(NotFoundError, match="secret 'nope' not found in scope 'keptn-default'"):
        service.values("nope", "keptn-default")
