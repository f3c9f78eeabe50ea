"""Ports of the delivery figures: the event log's deliveries, failures and restores, and its counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Protocol


class DeliveryRow(NamedTuple):
    """A ``deployment.finished`` event of a stage with result ``fail``, and when its service next passed
    an evaluation in another context (None: not since). Times are seconds since the Unix epoch (UTC)."""

    context: str
    service: str
    time: float
    restored: float | None


class Deliveries(NamedTuple):
    """A stage's deliveries in a window: every lead time (seconds), and the failed deployments."""

    lead_times: list[float]
    failed_deployments: list[DeliveryRow]


class SignalRow(NamedTuple):
    """An event that says a delivery failed: ``kind`` is ``evaluation`` (a failed evaluation.finished
    that was not invalidated) or ``rollback`` (a rollback task or sequence triggered); ``restored``:
    when the service next passed an evaluation in another context (None: not since)."""

    kind: str
    context: str
    service: str
    time: float
    restored: float | None


@dataclass(frozen=True, slots=True)
class CountRow:
    """One group of a metric: its labels (project, stage, service, then e.g. the result) and a value."""

    labels: tuple[str, ...]
    value: float


@dataclass(frozen=True, slots=True)
class LogCounts:
    """The event log's counts, grouped as the server's ``/metrics`` exports them."""

    evaluations: tuple[CountRow, ...]  # project, stage, service, result
    scores: tuple[CountRow, ...]  # project, stage, service: the latest evaluation's score
    sequences: tuple[CountRow, ...]  # project, stage, service, sequence name, result
    rollbacks: tuple[CountRow, ...]  # project, stage, service
    remediations: tuple[CountRow, ...]  # project, stage, service


class DeliveryLog(Protocol):
    """Answers the delivery questions over the event log with a few indexed queries."""

    def deliveries(self, project: str, stage: str, since: float, until: float) -> Deliveries:
        """The stage's deliveries (``deployment.finished`` events) with ``since <= time < until``."""
        ...

    def failures(self, project: str, stage: str, since: float, until: float) -> list[SignalRow]:
        """The failed evaluations (not invalidated) and rollbacks of those deliveries, oldest first."""
        ...

    def counts(self) -> LogCounts:
        """The counts behind ``/metrics``, over the whole log."""
        ...

    def version(self) -> int:
        """A number that changes whenever an event is added (the log's last position)."""
        ...
