"""The built-in get-action answerer (Keptn's remediation-service): the next action of remediation.yaml."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from slogate.domain.protocol import problem_log
from slogate.domain.protocol.alertmanager import CLOSED
from slogate.domain.protocol.evaluation_flow import scope
from slogate.domain.protocol.event_types import (
    GET_ACTION_FINISHED,
    GET_ACTION_STARTED,
    GET_ACTION_TRIGGERED,
    PROBLEM,
    sequence_type,
)
from slogate.domain.protocol.gate_events import SUCCEEDED, KeptnEvent
from slogate.domain.sequencing.remediation import (
    NO_FILE,
    REMEDIATION_URI,
    UNPARSABLE,
    Answer,
    Limits,
    Progress,
    RemediationFile,
    next_action,
    parse_remediation,
)
from slogate.errors import DocumentError, SlogateError
from slogate.ports import DocumentLoader, EventCriteria, EventQueries, FieldMatch, ResourceReader
from slogate.services.keptn.emit import answer

REMEDIATION_SERVICE = "remediation-service"


class RemediationService:
    """Answers ``get-action.triggered`` with the next action of ``remediation.yaml`` for the problem:
    the index is kept per remediation (Keptn context), so loop k runs action k; the loop's limits,
    a problem closed in the context and a file Keptn refuses end it (see docs/remediation.md)."""

    name = REMEDIATION_SERVICE
    types: tuple[str, ...] = (GET_ACTION_TRIGGERED,)

    def __init__(
        self,
        store: EventQueries,
        resources: ResourceReader,
        load_document: DocumentLoader,
        limits: Limits,
        now: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._resources = resources
        self._load = load_document
        self._limits = limits
        self._now = now

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """get-action.started and .finished for ``event``; nothing when it was answered already."""
        return await asyncio.to_thread(self._get_action, event)

    def _get_action(self, event: KeptnEvent) -> list[KeptnEvent]:
        context = self._context_events(event)
        if any(e.type == GET_ACTION_FINISHED and e.triggeredid == event.id for e in context):
            return []  # delivered again after its answer was stored
        file, refusal = self._file(event)
        chosen = next_action(
            file, event.data.get("problem"), self._progress(event, context), self._limits, refusal
        )
        common = scope(event.data)
        started = {**common, "status": SUCCEEDED}
        return [
            answer(event, GET_ACTION_STARTED, REMEDIATION_SERVICE, started, self._now(), event.id),
            answer(
                event,
                GET_ACTION_FINISHED,
                REMEDIATION_SERVICE,
                _finished(common, chosen),
                self._now(),
                event.id,
            ),
        ]

    def _file(self, event: KeptnEvent) -> tuple[RemediationFile | None, str]:
        """The service's remediation.yaml (the stage's for an event without a service) at the event's
        revision, or None with Keptn's message for a missing or refused file."""
        missing = NO_FILE.format(service=event.service, stage=event.stage)
        try:
            text = self._resources.read(
                event.project, event.stage, event.service, REMEDIATION_URI, event.gitcommitid
            )
            if text is None and event.service:
                text = self._resources.read(
                    event.project, event.stage, "", REMEDIATION_URI, event.gitcommitid
                )
        except SlogateError as error:
            return None, f"{missing} {error}"
        if text is None:
            return None, missing
        try:
            file, problems = parse_remediation(self._load(text, REMEDIATION_URI))
        except DocumentError as error:
            return None, f"{UNPARSABLE} {error.detail}"
        if file is None:
            return None, f"{UNPARSABLE} {'; '.join(str(problem) for problem in problems)}"
        return file, ""

    def _context_events(self, event: KeptnEvent) -> list[KeptnEvent]:
        """Every event of ``event``'s context in its project (a remediation is a few dozen)."""
        criteria = EventCriteria(
            fields=(
                FieldMatch(("shkeptncontext",), (event.shkeptncontext,)),
                FieldMatch(("data", "project"), (event.project,)),
            ),
            limit=None,
            count=False,
        )
        return self._store.query(criteria)[0]

    def _progress(self, event: KeptnEvent, context: list[KeptnEvent]) -> Progress:
        """How many actions this remediation chose, how many loops it ran, since when, and whether
        its problem closed."""
        answers = [e for e in context if e.type == GET_ACTION_FINISHED and e.stage == event.stage]
        chosen = sum(
            1 for e in answers if isinstance(e.data.get("action"), Mapping) and e.data.get("result") == "pass"
        )
        trigger = sequence_type(event.stage, "remediation", "triggered")
        began = min((e.time for e in context if e.type == trigger), default=event.time)
        closed = any(_closes(e, event.stage) for e in context)
        return Progress(chosen, len(answers), max(self._now() - began, timedelta(0)), closed)


def _closes(event: KeptnEvent, stage: str) -> bool:
    """Whether ``event`` is a closed problem (``sh.keptn.events.problem`` with ``State: CLOSED``) for
    ``stage`` (or for no stage in particular)."""
    if event.type != PROBLEM or (event.stage and event.stage != stage):
        return False
    return problem_log.problem_state(event.data) == CLOSED


def _finished(common: Mapping[str, Any], chosen: Answer) -> dict[str, Any]:
    """get-action.finished's data: Keptn's fields, the action chosen and its 1-based index."""
    data: dict[str, Any] = {
        **common,
        "status": chosen.status,
        "result": chosen.result,
        "message": chosen.message,
    }
    if chosen.action is not None:
        data["action"] = chosen.action.as_data()
        data["get-action"] = {"actionIndex": chosen.index}
    return data
