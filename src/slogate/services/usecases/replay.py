"""What-if on history: replay a service's stored evaluations under a new SLO, storing nothing.

The newest ``last`` evaluations are reported; older ones are replayed too, only so that the new
SLO's comparison finds the baselines it would have found: up to ``EARLIER`` of them when its
``include_result_with_score`` filters on results (their replayed results decide), else just the
baselines the oldest reported build needs (see docs/quality-gate.md, "What if: replaying history
under a new SLO").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slogate.domain.evaluation.replay import ReplayedBuild, StoredBuild, replay_builds
from slogate.domain.evaluation.replay_flips import DecidingCriterion, FlippedObjective
from slogate.domain.evaluation.window import format_time
from slogate.errors import InputError
from slogate.ports import EventStore
from slogate.services.usecases.offline_gate import LoadedSLO, input_errors

DEFAULT_LAST = 50
MAX_LAST = 1000
EARLIER = 1000  # older evaluations replayed only to give the reported ones their baselines


@dataclass(frozen=True, slots=True)
class ReplayRequest:
    """Which service's history to replay, how many builds to report, and under which SLO."""

    project: str
    stage: str
    service: str
    slo: LoadedSLO
    last: int = DEFAULT_LAST
    lenient: bool = False


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """The reported builds (newest first) and how many evaluations were replayed in all."""

    request: ReplayRequest
    builds: tuple[ReplayedBuild, ...]
    replayed: int

    @property
    def changed(self) -> int:
        """How many reported builds would have had another result."""
        return sum(1 for build in self.builds if build.changed)

    @property
    def not_replayed(self) -> int:
        """How many reported builds could not be replayed."""
        return sum(1 for build in self.builds if build.new_result is None)

    @property
    def summary(self) -> str:
        """``N of M builds would change verdict`` (with those that could not be replayed)."""
        skipped = self.not_replayed
        line = f"{self.changed} of {len(self.builds)} builds would change verdict"
        return line + (f" ({skipped} could not be replayed)" if skipped else "")


def check_request(request: ReplayRequest) -> None:
    """``InputError`` for a ``last`` out of range or an empty scope, and (unless lenient) for every
    error ``slogate slo lint`` finds in the SLO, one per line."""
    if not 1 <= request.last <= MAX_LAST:
        raise InputError(f"last must be between 1 and {MAX_LAST}, got {request.last}")
    for name in ("project", "stage", "service"):
        if not getattr(request, name):
            raise InputError(f"{name} must not be empty: name the service whose history is replayed")
    if request.lenient:
        return
    errors = input_errors(request.slo)
    if errors:
        listed = "; ".join(str(problem) for problem in errors)
        source = request.slo.source
        raise InputError(
            f"{source}: {len(errors)} error(s) (slogate slo lint), so nothing was replayed: {listed}"
        )


def replay_history(store: EventStore, request: ReplayRequest) -> ReplayReport:
    """Replay the service's stored evaluations under the request's SLO; the store is only read."""
    check_request(request)
    needed = _baselines_needed(request.slo)
    depth = EARLIER if needed is None else min(needed, EARLIER)
    while True:
        builds = _stored_builds(store, request, depth)
        if needed is None or depth >= EARLIER or len(builds) < request.last + depth:
            break  # every earlier build the replay may need is loaded, or there are no more
        usable = sum(1 for build in builds[request.last :] if not build.invalidated)
        if usable >= needed:
            break
        depth = min(EARLIER, depth + needed - usable)  # invalidated ones are no baselines: load more
    replayed = replay_builds(request.slo.file, builds)
    return ReplayReport(request, replayed[: request.last], len(replayed))


def _baselines_needed(slo: LoadedSLO) -> int | None:
    """How many earlier builds the oldest reported one compares with, when their replayed results do
    not matter (no ``include_result_with_score`` filter); None when they do (every earlier build may
    then decide which ones are baselines)."""
    if slo.slo is None:
        return 0  # an empty or unparsable SLO compares with nothing
    comparison = slo.slo.comparison
    return None if comparison.result_filter is not None else max(comparison.history_size, 0)


