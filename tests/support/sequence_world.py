"""A test world for the pure sequence engine: one project's executions, a log, scripted replies."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from slogate.adapters.yamlfile import load_document
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine import decide
from slogate.domain.sequencing.engine_io import Decision, Input, Received, Snapshot, Tick
from slogate.domain.sequencing.execution import Execution, State
from slogate.domain.sequencing.facts import UNLOADED, ProjectFacts, needs, needs_shipyard
from slogate.domain.sequencing.shipyard import Shipyard, parse_shipyard

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PROJECT, SERVICE = "fulltour", "helloservice"
REVISIONS = {"qa": "rev-qa-1", "production": "rev-production-1"}

DELIVERY = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: shipyard-delivery}
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks:
            - {name: deployment, properties: {deploymentstrategy: direct}}
            - {name: test, properties: {teststrategy: performance}}
            - {name: evaluation, properties: {timeframe: 2m}}
            - {name: release}
    - name: production
      sequences:
        - name: delivery
          triggeredOn: [{event: qa.delivery.finished}]
          tasks:
            - {name: approval, properties: {pass: automatic, warning: automatic}}
            - {name: deployment, properties: {deploymentstrategy: direct}}
            - {name: release}
        - name: rollback
          triggeredOn: [{event: production.delivery.finished, selector: {match: {result: fail}}}]
          tasks:
            - {name: rollback}
"""


def shipyard(text: str) -> Shipyard:
    """Parse a shipyard written in a test."""
    return parse_shipyard(load_document(textwrap.dedent(text), "shipyard.yaml"))


