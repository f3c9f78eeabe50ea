"""The server's own Prometheus metrics, in a registry per server (tests run several in one process)."""

from __future__ import annotations

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

    def event_accepted(self, type_: str) -> None:
        """Count an event accepted through the API or the Bridge."""
        self.events.labels(type_).inc()

    def evaluation_finished(self, result: str) -> None:
        """Count an evaluation finished by the lighthouse, by its result."""
        self.evaluations.labels(result).inc()
