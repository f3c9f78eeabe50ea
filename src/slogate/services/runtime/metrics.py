"""The server's own Prometheus metrics, in a registry per server (tests run several in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from slogate.ports.delivery_log import DeliveryLog
from slogate.services.runtime.log_metrics import LogMetrics


class ServerMetrics:
    """Counters and histograms of requests and ingested events (this process), and the delivery
    metrics of the event log (``watch``)."""

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

    def event_accepted(self, type_: str) -> None:
        """Count an event accepted through the API or the Bridge."""
        self.events.labels(type_).inc()

    def watch(self, log: DeliveryLog) -> None:
        """Export the event log's evaluations, scores, sequences, rollbacks and remediations."""
        self.registry.register(LogMetrics(log))