class World:
    """One project's engine state; every decision is applied, every emitted event logged."""

    def __init__(
        self,
        shipyard_text: str | None = DELIVERY,
        *,
        executors: Callable[[str, str, str], bool] = lambda task_type, stage, service: True,
        task_timeout: timedelta = timedelta(minutes=10),
    ) -> None:
        self.shipyard = shipyard(shipyard_text) if shipyard_text is not None else None
        self.now = T0
        self.executions: dict[str, Execution] = {}
        self.pauses: frozenset[tuple[str, str]] = frozenset()
        self.log: list[KeptnEvent] = []
        self.notes: list[str] = []
        self.executors = executors
        self.task_timeout = task_timeout
        self._ids = itertools.count(1)
        self._received: set[str] = set()

    def new_id(self) -> str:
        """Readable ids: ``id-1``, ``id-2``…"""
        return f"id-{next(self._ids)}"

    def snapshot(self, given: Input | None = None) -> Snapshot:
        """Everything the engine may see when deciding ``given``: the facts that :func:`needs` names,
        loaded as the service loads them (only those, so that a fact the engine misses fails)."""
        executions = tuple(self.executions.values())
        event = given.event if isinstance(given, Received) else None
        shipyard = self.shipyard if needs_shipyard(event) else UNLOADED
        wanted = needs(shipyard, executions, event)
        facts = ProjectFacts(
            shipyard=shipyard,
            revisions={stage: REVISIONS.get(stage, "") for stage in wanted.stages},
            executors={key: self.executors(*key) for key in wanted.executors},
        )
        return Snapshot(
            project=PROJECT,
            now=self.now,
            facts=facts,
            executions=executions,
            pauses=self.pauses,
            task_timeout=self.task_timeout,
            new_id=self.new_id,
        )

    def apply(self, given: Input) -> Decision:
        """Decide, keep the outcome, and feed back chained sequence triggers (as the log would)."""
        decision = decide(self.snapshot(given), given)
        for execution in decision.executions:
            self.executions[execution.id] = execution
        self.pauses = decision.pauses
        self.log.extend(decision.events)
        self.notes.extend(decision.notes)
        for event in decision.events:
            if event.type.endswith(".triggered") and event.type.count(".") == 5:
                self.receive(event)
        return decision

    def receive(self, event: KeptnEvent) -> Decision:
        """An event arrives from the log."""
        self._received.add(event.id)
        if event not in self.log:
            self.log.append(event)
        return self.apply(Received(event))

    def tick(self, seconds: float) -> Decision:
        """Let time pass."""
        self.now += timedelta(seconds=seconds)
        return self.apply(Tick())

    # --- building events --------------------------------------------------------------------------

    def trigger(
        self,
        stage: str = "qa",
        sequence: str = "delivery",
        *,
        context: str = "ctx-1",
        service: str = SERVICE,
        **data: Any,
    ) -> KeptnEvent:
        """Send ``sh.keptn.event.<stage>.<sequence>.triggered``."""
        event = KeptnEvent(
            id=self.new_id(),
            type=f"sh.keptn.event.{stage}.{sequence}.triggered",
            source="cli",
            time=self.now,
            shkeptncontext=context,
            data={"project": PROJECT, "stage": stage, "service": service, **data},
        )
        self.receive(event)
        return event

    def reply(self, to: KeptnEvent, kind: str, source: str = "executor", **data: Any) -> KeptnEvent:
        """A ``.started`` or ``.finished`` answer to a task trigger."""
        body: dict[str, Any] = {"project": to.project, "stage": to.stage, "service": to.service}
        if kind == "finished":
            body.update(result="pass", status="succeeded")
        body.update(data)
        event = KeptnEvent(
            id=self.new_id(),
            type=to.type.removesuffix("triggered") + kind,
            source=source,
            time=self.now,
            shkeptncontext=to.shkeptncontext,
            data=body,
            triggeredid=to.id,
        )
        self.receive(event)
        return event

    def run_task(self, to: KeptnEvent, **finished: Any) -> None:
        """Answer a task trigger with ``.started`` then ``.finished`` (pass unless told otherwise)."""
        self.reply(to, "started")
        self.reply(to, "finished", **finished)

    # --- reading ----------------------------------------------------------------------------------

    def open_task(self, task: str, context: str = "ctx-1", stage: str | None = None) -> KeptnEvent:
        """The last sent ``<task>.triggered`` of a context (and stage)."""
        matches = [
            event
            for event in self.log
            if event.type == f"sh.keptn.event.{task}.triggered"
            and event.shkeptncontext == context
            and (stage is None or event.stage == stage)
        ]
        assert matches, f"no {task}.triggered in {context}: {[e.type for e in self.log]}"
        return matches[-1]

    def types(self, context: str | None = None) -> list[str]:
        """The logged event types (of one context), shortened to what follows ``sh.keptn.event.``."""
        return [
            event.type.removeprefix("sh.keptn.event.")
            for event in self.log
            if context is None or event.shkeptncontext == context
        ]

    def finished(self, stage: str, sequence: str = "delivery", context: str = "ctx-1") -> Mapping[str, Any]:
        """The data of ``<stage>.<sequence>.finished``."""
        kind = f"sh.keptn.event.{stage}.{sequence}.finished"
        matches = [e for e in self.log if e.type == kind and e.shkeptncontext == context]
        assert len(matches) == 1, f"{len(matches)} × {kind}: {self.types(context)}"
        return matches[0].data

    def execution(self, stage: str, context: str = "ctx-1", sequence: str = "delivery") -> Execution:
        """The execution of ``sequence`` in ``stage`` of a context."""
        matches = [
            e
            for e in self.executions.values()
            if e.scope.stage == stage and e.scope.keptn_context == context and e.sequence_name == sequence
        ]
        assert len(matches) == 1, matches
        return matches[0]

    def state(self, stage: str, context: str = "ctx-1", sequence: str = "delivery") -> State:
        """The state of that execution."""
        return self.execution(stage, context, sequence).state

    def deliver(self, context: str = "ctx-1", evaluation: str = "pass", service: str = SERVICE) -> None:
        """Run a whole qa delivery of ``context`` with every task passing except the evaluation's result."""
        for task in ("deployment", "test"):
            self.run_task(self.open_task(task, context, "qa"))
        self.run_task(self.open_task("evaluation", context, "qa"), result=evaluation)
        if evaluation != "fail":
            self.run_task(self.open_task("release", context, "qa"))
