"""The server's own Prometheus metrics, in a registry per app (tests run several apps in one process)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram


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


async def record_request(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """HTTP middleware: count and time every request by its route template (not its raw path)."""
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    template = getattr(route, "path", "unmatched")
    metrics: ServerMetrics = request.app.state.metrics
    metrics.requests.labels(request.method, template, str(response.status_code)).inc()
    metrics.durations.labels(template).observe(time.perf_counter() - started)
    return response
