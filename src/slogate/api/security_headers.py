"""Security headers: nosniff on every answer; on the Bridge's, a Content-Security-Policy and no framing."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The Bridge loads its own scripts (vendored htmx) and style sheets only. Styles may be inline: the
# templates colour chart and heatmap cells with style attributes, and htmx adds its indicator style.
BRIDGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_EVERY_ANSWER = ((b"x-content-type-options", b"nosniff"),)
_BRIDGE_ANSWER = (
    (b"content-security-policy", BRIDGE_POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer (those under ``bridge_prefix``
    get the Bridge's too); a header the answer already has is left as it is."""

    def __init__(self, app: ASGIApp, bridge_prefix: str = "/bridge") -> None:
        self.app = app
        self.bridge_prefix = bridge_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        bridge = path == self.bridge_prefix or path.startswith(self.bridge_prefix + "/")
        extra = _EVERY_ANSWER + _BRIDGE_ANSWER if bridge else _EVERY_ANSWER

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
