"""Problems in: Alertmanager's alerts and Keptn's problem events open problems, start remediations and
close them (aborting the context's remediation); the problems of a project are a projection of the events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from slogate.domain.protocol import alertmanager as am
from slogate.domain.protocol import problem_log
from slogate.domain.protocol.event_types import PROBLEM, sequence_type
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.protocol.problem_log import ProblemRecord
from slogate.errors import InputError
from slogate.ports import EventCriteria, EventQueries, FieldMatch
from slogate.services.runtime.intake import EventIntake

MAX_PROBLEM_EVENTS = 5000  # the newest problem events a listing reads
STATES = ("open", "closed")
TRIGGERED = "TRIGGERED"  # what ``_seen`` reports for a context whose remediation was triggered

Abort = Callable[[str, str], Awaitable[None]]
ScopeCheck = Callable[[str, str, str], str]  # project, stage, service -> "" or why they do not exist


@dataclass
class AlertReport:
    """What one Alertmanager notification did, alert by alert."""

    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    skipped: list[am.Skipped] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Counts, the contexts of each outcome, and the skipped alerts with their reasons."""
        return {
            "opened": len(self.opened),
            "updated": len(self.updated),
            "closed": len(self.closed),
            "skipped": len(self.skipped),
            "keptnContexts": {"opened": self.opened, "updated": self.updated, "closed": self.closed},
            "skippedAlerts": [
                {"index": item.index, "fingerprint": item.fingerprint, "reason": item.reason}
                for item in self.skipped
            ],
        }


class ProblemService:
    """Opens and closes problems; one at a time, so that repeated notifications start one remediation."""

    def __init__(
        self,
        intake: EventIntake,
        store: EventQueries,
        abort: Abort,
        now: Callable[[], datetime],
        scope: ScopeCheck | None = None,
    ) -> None:
        self._intake = intake
        self._scope = scope
        self._store = store
        self._abort = abort
        self._now = now
        self._lock = asyncio.Lock()

    async def receive_alerts(self, body: Any) -> AlertReport:
        """Handle an Alertmanager notification: every alert opens, updates or closes its problem, or is
        skipped with the reason; ``AlertPayloadError`` when the body is not a webhook payload."""
        report = AlertReport()
        for index, item in enumerate(am.read_payload(body)):
            if isinstance(item, am.Skipped):
                report.skipped.append(item)
                continue
            async with self._lock:
                await self._alert(index, item, report)
        return report

    async def _alert(self, index: int, alert: am.Alert, report: AlertReport) -> None:
        context = alert.keptn_context
        seen = await self._seen(alert.project, context, alert.stage)
        if alert.status == am.FIRING:
            if am.CLOSED in seen or TRIGGERED in seen:  # notified before: no second remediation
                report.updated.append(context)
                return
            if am.OPEN not in seen:  # (else a crash came between the problem and its remediation)
                unknown = await asyncio.to_thread(self._scope, *_where(alert)) if self._scope else ""
                if unknown:
                    reason = f"{unknown}: check the alert rule's labels project, stage and service"
                    report.skipped.append(am.Skipped(index, alert.fingerprint, reason))
                    return
                await self._intake.ingest(am.problem_event(alert, am.OPEN), self._now())
            await self._intake.ingest(am.remediation_trigger(alert), self._now())
            report.opened.append(context)
        elif am.OPEN not in seen:
            reason = "resolved, but slogate never saw it firing: there is no problem to close"
            report.skipped.append(am.Skipped(index, alert.fingerprint, reason))
        else:
            if am.CLOSED in seen:
                report.updated.append(context)
            else:
                await self._intake.ingest(am.problem_event(alert, am.CLOSED), self._now())
                report.closed.append(context)
            await self._abort(alert.project, context)  # again when notified again: it costs nothing

    @staticmethod
    def prepare(raw: Mapping[str, Any]) -> dict[str, Any]:
        """A posted ``sh.keptn.events.problem`` made ready to store (see ``problem_log.prepared``);
        other events unchanged."""
        return problem_log.prepared(raw) if raw.get("type") == PROBLEM else dict(raw)

    async def store(self, event: KeptnEvent) -> None:
        """Store an accepted event; a routed problem event then starts (open) or stops (closed) the
        remediation of its context, once per problem. Other events are only stored."""
        if event.type != PROBLEM:
            await self._intake.store(event)
            return
        where = problem_log.route(event.data)
        if where is None and problem_log.problem_state(event.data) == am.CLOSED:
            event, where = await self._routed_like_its_opening(event)
        if where is None:
            await self._intake.store(event)
            return
        async with self._lock:
            seen = await self._seen(where.project, event.shkeptncontext, where.stage)
            await self._intake.store(event)
            state = problem_log.problem_state(event.data)
            if state == am.OPEN and am.CLOSED not in seen and TRIGGERED not in seen:
                await self._intake.ingest(problem_log.remediation_for(event, where), self._now())
            elif state == am.CLOSED:
                await self._abort(where.project, event.shkeptncontext)

    async def _routed_like_its_opening(
        self, event: KeptnEvent
    ) -> tuple[KeptnEvent, problem_log.Route | None]:
        """A closing event without routing fields takes them from the problem it closes (the routed
        ``OPEN`` event of its context), so that it lands in the project of its remediation."""
        criteria = EventCriteria(
            fields=(
                FieldMatch(("shkeptncontext",), (event.shkeptncontext,)),
                FieldMatch(("type",), (PROBLEM,)),
            ),
            context_collection=event.shkeptncontext,
            limit=None,
            count=False,
        )
        found, _ = await asyncio.to_thread(self._store.query, criteria)
        for opening in found:
            where = problem_log.route(opening.data)
            if where is not None and problem_log.problem_state(opening.data) == am.OPEN:
                routing = {"project": where.project, "stage": where.stage, "service": where.service}
                return replace(event, data={**event.data, **routing}), where
        return event, None

    def problems(self, project: str, state: str = "") -> list[ProblemRecord]:
        """The project's problems, newest first; ``state`` ``open`` or ``closed`` filters them."""
        if state and state not in STATES:
            raise InputError(f"unknown problem state {state!r}: use 'open' or 'closed'")
        events, _ = self._store.query(
            EventCriteria(
                fields=(FieldMatch(("type",), (PROBLEM,)),),
                project_collection=project,
                limit=MAX_PROBLEM_EVENTS,
                count=False,
            )
        )
        found = problem_log.problems_of(events)
        return [record for record in found if not state or record.state == state]

    async def _seen(self, project: str, context: str, stage: str) -> set[str]:
        """The states of the problem events already stored in ``context``, and ``TRIGGERED`` when its
        remediation was triggered already."""
        trigger = sequence_type(stage, "remediation", "triggered")
        criteria = EventCriteria(
            fields=(FieldMatch(("shkeptncontext",), (context,)), FieldMatch(("type",), (PROBLEM, trigger))),
            project_collection=project,
            limit=None,
            count=False,
        )
        events, _ = await asyncio.to_thread(self._store.query, criteria)
        states = {
            TRIGGERED if event.type == trigger else problem_log.problem_state(event.data) for event in events
        }
        return states - {""}


def _where(alert: am.Alert) -> tuple[str, str, str]:
    return alert.project, alert.stage, alert.service
