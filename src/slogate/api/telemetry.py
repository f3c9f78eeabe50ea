"""Request metrics: every HTTP request counted and timed by its route template."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slogate.services.runtime.metrics import ServerMetrics


class RequestMetrics:
    """ASGI middleware: count and time every request by its route template (not its raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def remember(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            metrics: ServerMetrics = scope["app"].state.metrics
            metrics.requests.labels(scope["method"], template, str(status["code"])).inc()
            metrics.durations.labels(template).observe(time.perf_counter() - started)
