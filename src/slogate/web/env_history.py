"""The environment's evaluation history: every service's latest evaluations in one query, as badges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import EvaluationOverview, EvaluationSummary, ProjectRecord
from slogate.server_context import ServerContext
from slogate.web.project_scope import RESULT_BADGES

STRIP = 5  # evaluations before the latest, as Keptn's stage details show them
HISTORY = 2 * STRIP + 1  # read per service: the latest and the strip, even with a few invalidated among them
History = dict[tuple[str, str], list[EvaluationSummary]]


def histories(
    context: ServerContext, record: ProjectRecord, each: int, only: list[tuple[str, str]] | None = None
) -> History:
    """The ``each`` newest evaluations of each (stage, service) of the project (of ``only``, if given),
    newest first: one query where the store offers it, else one per service (and one for the
    invalidated ones)."""
    store = context.store
    if isinstance(store, EvaluationOverview):
        return store.latest_evaluations_by_service(record.name, each=each, only=only)
    pairs = only if only is not None else [(s.name, v.name) for s in record.stages for v in s.services]
    found = {
        (stage, service): store.latest_evaluations(
            record.name, stage, service, limit=each, exclude_invalidated=False
        )
        for stage, service in pairs
    }
    ids = [event.triggeredid for events in found.values() for event in events if event.triggeredid]
    invalidated = store.invalidated_triggered_ids(ids) if ids else frozenset()
    return {
        key: [summary_of(event, event.triggeredid in invalidated) for event in events]
        for key, events in found.items()
    }


def summary_of(event: KeptnEvent, invalidated: bool = False) -> EvaluationSummary:
    """The summary of a stored ``evaluation.finished``."""
    details = event.data.get("evaluation")
    score = details.get("score") if isinstance(details, Mapping) else None
    return EvaluationSummary(
        event.id, event.shkeptncontext, event.stage, event.service, event.time, event.triggeredid,
        str(event.data.get("result", "")), "" if score is None else str(score), invalidated,
    )  # fmt: skip


def summary_badge(summary: EvaluationSummary | None) -> dict[str, Any] | None:
    """The badge of an evaluation (as ``project_scope.evaluation_badge`` draws it): its class, truncated
    score, result, time and where it links."""
    if summary is None:
        return None
    try:
        shown = str(int(float(summary.score)))
    except ValueError:
        shown = "-"
    href = f"/bridge/evaluation/{quote(summary.keptn_context, safe='')}/{quote(summary.stage, safe='')}"
    return {
        "css": RESULT_BADGES.get(summary.result, "errored"),
        "score": shown,
        "result": summary.result or "unknown",
        "href": href,
        "context": summary.keptn_context,
        "time": summary.time.strftime("%Y-%m-%d %H:%M"),
    }


def strip_of(history: list[EvaluationSummary]) -> list[dict[str, Any] | None]:
    """A service's strip: up to 5 evaluations before its latest (``history`` newest first), oldest first,
    not invalidated ones (Keptn's ``excludeInvalidated``)."""
    kept = [summary for summary in history[1:] if not summary.invalidated]
    return [summary_badge(summary) for summary in reversed(kept[:STRIP])]
