"""The built-in evaluation service (Keptn's lighthouse): evaluation.triggered → get-sli → finished."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from slogate.domain.evaluation.gate import evaluate_gate
from slogate.domain.evaluation.nothing_evaluated import NO_SLO_PREFIX
from slogate.domain.evaluation.window import WindowError
from slogate.domain.protocol import evaluation_flow as flow
from slogate.domain.protocol.event_types import (
    FINISHED,
    GET_SLI_FINISHED,
    GET_SLI_TRIGGERED,
    parse_event_type,
)
from slogate.domain.protocol.gate_events import (
    ERRORED,
    EVALUATION_FINISHED,
    EVALUATION_TRIGGERED,
    LIGHTHOUSE,
    SUCCEEDED,
    EvaluationFinished,
    KeptnEvent,
    StoredEvaluation,
)
from slogate.domain.protocol.gate_json import PayloadError, decode_sli_results, encode_evaluation_finished
from slogate.errors import SlogateError
from slogate.ports import (
    DocumentLoader,
    EventCriteria,
    EventQueries,
    EventStore,
    FieldMatch,
    ResourceReader,
    SecretReader,
)
from slogate.services.keptn.emit import answer
from slogate.services.keptn.nothing_evaluated import Outcome, nothing_evaluated_outcome
from slogate.services.usecases.monitoring import provider_options
from slogate.services.usecases.offline_gate import LoadedSLO, load_slo, problems_note
from slogate.services.usecases.provider_choice import chosen_provider
from slogate.services.usecases.quality_gate import load_history
from slogate.settings import Settings

EVALUATION_STARTED = "sh.keptn.event.evaluation.started"
RECENT = 1024  # evaluation.triggered ids judged lately, remembered until their verdicts are committed
SLO_URI = "slo.yaml"
WAITING = "waiting for SLI provider '{provider}' to answer get-sli.triggered {id}"


def _sequence_finished(event_type: str) -> bool:
    """Whether ``event_type`` ends a sequence (``sh.keptn.event.<stage>.<sequence>.finished``)."""
    parsed = parse_event_type(event_type)
    return parsed.is_sequence and parsed.kind == FINISHED


class LighthouseStore(EventStore, EventQueries, Protocol):
    """The events lighthouse reads: the evaluation history, and the projects' monitoring choices."""


