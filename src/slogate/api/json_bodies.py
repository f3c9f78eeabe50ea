"""Request bodies of the API are JSON whatever their Content-Type says, as Keptn's API decodes them.

``curl -d '{…}'`` sends ``application/x-www-form-urlencoded``; Keptn reads the body as JSON anyway, so
scripts written against Keptn send it so. The API routes take no forms, so this middleware presents
every body under ``/api/`` as ``application/json``: a body that is JSON is decoded, one that is not is
refused with Keptn's 400 (the error handlers' "Invalid request format" message). The Bridge's forms
(``/bridge``) are left alone.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIX = "/api/"
_JSON = b"application/json"


def is_json_type(value: bytes) -> bool:
    """Whether a Content-Type value is JSON (``application/json``, ``application/*+json``, any params)."""
    media = value.split(b";", 1)[0].strip().lower()
    return media == _JSON or (media.startswith(b"application/") and media.endswith(b"+json"))


class JsonBodies:
    """ASGI middleware: an ``/api/`` request whose Content-Type is not JSON (or missing) is read as JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith(API_PREFIX):
            headers = list(scope.get("headers") or ())
            declared = [value for name, value in headers if name == b"content-type"]
            if not declared or not is_json_type(declared[0]):
                kept = [(name, value) for name, value in headers if name != b"content-type"]
                # in place: the middleware outside (metrics) reads the route the router puts in it
                scope["headers"] = [*kept, (b"content-type", _JSON)]
        await self.app(scope, receive, send)
