"""What the routes accept, said in the OpenAPI document: name patterns, required fields, base64 and
time formats that FastAPI cannot derive from the request models (they stay lenient so that the
routes can answer Keptn's own messages)."""

from __future__ import annotations

from typing import Any

from slogate.services.usecases.secrets import SCOPES

ENTITY_NAME = "^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$"  # Keptn's project, stage and service names
SECRET_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"  # RFC 1123 subdomain
BASE64 = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
RESOURCE_URI = "^(?!.*(~|\\.\\.))[^\\u0000-\\u001f\\u007f]+$"  # no control characters, '~' or '..'
SCOPE = {"type": "string", "enum": list(SCOPES)}
FILTER = "^([^ ]+:[^ ]+ AND )*(data\\.project|shkeptncontext):[a-z0-9-]+( AND [^ ]+:[^ ]+)*$"
TIME = {"type": "string", "format": "date-time"}
PAGE_KEY = {"type": "string", "pattern": "^[0-9]{0,18}$"}
DATASTORE = "/api/mongodb-datastore/"

# Query and path parameters by name: (schema, required); the datastore reads some of them as Go does.
PARAMETERS: dict[str, tuple[dict[str, Any], bool]] = {
    "fromTime": (TIME, False),
    "beforeTime": (TIME, False),
    "resourceURI": ({"type": "string", "pattern": RESOURCE_URI}, True),
}
DATASTORE_PARAMETERS: dict[str, tuple[dict[str, Any], bool]] = {
    "pageSize": ({"type": "integer", "minimum": 1, "maximum": 100}, False),
    "limit": ({"type": "integer", "minimum": 1, "maximum": 100}, False),
    "excludeInvalidated": ({"type": "boolean"}, False),
    "filter": ({"type": "string", "pattern": FILTER}, True),
}
OPERATION_PARAMETERS: dict[tuple[str, str], dict[str, tuple[dict[str, Any], bool]]] = {
    ("get", "/api/controlPlane/v1/sequence-execution"): {
        "project": ({"type": "string", "minLength": 1}, True)
    },
    ("delete", "/api/secrets/v1/secret"): {
        "name": ({"type": "string", "pattern": SECRET_NAME}, True),
        "scope": (SCOPE, True),
    },
}

# Request body models: required fields and property schemas.
BODIES: dict[str, tuple[list[str], dict[str, dict[str, Any]]]] = {
    "ProjectIn": (["name"], {"name": {"type": "string", "pattern": ENTITY_NAME, "maxLength": 200}}),
    "ServiceIn": (
        ["serviceName"],
        {"serviceName": {"type": "string", "pattern": ENTITY_NAME, "maxLength": 43}},
    ),
    "SecretIn": (
        ["name"],
        {
            "name": {"type": "string", "pattern": SECRET_NAME, "maxLength": 253},
            "scope": SCOPE,
            "data": {
                "type": "object",
                "propertyNames": {"pattern": "^[-._a-zA-Z0-9]+$", "maxLength": 253},
                "additionalProperties": {"type": "string"},
            },
        },
    ),
    "IntegrationIn": (["name"], {"name": {"type": "string", "minLength": 1}}),
    "SubscriptionIn": (["event"], {"event": {"type": "string", "minLength": 1}}),
    "ResourceIn": (
        ["resourceURI"],
        {
            "resourceURI": {"type": "string", "pattern": RESOURCE_URI},
            "resourceContent": {"type": "string", "pattern": BASE64},
        },
    ),
    "ContentIn": ([], {"resourceContent": {"type": "string", "pattern": BASE64}}),
    "LogEntryIn": ([], {"time": TIME}),
}
MIN_ITEMS = {("ResourcesIn", "resources"): 1}


def refine_parameters(method: str, path: str, operation: dict[str, Any]) -> None:
    """Give the operation's parameters the schemas (and required flags) the route enforces."""
    special = OPERATION_PARAMETERS.get((method, path), {})
    for parameter in operation.get("parameters", ()):
        name = parameter["name"]
        found = special.get(name) or (DATASTORE_PARAMETERS.get(name) if path.startswith(DATASTORE) else None)
        if found is None and name == "nextPageKey" and parameter["in"] == "query":
            found = (
                (PAGE_KEY, False)
                if _is_text(parameter["schema"]) and not path.startswith(DATASTORE)
                else None
            )
        found = found or PARAMETERS.get(name)
        if found is not None:
            schema, required = found
            parameter["schema"] = {**schema, **_kept(parameter["schema"])}
            parameter["required"] = parameter.get("required", False) or required


def refine_bodies(schemas: dict[str, Any]) -> None:
    """Mark the fields the routes require and the shapes they accept in the body models."""
    for model, (required, properties) in BODIES.items():
        if model not in schemas:
            continue
        schema = schemas[model]
        schema["required"] = sorted({*schema.get("required", ()), *required})
        for name, refined in properties.items():
            schema["properties"][name] = {**refined, **_kept(schema["properties"][name])}
    for (model, field), minimum in MIN_ITEMS.items():
        if model in schemas:
            schemas[model]["properties"][field]["minItems"] = minimum


def _is_text(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" or any(
        part.get("type") == "string" for part in schema.get("anyOf", ())
    )


def _kept(schema: dict[str, Any]) -> dict[str, Any]:
    """What of FastAPI's schema survives a refinement: the title, description and default."""
    return {key: schema[key] for key in ("title", "description", "default") if key in schema}