class Lighthouse:
    """Answers evaluation.triggered with get-sli.triggered, and get-sli.finished with evaluation.finished."""

    name = LIGHTHOUSE
    types: tuple[str, ...] = (EVALUATION_TRIGGERED, GET_SLI_FINISHED)

    def __init__(
        self,
        store: LighthouseStore,
        resources: ResourceReader,
        secrets: SecretReader,
        settings: Settings,
        load_document: DocumentLoader,
        now: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._resources = resources
        self._secrets = secrets
        self._settings = settings
        self._load_document = load_document
        self._now = now
        self._judged_lately: dict[str, None] = {}  # insertion-ordered: the oldest is dropped first

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """The events lighthouse emits for ``event``; the reads and the SLO's parsing run off the loop."""
        if event.type == EVALUATION_TRIGGERED:
            return await asyncio.to_thread(self._triggered, event)
        return await asyncio.to_thread(self._sli_finished, event)

    def _answer(self, to: KeptnEvent, type_: str, data: Mapping[str, Any], triggeredid: str) -> KeptnEvent:
        return answer(to, type_, LIGHTHOUSE, data, self._now(), triggeredid)

    def _triggered(self, event: KeptnEvent) -> list[KeptnEvent]:
        data = event.data
        begun = self._answer(event, EVALUATION_STARTED, flow.started(data), event.id)
        try:
            window = flow.evaluation_window(data, self._now())
        except WindowError as error:
            return [begun, self._finished_early(event, ERRORED, "fail", str(error))]
        try:
            text = self._slo_text(event)
        except SlogateError as error:
            return [
                begun,
                self._finished_early(event, ERRORED, "fail", f"error retrieving SLO file: {error}"),
            ]
        loaded = load_slo(text, SLO_URI, self._load_document) if text else None
        if loaded is not None and loaded.slo is None:
            problems = "; ".join(str(problem) for problem in loaded.problems)
            return [
                begun,
                self._finished_early(event, ERRORED, "fail", f"error retrieving SLO file: {problems}"),
            ]
        provider = chosen_provider(self._store, event.project) or flow.DEFAULT_SLI_PROVIDER
        if self._unconfigured(provider, event.project):
            message = (
                f"no evaluation performed by lighthouse because no SLI-provider configured for project "
                f"{event.project}"
            )
            outcome = self._nothing_evaluated(event, message)
            return [begun, self._finished_early(event, outcome.status, outcome.result, outcome.message)]
        slo = loaded.slo if loaded is not None else None
        indicators = [objective.sli for objective in slo.objectives] if slo is not None else []
        filters = list(slo.filter) if slo is not None else []
        request = self._answer(
            event, GET_SLI_TRIGGERED, flow.get_sli_triggered(data, window, indicators, filters, provider), ""
        )
        # the sequence's timeout repeats this: a provider that never answers is named
        waiting = WAITING.format(provider=provider, id=request.id)
        begun = dataclasses.replace(begun, data={**begun.data, "message": waiting})
        return [begun, request]

    def _unconfigured(self, provider: str, project: str) -> bool:
        """Keptn's "no SLI-provider configured": the default provider without an endpoint. A vendor or a
        remote provider (an integration subscribed to get-sli.triggered) is asked whatever it has."""
        if provider != flow.DEFAULT_SLI_PROVIDER:
            return False
        return provider_options(provider, project, self._secrets, self._settings) is None

    def _slo_text(self, event: KeptnEvent) -> str | None:
        """The service's slo.yaml in the event's stage, at the event's revision (current if none)."""
        return self._resources.read(event.project, event.stage, event.service, SLO_URI, event.gitcommitid)

    def _nothing_evaluated(self, event: KeptnEvent, message: str) -> Outcome:
        scope = (event.project, event.stage, event.service)
        return nothing_evaluated_outcome(
            self._resources, self._load_document, scope, event.gitcommitid, message
        )

    def _finished_early(self, event: KeptnEvent, status: str, result: str, message: str) -> KeptnEvent:
        data = flow.evaluation_without_sli(event.data, status, result, message)
        if status == SUCCEEDED:  # no SLI provider: Keptn's evaluation.result is data.result (pass)
            data = {**data, "evaluation": {**data["evaluation"], "result": result}}
        return self._answer(event, EVALUATION_FINISHED, data, event.id)

    def _sli_finished(self, event: KeptnEvent) -> list[KeptnEvent]:
        triggered = self._store.find(
            type=EVALUATION_TRIGGERED,
            project=event.project,
            stage=event.stage,
            service=event.service,
            shkeptncontext=event.shkeptncontext,
            limit=1,
        )
        if not triggered:
            message = f"Could not retrieve evaluation.triggered event for context {event.shkeptncontext}"
            data = flow.evaluation_without_sli(event.data, ERRORED, "fail", message)
            return [self._answer(event, EVALUATION_FINISHED, data, "")]
        if triggered[0].id in self._judged_lately or self._answered_or_ended(triggered[0]):
            return []  # too late (its sequence timed out or was aborted) or said twice: no second verdict
        self._remember(triggered[0].id)
        try:
            sli = decode_sli_results(dict(event.data))
        except PayloadError as error:
            data = flow.evaluation_without_sli(
                event.data, ERRORED, "fail", f"Could not parse event payload: {error}"
            )
            return [self._answer(event, EVALUATION_FINISHED, data, triggered[0].id)]
        try:
            text = self._slo_text(event)
        except SlogateError as error:
            data = flow.evaluation_without_sli(event.data, ERRORED, "fail", str(error))
            return [self._answer(event, EVALUATION_FINISHED, data, triggered[0].id)]
        loaded = load_slo(text, SLO_URI, self._load_document) if text else None
        slo_file = loaded.file if loaded is not None else None
        history: tuple[StoredEvaluation, ...] = ()
        if slo_file is not None and slo_file.slo is not None:
            history = load_history(self._store, event.project, event.stage, event.service, slo_file.slo)
        result = self._judged(event, evaluate_gate(sli, slo_file, history), loaded)
        return [self._answer(event, EVALUATION_FINISHED, encode_evaluation_finished(result), triggered[0].id)]

    def _remember(self, triggered_id: str) -> None:
        """Note a judged evaluation: a second answer in the same batch (its verdict not committed yet)
        is recognised too."""
        self._judged_lately[triggered_id] = None
        if len(self._judged_lately) > RECENT:
            del self._judged_lately[next(iter(self._judged_lately))]

    def _answered_or_ended(self, triggered: KeptnEvent) -> bool:
        """Whether ``triggered`` has its evaluation.finished, or the sequence that sent it ended since:
        one query for the later events of its context in its stage."""
        criteria = EventCriteria(
            fields=(
                FieldMatch(("shkeptncontext",), (triggered.shkeptncontext,)),
                FieldMatch(("data", "stage"), (triggered.stage,)),
            ),
            after=triggered.time,
            limit=None,
            count=False,
        )
        later, _ = self._store.query(criteria)
        return any(
            (event.type == EVALUATION_FINISHED and event.triggeredid == triggered.id)
            or _sequence_finished(event.type)
            for event in later
        )

    def _judged(
        self, event: KeptnEvent, result: EvaluationFinished, loaded: LoadedSLO | None
    ) -> EvaluationFinished:
        """Keptn's verdict, with what slogate adds: the SLO's lint problems named in the message, and
        the outcome ``slogate/evaluation.yaml`` gives an evaluation without an SLO file."""
        if loaded is None and result.status == SUCCEEDED and result.message.startswith(NO_SLO_PREFIX):
            outcome = self._nothing_evaluated(event, result.message)
            details = dataclasses.replace(result.evaluation, result=outcome.result)
            return dataclasses.replace(
                result,
                status=outcome.status,
                result=outcome.result,
                message=outcome.message,
                evaluation=details,
            )
        note = problems_note(loaded) if loaded is not None else ""
        if not note:
            return result
        message = f"{result.message}; {note}" if result.message else note
        return dataclasses.replace(result, message=message)