def _stored_builds(store: EventStore, request: ReplayRequest, depth: int) -> list[StoredBuild]:
    """The newest ``request.last + depth`` stored evaluations of the service, newest first."""
    events = store.latest_evaluations(
        request.project,
        request.stage,
        request.service,
        limit=request.last + depth,
        exclude_invalidated=False,
    )
    ignored = store.invalidated_triggered_ids([event.triggeredid for event in events])
    return [
        StoredBuild(event.id, format_time(event.time), event.triggeredid in ignored, event.data)
        for event in events
    ]


def report_document(report: ReplayReport) -> dict[str, Any]:
    """The replay as JSON: the CLI's ``-o json`` and the API's answer."""
    request = report.request
    return {
        "project": request.project,
        "stage": request.stage,
        "service": request.service,
        "summary": {
            "builds": len(report.builds),
            "changed": report.changed,
            "notReplayed": report.not_replayed,
            "replayedInAll": report.replayed,
            "text": report.summary,
        },
        "builds": [build_document(build) for build in report.builds],
    }


def build_document(build: ReplayedBuild) -> dict[str, Any]:
    """One build's stored and replayed verdicts as JSON (``new`` is null when it was not replayed)."""
    new = None if build.new_result is None else {"result": build.new_result, "score": build.new_score}
    return {
        "id": build.id,
        "time": build.time,
        "labels": dict(build.labels),
        "invalidated": build.invalidated,
        "old": {"result": build.old_result, "score": build.old_score},
        "new": new,
        "changed": build.changed,
        "flipped": [flip_document(flip) for flip in build.flipped],
        "noValueStored": list(build.no_value_stored),
        "comparedEvents": list(build.compared),
        "note": build.note,
    }


def flip_document(flip: FlippedObjective) -> dict[str, Any]:
    """A flipped objective as JSON (a status is null where the objective is not in that SLO)."""
    return {
        "sli": flip.sli,
        "displayName": flip.display_name,
        "oldStatus": flip.old_status,
        "newStatus": flip.new_status,
        "value": flip.value,
        "criteria": [_criterion(item) for item in flip.criteria],
        "note": flip.note,
    }


def _criterion(item: DecidingCriterion) -> dict[str, Any]:
    target = item.target
    return {
        "kind": item.kind,
        "criteria": target.criteria,
        "targetValue": target.target_value,
        "violated": target.violated,
    }


def build_label(build: ReplayedBuild) -> str:
    """How a build is named in tables: its labels (e.g. ``buildId=42``), else its id's first characters."""
    if build.labels:
        return ",".join(f"{key}={value}" for key, value in build.labels)
    return build.id[:8]


def build_notes(build: ReplayedBuild) -> list[str]:
    """What a table shows of a build besides its verdicts: its flipped objectives, the SLIs it kept
    no value of, and why it was not replayed."""
    notes = [flip_text(flip) for flip in build.flipped]
    if build.no_value_stored:
        notes.append("no value stored: " + ", ".join(build.no_value_stored))
    if build.note:
        notes.append(build.note)
    return notes


def flip_text(flip: FlippedObjective) -> str:
    """``HTTP Response Time: pass → fail (0.15 violates pass <=0.1, warning <=0.1)`` for a table cell."""
    old, new = flip.old_status or "—", flip.new_status or "—"
    if flip.value is None:  # every criterion fails for want of a value: the reason says it all
        return f"{flip.display_name}: {old} → {new} ({flip.note or 'no value'})"
    violated = [item for item in flip.criteria if item.target.violated]
    verb = "violates" if violated else "meets"
    criteria = ", ".join(_criterion_text(item) for item in (violated or flip.criteria))
    detail = f"{_number(flip.value)} {verb} {criteria}" if criteria else _number(flip.value)
    return f"{flip.display_name}: {old} → {new} ({detail})"


def _criterion_text(item: DecidingCriterion) -> str:
    """``pass <=0.1``, with the computed threshold where the criterion does not show it (relative ones:
    ``pass <=+10% (112.75)``)."""
    target = _number(item.target.target_value)
    text = f"{item.kind} {item.target.criteria}"
    return text if target in item.target.criteria else f"{text} ({target})"


def _number(value: float) -> str:
    return f"{value:g}"
