"""The OpenAPI document tells clients the truth: the x-token scheme, every error status a route can
answer with Keptn's error schema, no 422 the server never sends, and 405 answers whose Allow header
lists exactly the methods the document declares for the path."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

METHODS = ("get", "put", "post", "delete", "patch")
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def document(anonymous: TestClient) -> dict[str, Any]:
    """The served document (it needs no token, as before)."""
    answer = anonymous.get("/api/openapi.json")
    assert answer.status_code == 200
    served: dict[str, Any] = answer.json()
    return served


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_the_token_scheme_is_declared(document: dict[str, Any]) -> None:
    """Clients generated from the document send the x-token header."""
    assert document["components"]["securitySchemes"]["x-token"] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-token",
        "description": "The API token (slogate token show); an Authorization: Bearer header works too",
    }
    assert document["components"]["schemas"]["Error"]["required"] == ["code", "message"]


def test_every_operation_but_health_needs_the_token(document: dict[str, Any]) -> None:
    """/health and /ready are public; every other operation declares the scheme and lists 401 and 429."""
    operations = _operations(document)
    assert len(operations) >= 60
    for method, path, operation in operations:
        if path in ("/health", "/ready"):
            assert "security" not in operation
            assert set(operation["responses"]) == ({"200"} if path == "/health" else {"200", "503"})
            continue
        assert operation["security"] == [{"x-token": []}], (method, path)
        for code in ("401", "429", "500"):
            assert operation["responses"][code]["content"]["application/json"]["schema"] == ERROR_REF


def test_error_statuses_are_listed_where_routes_answer_them(document: dict[str, Any]) -> None:
    """400 for any input, 413 for a body, 404 for a lookup, 409 for creations, 501 for the import;
    never FastAPI's 422 (validation errors answer 400, as Keptn's)."""
    for method, path, operation in _operations(document):
        codes = set(operation["responses"])
        assert "422" not in codes, (method, path)
        if operation.get("parameters") or "requestBody" in operation:
            assert "400" in codes, (method, path)
        if "requestBody" in operation:
            assert "413" in codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
    paths = document["paths"]
    assert "409" in paths["/api/controlPlane/v1/project"]["post"]["responses"]
    assert "409" in paths["/api/secrets/v1/secret"]["post"]["responses"]
    assert "404" in paths["/api/secrets/v1/secret"]["delete"]["responses"]
    assert "501" in paths["/api/v1/import"]["post"]["responses"]
    assert {"200", "201"} <= set(paths["/api/controlPlane/v1/uniform/registration"]["post"]["responses"])
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_query_schemas_are_as_strict_as_the_routes(document: dict[str, Any]) -> None:
    """The datastore's pageSize and limit are integers 1–100 and excludeInvalidated a boolean, as the
    route reads them; its filter is required; page keys elsewhere are digits; times are date-times."""
    paths = document["paths"]

    def parameters(path: str, method: str = "get") -> dict[str, dict[str, Any]]:
        return {parameter["name"]: parameter for parameter in paths[path][method]["parameters"]}

    events = parameters("/api/mongodb-datastore/event")
    by_type = parameters("/api/mongodb-datastore/event/type/{event_type}")
    page_size = events["pageSize"]["schema"]
    assert (page_size["type"], page_size["minimum"], page_size["maximum"]) == ("integer", 1, 100)
    assert by_type["limit"]["schema"]["type"] == "integer"
    assert by_type["excludeInvalidated"]["schema"]["type"] == "boolean"
    assert by_type["filter"]["required"] is True
    assert events["fromTime"]["schema"]["format"] == "date-time"
    projects = parameters("/api/controlPlane/v1/project")
    assert projects["nextPageKey"]["schema"]["pattern"] == "^[0-9]{0,18}$"
    assert parameters("/api/controlPlane/v1/sequence-execution")["project"]["required"] is True
    secret = parameters("/api/secrets/v1/secret", "delete")
    assert secret["scope"]["schema"]["enum"] == [
        "datadog-service",
        "dynatrace-service",
        "keptn-default",
        "keptn-prometheus-service",
        "keptn-webhook-service",
        "sumologic-service",
    ]


def test_body_schemas_state_what_the_routes_require(document: dict[str, Any]) -> None:
    """Required names with Keptn's patterns, base64 content, at least one resource."""
    schemas = document["components"]["schemas"]
    assert schemas["ProjectIn"]["required"] == ["name"]
    assert schemas["ProjectIn"]["properties"]["name"]["pattern"].startswith("^[a-z]")
    assert schemas["ServiceIn"]["properties"]["serviceName"]["maxLength"] == 43
    assert "pattern" in schemas["ContentIn"]["properties"]["resourceContent"]
    assert schemas["ResourcesIn"]["properties"]["resources"]["minItems"] == 1
    assert schemas["SubscriptionIn"]["required"] == ["event"]
    assert schemas["LogEntryIn"]["properties"]["time"]["format"] == "date-time"


def _concrete(path: str) -> str:
    """A request path for a template: every parameter becomes a value (the URI one with a slash)."""
    return re.sub(
        r"\{([^}]+)\}", lambda match: "dir/file.yaml" if match.group(1) == "resourceURI" else "x1", path
    )


def test_options_is_405_and_allow_lists_the_declared_methods(
    document: dict[str, Any], client: TestClient
) -> None:
    """OPTIONS is answered 405 on every path (slogate has no CORS), with Keptn's body and an Allow
    header naming every method the document declares for that path, not only the first route's."""
    for path, item in document["paths"].items():
        answer = client.options(_concrete(path))
        declared = sorted(method.upper() for method in METHODS if method in item)
        assert answer.status_code == 405, path
        assert answer.json() == {"code": 405, "message": "Method Not Allowed"}
        assert answer.headers["allow"] == ", ".join(declared), path


def test_a_wrong_method_names_all_methods_of_the_path(client: TestClient) -> None:
    """PATCH on the project collection: Allow names GET, POST and PUT (three routes)."""
    answer = client.patch("/api/controlPlane/v1/project")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST, PUT"
