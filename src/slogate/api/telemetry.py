"""The server's own Prometheus metrics, in a registry per app (tests run several apps in one process)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerMetrics:
    """Counters and histograms of requests, ingested events and evaluations."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "slogate_http_requests", "HTTP requests", ("method", "route", "status"), registry=self.registry
        )
        self.durations = Histogram(
            "slogate_http_request_duration_seconds",
            "HTTP request durations",
            ("route",),
            registry=self.registry,
        )
        self.events = Counter("slogate_events", "Events accepted, by type", ("type",), registry=self.registry)
        self.evaluations = Counter(
            "slogate_evaluations", "Evaluations finished, by result", ("result",), registry=self.registry
        )


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
