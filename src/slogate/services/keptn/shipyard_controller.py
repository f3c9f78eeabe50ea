"""The sequence engine at work: load a snapshot, decide, commit the outcome with its events, wake others.

Everything that moves a sequence runs one at a time under one lock: events from the log (this
service is a dispatcher consumer that commits its own cursor), control commands from the API, and
the timer that wakes at the next deadline (a delayed task, a timeout). The transitions of a batch
of events, the events they emit and the cursor move are one transaction, so a crash redoes events
at most, and a redone event changes nothing (executions are keyed by their trigger, replies by
their event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from slogate.domain.protocol.event_types import parse_event_type
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine import decide
from slogate.domain.sequencing.engine_events import CONTROLLER
from slogate.domain.sequencing.engine_io import Command, Control, Decision, Pause, Received, Snapshot, Tick
from slogate.domain.sequencing.shipyard import Shipyard
from slogate.domain.sequencing.timeouts import STARTED_TASK_TIMEOUT
from slogate.ports import PendingEvent, SequenceStore, SequenceWrite
from slogate.ports.leases import LeaseLostError
from slogate.services.keptn.controller_batch import Batch, FactSources
from slogate.services.keptn.emit import failure

# sequence triggers (six segments: ``*`` matches dots too, so ``*.*`` needs at least two) and task replies
TYPES = ("sh.keptn.event.*.*.triggered", "sh.keptn.event.*.started", "sh.keptn.event.*.finished")
IDLE_SECONDS = 60.0
RETRY_SECONDS = 5.0
PREFILTER_AT = 8  # replies in a batch from which one query sorts out those answering no open task
RETRY_DELAYS = (0.1, 0.5, 2.0, 5.0)  # then an event that still fails is recorded as a defect
logger = logging.getLogger(__name__)


class SequenceService:
    """Runs the engine over the log, the control API and the clock (see the module docstring)."""

    name = CONTROLLER
    types: tuple[str, ...] = TYPES

    def __init__(
        self,
        store: SequenceStore,
        shipyards: Callable[[str], Shipyard | None],
        stage_revision: Callable[[str, str], str],
        has_executor: Callable[[str, str, str, str], bool],
        *,
        now: Callable[[], datetime],
        task_timeout: timedelta,
        started_task_timeout: timedelta = STARTED_TASK_TIMEOUT,
        wake: Callable[[Sequence[str]], None] = lambda types: None,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        retry_delays: Sequence[float] = RETRY_DELAYS,
        replicas: bool = False,
    ) -> None:
        self._retry_delays = tuple(retry_delays)
        self._store = store
        self._sources = FactSources(shipyards, stage_revision, has_executor)
        self._now = now
        self._task_timeout = task_timeout
        self._started_task_timeout = started_task_timeout
        self._wake = wake
        self._new_id = new_id
        self._lock = asyncio.Lock()
        self._timer = asyncio.Event()
        self._planned: datetime | None = None  # the deadline the timer waits for (None: none)
        self._new_deadline: datetime | None = None  # the earliest deadline committed since
        self._known_pauses: dict[str, frozenset[Pause]] = {}  # the engine is the only writer of pauses
        self._replicas = replicas  # other replicas' control commands write pauses too: read them each time

    # --- the three ways in ------------------------------------------------------------------------

    async def consume(self, batch: Sequence[PendingEvent]) -> Sequence[str]:
        """Apply ``batch`` and commit it with this consumer's cursor, in one transaction; the emitted
        types. A failure is retried with backoff; then the events are applied one by one, and one
        that still fails is recorded as ``sh.keptn.log.error`` and passed over."""
        async with self._lock:
            outcome = await self._with_retries(batch)
            emitted = outcome if isinstance(outcome, list) else []
            if isinstance(outcome, Exception):
                for pending in batch:
                    single = await self._with_retries([pending])
                    emitted += (
                        single if isinstance(single, list) else await self._record_defect(pending, single)
                    )
        self._rearm()
        return emitted

    async def recover(self) -> list[str]:
        """This replica starts running the engine (start-up or a takeover): forget the pause sets
        remembered from an earlier turn (another replica may have changed them meanwhile)."""
        self._known_pauses.clear()
        return []

    def _pause_memory(self) -> dict[str, frozenset[Pause]]:
        return {} if self._replicas else self._known_pauses

    async def control(self, project: str, keptn_context: str, command: Command, stage: str = "") -> None:
        """Pause, resume or abort a context (in one stage or all); an unknown context changes nothing."""
        async with self._lock:
            emitted = await asyncio.to_thread(
                self._apply_control, project, Control(keptn_context, command, stage)
            )
        self._after(emitted)

    async def run(self) -> None:
        """Wake at each deadline (a delayed task, a timeout) until cancelled."""
        while True:
            self._timer.clear()
            try:
                upcoming = self._planned = await asyncio.to_thread(self._store.next_deadline)
                wait = IDLE_SECONDS if upcoming is None else (upcoming - self._now()).total_seconds()
                if wait > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._timer.wait(), min(wait, IDLE_SECONDS))
                    continue
                await self.tick()
            except Exception:  # a defect or a lost database: log it, do not stop the timer
                logger.exception("sequence timer failed; retrying in %s s", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)

    async def tick(self) -> None:
        """Apply the clock to every service that has something due."""
        async with self._lock:
            emitted = await asyncio.to_thread(self._apply_ticks)
        self._after(emitted)

    # --- applying (in a worker thread, under the lock) --------------------------------------------

    async def _with_retries(self, batch: Sequence[PendingEvent]) -> list[str] | Exception:
        """Apply ``batch`` in a worker thread, retried after each delay; the last error if it kept failing."""
        for delay in self._retry_delays:
            try:
                return await asyncio.to_thread(self._apply_events, batch)
            except LeaseLostError:
                raise  # another replica runs the engine now: nothing to retry here
            except Exception:
                logger.warning(
                    "the sequence engine failed on %d event(s); retrying in %s s", len(batch), delay
                )
                await asyncio.sleep(delay)
        try:
            return await asyncio.to_thread(self._apply_events, batch)
        except LeaseLostError:
            raise
        except Exception as error:
            logger.exception("the sequence engine failed on %d event(s)", len(batch))
            return error

    async def _record_defect(self, pending: PendingEvent, error: Exception) -> list[str]:
        recorded = failure(pending.event, CONTROLLER, error, self._now())
        write = SequenceWrite(pending.event.project, (), (recorded,), None)
        await asyncio.to_thread(self._store.commit, [write], (self.name, pending.seq))
        return [recorded.type]

    def _apply_events(self, pendings: Sequence[PendingEvent]) -> list[str]:
        batch = Batch(self._store, self._task_timeout, self._pause_memory(), self._sources)
        events = [pending.event for pending in pendings if self._concerns_engine(pending.event)]
        unrelated = self._unrelated_replies(events)
        for event in events:
            if event.id in unrelated:
                continue
            snapshot = self._snapshot(
                batch, event.project, [event.service], [event.shkeptncontext], [event.id], event
            )
            decision = decide(snapshot, Received(event))
            batch.add(snapshot, decision)
            self._log(snapshot, decision)
        return self._commit(batch, (self.name, pendings[-1].seq))

    def _unrelated_replies(self, events: Sequence[KeptnEvent]) -> set[str]:
        """The ids of replies that answer no task a sequence waits for (e.g. get-sli between two
        services), found with one query when a batch is large; a small batch is cheaper without."""
        replies = [event for event in events if parse_event_type(event.type).is_task]
        if len(replies) < PREFILTER_AT:
            return set()
        open_tasks = self._store.open_tasks([event.triggeredid for event in replies])
        return {event.id for event in replies if event.triggeredid not in open_tasks}

    def _apply_control(self, project: str, command: Control) -> list[str]:
        batch = Batch(self._store, self._task_timeout, self._pause_memory(), self._sources)
        snapshot = self._snapshot(batch, project, [], [command.keptn_context], [])
        if not any(e.scope.keptn_context == command.keptn_context for e in snapshot.executions):
            logger.info(
                "control %s of unknown context %s in %s", command.command, command.keptn_context, project
            )
        batch.add(snapshot, decide(snapshot, command))
        return self._commit(batch, None)

    def _apply_ticks(self) -> list[str]:
        batch = Batch(self._store, self._task_timeout, self._pause_memory(), self._sources)
        for project, service in self._store.due(self._now()):
            snapshot = self._snapshot(batch, project, [service], [], [])
            decision = decide(snapshot, Tick())
            batch.add(snapshot, decision)
            self._log(snapshot, decision)
        return self._commit(batch, None)

    @staticmethod
    def _concerns_engine(event: KeptnEvent) -> bool:
        """Sequence triggers and task replies; not the task triggers the engine itself sends."""
        if _is_sequence_trigger(event):
            return True
        parsed = parse_event_type(event.type)
        return parsed.is_task and parsed.kind in ("started", "finished") and bool(event.project)

    def _snapshot(
        self,
        batch: Batch,
        project: str,
        services: Sequence[str],
        contexts: Sequence[str],
        triggered_ids: Sequence[str],
        event: KeptnEvent | None = None,
    ) -> Snapshot:
        executions = batch.executions(project, services, contexts, triggered_ids)
        more = sorted({execution.scope.service for execution in executions} - set(services))
        if more:  # the services of the named contexts: their queues settle too
            executions = batch.executions(project, [*services, *more], contexts, triggered_ids)
        return Snapshot(
            project=project,
            now=self._now(),
            facts=batch.facts.load(project, executions, event),
            executions=executions,
            pauses=batch.pauses(project),
            task_timeout=self._task_timeout,
            started_task_timeout=self._started_task_timeout,
            new_id=self._new_id,
        )

    @staticmethod
    def _log(snapshot: Snapshot, decision: Decision) -> None:
        for note in decision.notes:
            logger.info("%s: %s", snapshot.project, note)

    def _commit(self, batch: Batch, cursor: tuple[str, int] | None) -> list[str]:
        batch.commit(cursor)
        due = batch.earliest_deadline
        if due is not None and (self._new_deadline is None or due < self._new_deadline):
            self._new_deadline = due
        return batch.emitted_types

    def _after(self, emitted: Sequence[str]) -> None:
        if emitted:
            self._wake(emitted)
        self._rearm()

    def _rearm(self) -> None:
        """Wake the timer when a commit set a deadline earlier than the one it waits for."""
        due, self._new_deadline = self._new_deadline, None
        if due is not None and (self._planned is None or due < self._planned):
            self._planned = due
            self._timer.set()


def _is_sequence_trigger(event: KeptnEvent) -> bool:
    parsed = parse_event_type(event.type)
    return parsed.is_sequence and parsed.kind == "triggered"
