"""The four DORA figures of a project's stage over a window, from the event log (see docs/metrics.md)."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from slogate.domain.evaluation.window import WindowError, format_time, parse_time
from slogate.domain.sequencing.shipyard import Shipyard
from slogate.errors import InputError, NotFoundError
from slogate.ports.delivery_log import Deliveries, DeliveryLog, SignalRow

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
        failures = self._log.failures(project, chosen, start, end) if deliveries.lead_times else []
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
    deliveries: Deliveries,
    failures: Sequence[SignalRow],
) -> DoraReport:
    """The report of the window's ``deliveries`` and the ``failures`` of them."""
    failed: dict[tuple[str, str], tuple[float, float | None]] = {}
    reasons: dict[str, set[tuple[str, str]]] = {"evaluation": set(), "rollback": set()}
    moments = [(row.context, row.service, row.time, row.restored) for row in deliveries.failed_deployments]
    for signal in failures:
        reasons[signal.kind].add((signal.context, signal.service))
        moments.append((signal.context, signal.service, signal.time, signal.restored))
    for context, service, moment, restored in moments:
        key = (context, service)
        if key not in failed or moment < failed[key][0]:
            failed[key] = (moment, restored)  # a delivery failed at its first failure
    restores = [restored - moment for moment, restored in failed.values() if restored is not None]
    return DoraReport(
        project=project,
        stage=stage,
        since=since,
        until=until,
        deliveries=len(deliveries.lead_times),
        lead_time=spread([max(0.0, lead) for lead in deliveries.lead_times]),
        failed=len(failed),
        failed_evaluations=len(reasons["evaluation"]),
        rolled_back=len(reasons["rollback"]),
        time_to_restore=spread(restores),
        unrestored=len(failed) - len(restores),
    )


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
