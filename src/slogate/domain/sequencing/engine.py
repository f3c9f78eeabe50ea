"""The sequence engine's one pure transition: ``decide(snapshot, input)`` → changed executions and events.

Keptn's shipyard-controller (keptn-v1-spec §3) as a state machine over one project's snapshot.
An input is a received event, a control command or a tick of the clock. After applying it, the
engine *settles*: queued executions start when nothing blocks them (§3.3), due task triggers go
out, and tasks without a reply time out. There is no periodic dispatcher: the caller asks again
when :func:`slogate.domain.sequencing.timeouts.deadline` says something becomes due.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from slogate.domain.protocol.event_types import EventType, parse_event_type, task_type
from slogate.domain.protocol.gate_events import ABORTED, ERRORED, FAIL, PASS, KeptnEvent
from slogate.domain.sequencing.engine_events import (
    NO_EXECUTOR,
    NO_SEQUENCE,
    NO_SHIPYARD,
    NO_STAGE,
    NO_TASKS,
    chained_trigger,
    sequence_finished,
    sequence_rejected,
    task_triggered,
)
from slogate.domain.sequencing.engine_io import Command, Control, Decision, Input, Received, Snapshot
from slogate.domain.sequencing.execution import (
    APPROVAL,
    FINISHED_KIND,
    STARTED_KIND,
    CurrentTask,
    Execution,
    Scope,
    State,
    TaskReply,
    aggregate,
)
from slogate.domain.sequencing.shipyard import Shipyard, TaskSequence
from slogate.domain.sequencing.timeouts import overdue_message, own_timeout, task_delay

_ACTIVE = (State.TRIGGERED, State.STARTED, State.WAITING_FOR_APPROVAL)


def decide(snapshot: Snapshot, given: Input) -> Decision:
    """Apply ``given`` to ``snapshot``, then settle; nothing in ``snapshot`` is modified."""
    work = _Work(snapshot)
    if isinstance(given, Received):
        work.receive(given.event)
    elif isinstance(given, Control):
        work.control(given)
    work.settle()
    return work.decision()


class _Work:
    """One decision in progress: the executions by id, what changed, what to emit."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.now = snapshot.now
        self.executions: dict[str, Execution] = {execution.id: execution for execution in snapshot.executions}
        self.changed: list[str] = []
        self.events: list[KeptnEvent] = []
        self.pauses = set(snapshot.pauses)
        self.notes: list[str] = []

    def decision(self) -> Decision:
        changed = tuple(self.executions[execution_id] for execution_id in dict.fromkeys(self.changed))
        return Decision(changed, tuple(self.events), frozenset(self.pauses), tuple(self.notes))

    def shipyard(self) -> Shipyard | None:
        """The project's shipyard (only triggers and ends need it)."""
        return self.snapshot.facts.loaded_shipyard()

    def put(self, execution: Execution) -> Execution:
        self.executions[execution.id] = execution
        self.changed.append(execution.id)
        return execution

    def emit(self, event: KeptnEvent) -> None:
        self.events.append(event)

    # --- received events --------------------------------------------------------------------------

    def receive(self, event: KeptnEvent) -> None:
        parsed = parse_event_type(event.type)
        if parsed.is_sequence and parsed.kind == "triggered":
            self.trigger(event, parsed)
        elif parsed.is_task and parsed.kind in (STARTED_KIND, FINISHED_KIND):
            self.reply(event, parsed)

    def trigger(self, event: KeptnEvent, parsed: EventType) -> None:
        """§3.2: a sequence trigger becomes a queued execution, or an errored ``.finished``."""
        if not (event.project and event.stage and event.service):
            self.notes.append(f"ignored {event.type} {event.id}: data needs project, stage and service")
            return
        if any(execution.scope.triggered_id == event.id for execution in self.executions.values()):
            self.notes.append(f"ignored {event.type} {event.id}: already received")
            return
        sequence, problem = self.sequence_for(parsed.stage, parsed.sequence, event.project)
        if sequence is None:
            rejected = sequence_rejected(
                event, parsed.stage, parsed.sequence, problem, self.snapshot.new_id(), self.now
            )
            self.emit(rejected)
            return
        self.put(self.new_execution(event, parsed, sequence))

    def sequence_for(self, stage_name: str, name: str, project: str) -> tuple[TaskSequence | None, str]:
        shipyard = self.shipyard()
        if shipyard is None:
            return None, NO_SHIPYARD.format(project=project)
        stage = shipyard.stage(stage_name)
        if stage is None:
            return None, NO_STAGE.format(sequence=name, stage=stage_name)
        sequence = stage.sequence(name)
        if sequence is None:
            return None, NO_SEQUENCE.format(sequence=name, stage=stage_name)
        if not sequence.tasks:
            return None, NO_TASKS.format(sequence=name)
        return sequence, ""

    def new_execution(self, event: KeptnEvent, parsed: EventType, sequence: TaskSequence) -> Execution:
        labels = event.data.get("labels")
        scope = Scope(
            project=event.project,
            stage=parsed.stage,
            service=event.service,
            keptn_context=event.shkeptncontext,
            triggered_id=event.id,
            event_type=event.type,
            gitcommitid=event.gitcommitid or self.snapshot.facts.revision(parsed.stage),
            labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {},
        )
        execution = Execution(
            id=self.snapshot.new_id(),
            sequence=sequence,
            scope=scope,
            state=State.TRIGGERED,
            triggered_at=event.time,
            input_properties=dict(event.data),
        )
        if self.paused(scope.keptn_context, scope.stage):
            execution = replace(execution, state=State.PAUSED, state_before_pause=State.TRIGGERED)
        return execution

    def reply(self, event: KeptnEvent, parsed: EventType) -> None:
        """§3.5: a ``.started``/``.finished`` for the current task; the task completes on the count."""
        execution = self.correlated(event)
        task = execution.current_task if execution is not None else None
        if execution is None or task is None:
            self.notes.append(
                f"ignored {event.type} {event.id}: no task waits for triggeredid {event.triggeredid!r}"
            )
            return
        if any(reply.event_id == event.id for reply in task.replies):
            return  # delivered twice
        finished = parsed.kind == FINISHED_KIND
        reply = TaskReply(
            event_id=event.id,
            event_type=event.type,
            source=event.source,
            time=event.time,
            result=str(event.data.get("result") or ""),
            status=str(event.data.get("status") or ""),
            properties=dict(event.data) if finished else {},
        )
        task = replace(task, replies=(*task.replies, reply), sent_at=task.sent_at or self.now)
        execution = replace(execution, scope=self.noted(execution.scope, event.data), current_task=task)
        if not task.is_complete():
            self.put(execution)
            return
        outcome = aggregate(task)
        self.advance(
            replace(execution, previous_tasks=(*execution.previous_tasks, outcome), current_task=None)
        )

    def correlated(self, event: KeptnEvent) -> Execution | None:
        for execution in self.executions.values():
            task = execution.current_task
            if (
                task is not None
                and task.triggered_id == event.triggeredid
                and execution.scope.keptn_context == event.shkeptncontext
                and execution.scope.project == event.project
            ):
                return execution
        return None

    def noted(self, scope: Scope, data: Mapping[str, Any]) -> Scope:
        """Labels and message of the latest correlated event travel to the sequence's ``.finished``
        (labels only when it has some, as go-utils clients keep them; the message always)."""
        labels = data.get("labels")
        if isinstance(labels, Mapping):
            scope = replace(scope, labels={str(k): str(v) for k, v in labels.items()})
        return replace(scope, message=str(data.get("message") or ""))

    # --- moving on --------------------------------------------------------------------------------

    def advance(self, execution: Execution) -> None:
        """After a task: prepare the next one, or end the sequence with the last task's outcome."""
        index = execution.next_task_index()
        if index is None:
            last = execution.previous_tasks[-1]
            self.finish(execution, last.status, last.result, execution.scope.message, chain=True)
            return
        task = execution.sequence.tasks[index]
        current = CurrentTask(
            name=task.name,
            triggered_id=self.snapshot.new_id(),
            due=self.now + task_delay(task),
            timeout_seconds=own_timeout(task),
        )
        self.put(
            self.with_state(
                replace(execution, current_task=current), self.running_state(execution, task.name)
            )
        )

    def running_state(self, execution: Execution, task_name: str) -> State:
        """``waitingForApproval`` for an approval; else started, or queued again while another context
        runs in the same key (a sequence that overtook a pending approval keeps the key)."""
        if task_name == APPROVAL:
            return State.WAITING_FOR_APPROVAL
        return State.TRIGGERED if self.key_busy(execution) else State.STARTED

    def key_busy(self, execution: Execution) -> bool:
        context = execution.scope.keptn_context
        return any(
            other.state is State.STARTED and other.scope.keptn_context != context
            for other in self.same_key(execution)
        )

    def with_state(self, execution: Execution, state: State) -> Execution:
        """Enter ``state``, or remember it for after the pause."""
        if execution.state is State.PAUSED:
            return replace(execution, state_before_pause=state)
        if state is State.STARTED and execution.state is not State.STARTED:
            execution = replace(execution, started_at=self.now)
        return replace(execution, state=state)

    def finish(
        self, execution: Execution, status: str, result: str, message: str, *, chain: bool,
        state: State = State.FINISHED,
    ) -> None:  # fmt: skip
        """End ``execution``: its ``.finished``, then (normal ends only) the sequences it triggers."""
        scope = replace(execution.scope, status=status, result=result, message=message)
        ended = self.put(
            replace(execution, scope=scope, state=state, state_before_pause=None, current_task=None)
        )
        self.emit(sequence_finished(ended, self.snapshot.new_id(), self.now))
        shipyard = self.shipyard() if chain else None
        if shipyard is None:
            return
        last_task = ended.previous_tasks[-1].name if ended.previous_tasks else ""
        for stage, sequence in shipyard.triggered_by(scope.stage, ended.sequence_name, result, last_task):
            self.emit(chained_trigger(ended, stage, sequence.name, self.snapshot.new_id(), self.now))

    # --- control ----------------------------------------------------------------------------------

    def control(self, command: Control) -> None:
        """§3.9: pause, resume or abort the context's executions (in one stage or all)."""
        targets = [
            execution
            for execution in self.executions.values()
            if execution.scope.keptn_context == command.keptn_context
            and command.stage in ("", execution.scope.stage)
            and not execution.state.done
        ]
        if command.command is Command.PAUSE:
            self.pauses.add((command.keptn_context, command.stage))
            for execution in targets:
                if execution.state in _ACTIVE:
                    self.put(replace(execution, state=State.PAUSED, state_before_pause=execution.state))
        elif command.command is Command.RESUME:
            self.pauses = {
                pause
                for pause in self.pauses
                if pause[0] != command.keptn_context or command.stage not in ("", pause[1])
            }
            for execution in targets:
                if execution.state is State.PAUSED and not self.paused(
                    command.keptn_context, execution.scope.stage
                ):
                    restored = execution.state_before_pause or State.TRIGGERED
                    if restored is State.STARTED and self.key_busy(execution):
                        restored = State.TRIGGERED
                    self.put(replace(execution, state=restored, state_before_pause=None))
        else:
            self.pauses = {pause for pause in self.pauses if pause[0] != command.keptn_context}
            for execution in targets:
                self.finish(execution, ABORTED, PASS, "", chain=False)

    def paused(self, keptn_context: str, stage: str) -> bool:
        return (keptn_context, "") in self.pauses or (keptn_context, stage) in self.pauses

    # --- settling ---------------------------------------------------------------------------------

    def settle(self) -> None:
        """Start what may start and send what is due, until nothing changes; then apply timeouts."""
        self.time_out()
        progress = True
        while progress:
            progress = self.start_queued() or self.send_due()

    def start_queued(self) -> bool:
        """§3.3: the first queued execution of a key starts when no other context is started there."""
        for execution in self.in_queue_order(State.TRIGGERED):
            if self.blocked(execution):
                continue
            task = execution.current_task
            if task is None:
                self.advance(self.put(self.with_state(execution, State.STARTED)))
            else:  # queued again after an approval or a pause: go on with its task
                self.put(self.with_state(execution, self.running_state(execution, task.name)))
            return True
        return False

    def blocked(self, execution: Execution) -> bool:
        if self.key_busy(execution):
            return True
        others = self.same_key(execution)
        earlier = [
            other
            for other in others
            if other.state is State.TRIGGERED and other.triggered_at < execution.triggered_at
        ]
        return len(earlier) > 1 or any(
            other.scope.keptn_context != execution.scope.keptn_context for other in earlier
        )

    def send_due(self) -> bool:
        """Send the due task triggers of running executions, earliest started first."""
        for execution in self.running_by_start():
            task = execution.current_task
            if task is None or task.sent_at is not None or task.due > self.now or self.held(execution):
                continue
            self.send(execution, task)
            return True
        return False

    def send(self, execution: Execution, task: CurrentTask) -> None:
        event_type = task_type(task.name, "triggered")
        if not self.snapshot.facts.has_executor(event_type, execution.scope):
            scope = execution.scope
            message = NO_EXECUTOR.format(
                task=task.name, project=scope.project, stage=scope.stage, service=scope.service
            )
            self.finish(execution, ERRORED, FAIL, message, chain=False)
            return
        shipyard_task = execution.sequence.tasks[len(execution.previous_tasks)]
        self.emit(task_triggered(execution, shipyard_task, task.triggered_id, self.now))
        self.put(replace(execution, current_task=replace(task, sent_at=self.now)))

    def held(self, execution: Execution) -> bool:
        """Keptn holds a task trigger while another context runs a task in the same key (§3.4)."""
        return any(
            other.state is State.STARTED
            and other.scope.keptn_context != execution.scope.keptn_context
            and other.current_task is not None
            and other.current_task.sent_at is not None
            for other in self.same_key(execution)
        )

    def time_out(self) -> None:
        """§3.8: a sent task without any reply; a started task over its limit (an extension)."""
        snapshot = self.snapshot
        for execution in list(self.executions.values()):
            message = overdue_message(
                execution, snapshot.task_timeout, self.now, snapshot.started_task_timeout
            )
            if message is not None:
                self.finish(execution, ERRORED, FAIL, message, chain=False, state=State.TIMED_OUT)

    # --- views ------------------------------------------------------------------------------------

    def same_key(self, execution: Execution) -> list[Execution]:
        return [
            other
            for other in self.executions.values()
            if other.id != execution.id and other.queue_key == execution.queue_key and not other.state.done
        ]

    def in_queue_order(self, state: State) -> list[Execution]:
        matching = [execution for execution in self.executions.values() if execution.state is state]
        return sorted(matching, key=lambda execution: execution.triggered_at)

    def running_by_start(self) -> list[Execution]:
        running = [
            execution
            for execution in self.executions.values()
            if execution.state in (State.STARTED, State.WAITING_FOR_APPROVAL)
        ]
        return sorted(
            running, key=lambda execution: (execution.started_at or self.now, execution.triggered_at)
        )
