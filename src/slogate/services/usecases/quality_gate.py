"""The standalone quality gate: fetch SLIs for a window, evaluate against stored history, store the result."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slogate.domain.evaluation.sli import SLIRequest, sli_outcome
from slogate.domain.evaluation.slo import SLO
from slogate.domain.evaluation.window import Window, format_time
from slogate.domain.protocol.gate_events import (
    EVALUATION_FINISHED,
    EVALUATION_INVALIDATED,
    EVALUATION_TRIGGERED,
    LIGHTHOUSE,
    SUCCEEDED,
    KeptnEvent,
    Labels,
    SLIResults,
    SLIValue,
    StoredEvaluation,
)
from slogate.domain.protocol.gate_json import decode_history, encode_evaluation_finished
from slogate.errors import InputError, NotFoundError
from slogate.ports import EventStore, SLIProvider
from slogate.services.usecases.offline_gate import GateReport, LoadedSLO, evaluate

GATE_SOURCE = "slogate"


@dataclass(frozen=True, slots=True)
class GateRequest:
    """What ``slogate evaluate`` was asked: which service, which window, which SLO and queries."""

    project: str
    stage: str
    service: str
    window: Window
    slo: LoadedSLO
    queries: Mapping[str, str]
    labels: Labels = ()
    timeframe: str = ""


@dataclass(frozen=True, slots=True)
class GateOutcome:
    """The evaluation, what was asked of the provider, and the ids under which it was stored."""

    report: GateReport
    sli_request: SLIRequest
    values: tuple[SLIValue, ...]
    keptn_context: str
    finished_id: str


def sli_request(request: GateRequest, slo: SLO) -> SLIRequest:
    """The get-sli request for ``request``: every objective's SLI in file order, the SLO filter."""
    return SLIRequest(
        project=request.project,
        stage=request.stage,
        service=request.service,
        start=request.window.start,
        end=request.window.end,
        indicators=tuple(objective.sli for objective in slo.objectives),
        labels=request.labels,
        filters=slo.filter,
        queries=tuple(request.queries.items()),
    )


def _usable_slo(loaded: LoadedSLO) -> SLO:
    if loaded.file is None:
        raise InputError(f"{loaded.source}: the SLO file is empty; there is nothing to evaluate")
    if loaded.slo is None:
        raise InputError(f"{loaded.source}: {loaded.problem_text}")
    return loaded.slo


async def run_gate(
    request: GateRequest, provider: SLIProvider, store: EventStore, now: Callable[[], datetime]
) -> GateOutcome:
    """Check the input, fetch the SLIs, evaluate against the stored history and store the result.

    Nothing is stored when the input is unusable (an unparsable SLO, an SLI without a query).
    """
    slo = _usable_slo(request.slo)
    asked = sli_request(request, slo)
    missing = provider.unsupported(asked)
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        raise InputError(
            f"no query for {names}: add it to the indicators of sli.yaml "
            f"(built-in defaults exist only for some names; see docs/quality-gate.md)"
        )
    values = await provider.fetch(asked)
    result, message = sli_outcome(values)
    sli = SLIResults(
        project=request.project,
        stage=request.stage,
        service=request.service,
        labels=request.labels,
        status=SUCCEEDED,
        result=result,
        message=message,
        start=format_time(request.window.start),
        end=format_time(request.window.end),
        values=values,
    )
    history = load_history(store, request.project, request.stage, request.service, slo)
    report = evaluate(request.slo, sli, history)
    context = str(uuid.uuid4())
    triggered = _triggered_event(request, context, now())
    finished = KeptnEvent(
        id=str(uuid.uuid4()),
        type=EVALUATION_FINISHED,
        source=LIGHTHOUSE,
        time=now(),
        shkeptncontext=context,
        data=encode_evaluation_finished(report.event),
        triggeredid=triggered.id,
    )
    store.add([triggered, finished])
    return GateOutcome(report, asked, values, context, finished.id)


def _triggered_event(request: GateRequest, context: str, time: datetime) -> KeptnEvent:
    evaluation = {"start": format_time(request.window.start), "end": format_time(request.window.end)}
    if request.timeframe:
        evaluation["timeframe"] = request.timeframe
    data: dict[str, object] = {
        "project": request.project,
        "stage": request.stage,
        "service": request.service,
        "evaluation": evaluation,
    }
    if request.labels:
        data["labels"] = dict(request.labels)
    return KeptnEvent(str(uuid.uuid4()), EVALUATION_TRIGGERED, GATE_SOURCE, time, context, data)


def load_history(
    store: EventStore, project: str, stage: str, service: str, slo: SLO
) -> tuple[StoredEvaluation, ...]:
    """The previous evaluations Keptn's datastore would return for this SLO's comparison."""
    comparison = slo.comparison
    events = store.latest_evaluations(
        project,
        stage,
        service,
        limit=max(comparison.history_size, 0),
        results=comparison.result_filter,
    )
    return stored_evaluations(events, frozenset())


def stored_evaluations(
    events: Sequence[KeptnEvent], invalidated: frozenset[str]
) -> tuple[StoredEvaluation, ...]:
    """Stored events as history entries (``invalidated`` holds the invalidated triggered ids)."""
    return decode_history(
        [
            {
                "id": event.id,
                "type": event.type,
                "time": format_time(event.time),
                "invalidated": event.triggeredid in invalidated,
                "data": dict(event.data),
            }
            for event in events
        ]
    )


def invalidate(
    store: EventStore, finished_id: str, now: Callable[[], datetime], reason: str = ""
) -> KeptnEvent:
    """Exclude an evaluation from later comparisons (Keptn's ``evaluation.invalidated``; a ``reason``
    goes to ``data.evaluation.reason`` as the Bridge's dialog sends it)."""
    finished = store.get(finished_id)
    if finished is None or finished.type != EVALUATION_FINISHED:
        raise NotFoundError(f"no evaluation with id '{finished_id}' (see: slogate evaluations list)")
    invalidated = KeptnEvent(
        id=str(uuid.uuid4()),
        type=EVALUATION_INVALIDATED,
        source=GATE_SOURCE,
        time=now(),
        shkeptncontext=finished.shkeptncontext,
        data=_invalidation_data(finished, reason.strip()),
        triggeredid=finished.triggeredid,
    )
    store.add([invalidated])
    return invalidated


def _invalidation_data(finished: KeptnEvent, reason: str) -> dict[str, Any]:
    data: dict[str, Any] = {"project": finished.project, "stage": finished.stage, "service": finished.service}
    if reason:
        data["evaluation"] = {"reason": reason}
    return data
