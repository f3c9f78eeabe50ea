"""Delivery metrics read from the event log at scrape time: evaluations, scores, sequences, rollbacks."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from slogate.ports.delivery_log import CountRow, DeliveryLog, LogCounts

MAX_SERIES = 1000  # label combinations per metric; the rest are summed into one "other" series
MAX_LABEL = 128  # characters of a label value (event fields are user input)
OTHER = "other"
SCOPE = ("project", "stage", "service")


class LogMetrics(Collector):
    """Counts from the event log, so that a restart resets nothing and the figures match the log.

    The log's counts are queried again only when an event was added since the last scrape.
    """

    def __init__(self, log: DeliveryLog, max_series: int = MAX_SERIES) -> None:
        self._log = log
        self._max = max_series
        self._lock = threading.Lock()
        self._cached: tuple[int, LogCounts] | None = None

    def collect(self) -> Iterable[Metric]:
        """The metric families of the current log."""
        counts = self._counts()
        folded = GaugeMetricFamily(
            "slogate_metrics_series_folded",
            f"Label combinations beyond {self._max} per metric: summed into 'other' (counters) "
            "or left out (the score)",
            labels=["metric"],
        )
        families = (
            ("slogate_evaluations", "Evaluations finished, by result", counts.evaluations, ("result",)),
            (
                "slogate_sequences",
                "Sequences finished, by name and result",
                counts.sequences,
                ("sequence", "result"),
            ),
            (
                "slogate_rollbacks",
                "Rollbacks (rollback sequences or tasks; one per context)",
                counts.rollbacks,
                (),
            ),
            ("slogate_remediations", "Remediation sequences triggered", counts.remediations, ()),
        )
        for name, documentation, rows, extra in families:
            family = CounterMetricFamily(name, documentation, labels=[*SCOPE, *extra])
            kept, dropped = fold(rows, self._max)
            for row in kept:
                family.add_metric(row.labels, row.value)
            folded.add_metric([f"{name}_total"], dropped)
            yield family
        score = GaugeMetricFamily(
            "slogate_evaluation_score", "The latest evaluation's score", labels=list(SCOPE)
        )
        ordered = sorted(counts.scores, key=lambda row: row.labels)
        for row in ordered[: self._max]:
            score.add_metric(_labels(row.labels), row.value)
        folded.add_metric(["slogate_evaluation_score"], max(0, len(ordered) - self._max))
        yield score
        yield folded

    def _counts(self) -> LogCounts:
        with self._lock:  # one scrape at a time recomputes; the others use its result
            version = self._log.version()
            if self._cached is None or self._cached[0] != version:
                self._cached = (version, self._log.counts())
            return self._cached[1]


def fold(rows: Sequence[CountRow], limit: int) -> tuple[list[CountRow], int]:
    """The ``limit - 1`` largest groups and one ``other`` group summing the rest (when there are more
    than ``limit``), and how many groups were folded; label values cut to ``MAX_LABEL`` characters."""
    merged: dict[tuple[str, ...], float] = {}
    for row in rows:
        labels = _labels(row.labels)
        merged[labels] = merged.get(labels, 0.0) + row.value
    ordered = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    if len(ordered) <= limit:
        return [CountRow(labels, value) for labels, value in ordered], 0
    kept = [CountRow(labels, value) for labels, value in ordered[: limit - 1]]
    rest = ordered[limit - 1 :]
    width = len(rest[0][0])
    kept.append(CountRow((OTHER,) * width, sum(value for _, value in rest)))
    return kept, len(rest)


def _labels(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(value)[:MAX_LABEL] for value in values)
