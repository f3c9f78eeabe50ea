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
    """/health is public; every other operation declares the scheme and lists 401 and 429."""
    operations = _operations(document)
    assert len(operations) >= 60
    for method, path, operation in operations:
        if path == "/health":
            assert "security" not in operation
            assert set(operation["responses"]) == {"200"}
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
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_datastore_query_schemas_are_as_strict_as_the_route(document: dict[str, Any]) -> None:
    """pageSize and limit are integers 1–100 and excludeInvalidated a boolean, as the route reads them."""
    parameters = {
        parameter["name"]: parameter["schema"]
        for path in ("/api/mongodb-datastore/event", "/api/mongodb-datastore/event/type/{event_type}")
        for parameter in document["paths"][path]["get"]["parameters"]
    }
    assert parameters["pageSize"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert parameters["limit"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert parameters["excludeInvalidated"] == {"type": "boolean"}


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
