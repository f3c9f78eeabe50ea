"""The OpenAPI document as the server behaves: the x-token scheme, Keptn's error body for every status
a route can answer, query schemas as strict as the routes, and 405 answers whose ``Allow`` lists the
methods the document declares for the path."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from slogate.api.auth import TOKEN_HEADER
from slogate.api.errors import error_response
from slogate.api.openapi_schemas import refine_bodies, refine_parameters

SCHEME = "x-token"
PUBLIC_PATHS = frozenset({"/health", "/ready"})  # answered without a token
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "description": "Keptn's error body",
    "required": ["code", "message"],
    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
}
REASONS = {
    400: "Bad request: a parameter or the body is invalid (the message names it)",
    401: "Missing or invalid API token (send it in the x-token header)",
    403: "Forbidden: the token's role does not allow this here (the message names the role needed)",
    404: "Not found: the project, stage, service, resource or item does not exist",
    409: "Conflict: it exists already, or was changed concurrently",
    413: "Request body too large",
    429: "Too many failed authentication attempts from this client: retry later",
    500: "Unexpected failure of the server",
    501: "Not implemented by slogate",
}
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Operations that can answer 409 (creations, and writes that may meet a concurrent one).
CONFLICTS = frozenset(
    {
        ("post", "/api/v1/event"),
        ("post", "/api/controlPlane/v1/project"),
        ("post", "/api/controlPlane/v1/project/{project}/service"),
        ("post", "/api/controlPlane/v1/sequence/{project}/{keptnContext}/control"),
        ("post", "/api/controlPlane/v1/uniform/registration"),
        ("post", "/api/secrets/v1/secret"),
    }
)
# Operations without a path parameter that still look something up (404 when it is missing).
LOOKUPS = frozenset(
    {
        ("put", "/api/controlPlane/v1/project"),
        ("get", "/api/controlPlane/v1/sequence-execution"),
        ("put", "/api/secrets/v1/secret"),
        ("delete", "/api/secrets/v1/secret"),
    }
)
NOT_IMPLEMENTED = frozenset({("post", "/api/v1/import")})


def install_openapi(app: FastAPI) -> None:
    """Serve the honest document at ``app.openapi_url`` and fix the ``Allow`` header of 405 answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = honest_schema(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    async def method_not_allowed(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        response = error_response(405, str(error.detail))
        declared = allowed_methods(openapi(), request.url.path)
        allow = ", ".join(declared) if declared else (error.headers or {}).get("Allow", "")
        response.headers["allow"] = allow  # routes outside the document (the Bridge) keep Starlette's
        return response

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(405, method_not_allowed)


def honest_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (FastAPI's) with the security scheme, the error responses and strict query schemas."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": TOKEN_HEADER,
        "description": "The API token (slogate token show); an Authorization: Bearer header works too",
    }
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                _operation(method, path, item[method])
    refine_bodies(schemas)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return schema


def _operation(method: str, path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)  # validation errors answer 400, as Keptn's do
    refine_parameters(method, path, operation)
    for code in sorted(status_codes(method, path, operation)):
        responses.setdefault(
            str(code),
            {"description": REASONS[code], "content": {"application/json": {"schema": ERROR_REF}}},
        )
    if path not in PUBLIC_PATHS:
        operation["security"] = [{SCHEME: []}]


def status_codes(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses ``method path`` can answer."""
    if path in PUBLIC_PATHS:
        return set()
    codes = {401, 403, 429, 500}
    if operation.get("parameters") or "requestBody" in operation:
        codes.add(400)
    if "requestBody" in operation:
        codes.add(413)
    if "{" in path or (method, path) in LOOKUPS:
        codes.add(404)
    if (method, path) in CONFLICTS:
        codes.add(409)
    if (method, path) in NOT_IMPLEMENTED:
        codes.add(501)
    return codes


def allowed_methods(schema: dict[str, Any], path: str) -> list[str]:
    """The methods the document declares for the template matching ``path`` (a parameter named
    ``resourceURI`` spans several segments, as the route's path convertor does)."""
    methods: set[str] = set()
    for template, item in schema.get("paths", {}).items():
        if _template_regex(template).fullmatch(path):
            methods.update(method.upper() for method in _METHODS if method in item)
    return sorted(methods)


def _template_regex(template: str) -> re.Pattern[str]:
    def parameter(match: re.Match[str]) -> str:
        return ".+" if match.group(1) == "resourceURI" else "[^/]+"

    return re.compile(
        re.sub(r"\{([^}]+)\}", parameter, re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
    )
