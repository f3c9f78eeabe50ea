"""Request body limits: 64 KB for events (Keptn's MAX_EVENT_SIZE_KB), a larger one for resources."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slogate.errors import TooLargeError

EVENT_PATH = "/api/v1/event"


class BodyTooLargeError(TooLargeError):
    """Raised inside the receive wrapper when a streamed body passes the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds the limit of {limit // 1024} KB")


class BodyLimit:
    """ASGI middleware answering 413 with Keptn's error body when a request body is too large."""

    def __init__(self, app: ASGIApp, event_limit: int, default_limit: int) -> None:
        self.app = app
        self.event_limit = event_limit
        self.default_limit = default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.event_limit if scope["path"].rstrip("/") == EVENT_PATH else self.default_limit
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLargeError(limit)
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLargeError:
            await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"code": 413, "message": f"request body exceeds the limit of {limit // 1024} KB"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
