"""The server's own Prometheus metrics, in a registry per server (tests run several in one process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

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

    def watch_leases(self, leases: HeldLeases, listeners: list[str]) -> None:
        """Export which of ``listeners`` this replica runs, and how many it took over."""
        self.registry.register(LeaseMetrics(leases, listeners))


class HeldLeases(Protocol):
    """What the lease metrics read (``SqlLeaseStore``)."""

    takeovers: int

    def held(self) -> frozenset[str]:
        """The listeners this replica runs now."""
        ...


class LeaseMetrics(Collector):
    """``slogate_leases_held{listener}`` (1 when this replica runs it) and
    ``slogate_lease_takeovers_total`` (leases this replica took from an expired holder)."""

    def __init__(self, leases: HeldLeases, listeners: list[str]) -> None:
        self._leases = leases
        self._listeners = listeners

    def collect(self) -> Iterator[Metric]:
        """The metrics as of now."""
        held = self._leases.held()
        gauge = GaugeMetricFamily(
            "slogate_leases_held", "Listeners this replica runs (1) or not (0)", labels=["listener"]
        )
        for name in self._listeners:
            gauge.add_metric([name], 1.0 if name in held else 0.0)
        yield gauge
        yield CounterMetricFamily(
            "slogate_lease_takeovers",
            "Leases taken over from an expired holder",
            value=self._leases.takeovers,
        )
