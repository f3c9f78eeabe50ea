"""The four DORA figures of a project's stage over a window, from the event log (see docs/metrics.md)."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from slogate.domain.evaluation.window import WindowError, format_time, parse_time
from slogate.domain.sequencing.shipyard import Shipyard
from slogate.errors import InputError, NotFoundError
from slogate.ports.delivery_log import DeliveryLog, DeliveryRow, SignalRow

DAY = 86_400.0
DEFAULT_SINCE = "30d"
_UNITS = {"m": 60.0, "h": 3_600.0, "d": DAY, "w": 7 * DAY}
_SPAN = re.compile(r"([1-9][0-9]{0,5})([mhdw])")


@dataclass(frozen=True, slots=True)
class Spread:
    """How many values, their median and their 90th percentile (nearest rank), in seconds."""

    count: int
    median: float | None
    p90: float | None

    def to_json(self) -> dict[str, object]:
        """``{"count", "medianSeconds", "p90Seconds"}`` (null without values)."""
        return {"count": self.count, "medianSeconds": self.median, "p90Seconds": self.p90}


@dataclass(frozen=True, slots=True)
class DoraReport:
    """The DORA figures of one project's stage over ``[since, until)`` (epoch seconds)."""

    project: str
    stage: str
    since: float
    until: float
    deliveries: int
    lead_time: Spread
    failed: int
    failed_evaluations: int
    rolled_back: int
    time_to_restore: Spread
    unrestored: int

    @property
    def days(self) -> float:
        """The window's length in days."""
        return (self.until - self.since) / DAY

    @property
    def deployment_frequency(self) -> float:
        """Deliveries to the stage per day."""
        return self.deliveries / self.days

    @property
    def change_failure_rate(self) -> float | None:
        """Failed deliveries over deliveries; None without deliveries."""
        return self.failed / self.deliveries if self.deliveries else None

    def to_json(self) -> dict[str, object]:
        """The report as the API, ``slogate report dora -o json`` and the Bridge show it."""
        return {
            "project": self.project,
            "stage": self.stage,
            "since": format_time(_utc(self.since)),
            "until": format_time(_utc(self.until)),
            "days": self.days,
            "deliveries": self.deliveries,
            "deploymentFrequency": self.deployment_frequency,
            "leadTime": self.lead_time.to_json(),
            "changeFailureRate": self.change_failure_rate,
            "failedDeliveries": self.failed,
            "failedEvaluations": self.failed_evaluations,
            "rolledBack": self.rolled_back,
            "timeToRestore": {**self.time_to_restore.to_json(), "unrestored": self.unrestored},
        }


class DoraReports:
    """Answers ``slogate report dora``, its API route and the Bridge's delivery card."""

    def __init__(
        self, log: DeliveryLog, shipyard: Callable[[str], Shipyard | None], now: Callable[[], datetime]
    ) -> None:
        self._log = log
        self._shipyard = shipyard
        self._now = now

    def report(
        self, project: str, stage: str = "", since: str = DEFAULT_SINCE, until: str = ""
    ) -> DoraReport:
        """The figures of ``stage`` (default: the shipyard's last stage) from ``since`` (a span back
        from ``until``, e.g. ``30d``, or a time) to ``until`` (a time; default now)."""
        chosen = self._stage(project, stage)
        end = _time("until", until) if until else self._now().timestamp()
        start = parse_since(since, end)
        if start < 0:
            raise InputError(f"since ({since}) reaches before 1970-01-01")
        if start >= end:
            raise InputError(f"since ({since}) must be before until ({format_time(_utc(end))})")
        deliveries = self._log.deliveries(project, chosen, start, end)
        failures = self._log.failures(project, chosen, start) if deliveries else []
        return figures(project, chosen, start, end, deliveries, failures)

    def _stage(self, project: str, stage: str) -> str:
        shipyard = self._shipyard(project)
        if shipyard is None:
            raise NotFoundError(f"project {project!r} not found")
        names = shipyard.stage_names
        if not stage:
            if not names:
                raise InputError(f"project {project!r} has no stages in its shipyard")
            return names[-1]
        if stage not in names:
            raise NotFoundError(
                f"stage {stage!r} not found in project {project!r} (stages: {', '.join(names)})"
            )
        return stage


def parse_since(text: str, until: float) -> float:
    """``since`` as epoch seconds: ``<n>m|h|d|w`` back from ``until``, or an RFC 3339 time."""
    span = _SPAN.fullmatch(text.strip())
    if span:
        return until - int(span.group(1)) * _UNITS[span.group(2)]
    return _time("since", text)


def _time(name: str, text: str) -> float:
    try:
        return parse_time(text.strip()).timestamp()
    except (WindowError, ValueError, OverflowError):
        raise InputError(
            f"{name}: {text!r} is neither a span (e.g. 30d, 12h, 2w, 90m) nor an RFC 3339 time "
            "(e.g. 2026-01-31T00:00:00Z)"
        ) from None


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def figures(
    project: str,
    stage: str,
    since: float,
    until: float,
    deliveries: Sequence[DeliveryRow],
    failures: Sequence[SignalRow],
) -> DoraReport:
    """The report of ``deliveries`` (those in the window) judged by ``failures`` (from ``since`` on)."""
    failed_evaluations = _earliest(signal for signal in failures if signal.kind == "evaluation")
    rollbacks = _earliest(signal for signal in failures if signal.kind == "rollback")
    failed = evaluation_failures = rolled_back = 0
    restores: list[float] = []
    for delivery in deliveries:
        key = (delivery.context, delivery.service)
        if delivery.result != "fail" and key not in failed_evaluations and key not in rollbacks:
            continue  # the common case, kept cheap: 100,000 deliveries take well under a second
        candidates = [signal for signal in (failed_evaluations.get(key), rollbacks.get(key)) if signal]
        evaluation_failures += key in failed_evaluations
        rolled_back += key in rollbacks
        if delivery.result == "fail":
            candidates.append((delivery.time, delivery.restored))
        failed += 1
        failed_at, restored = min(candidates, key=lambda candidate: candidate[0])
        if restored is not None:
            restores.append(restored - failed_at)
    return DoraReport(
        project=project,
        stage=stage,
        since=since,
        until=until,
        deliveries=len(deliveries),
        lead_time=spread([max(0.0, delivery.time - delivery.started) for delivery in deliveries]),
        failed=failed,
        failed_evaluations=evaluation_failures,
        rolled_back=rolled_back,
        time_to_restore=spread(restores),
        unrestored=failed - len(restores),
    )


def _earliest(signals: Iterable[SignalRow]) -> dict[tuple[str, str], tuple[float, float | None]]:
    """The earliest failure (its time and its restore) of each (context, service) among ``signals``."""
    earliest: dict[tuple[str, str], tuple[float, float | None]] = {}
    for signal in signals:
        key = (signal.context, signal.service)
        if key not in earliest or signal.time < earliest[key][0]:
            earliest[key] = (signal.time, signal.restored)
    return earliest


def spread(values: Sequence[float]) -> Spread:
    """The count, median and nearest-rank 90th percentile of ``values``."""
    if not values:
        return Spread(0, None, None)
    ordered = sorted(values)
    return Spread(len(ordered), statistics.median(ordered), ordered[math.ceil(0.9 * len(ordered)) - 1])


def human_duration(seconds: float | None) -> str:
    """``seconds`` for people: ``45s``, ``12m``, ``3.5h``, ``2.1d``; ``-`` for None."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3_600:
        return f"{seconds / 60:.0f}m"
    if seconds < DAY:
        return f"{seconds / 3_600:.1f}h"
    return f"{seconds / DAY:.1f}d"
