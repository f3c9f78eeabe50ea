"""Runs task triggers on the built-in executor that ``slogate/executors.yaml`` chooses for them.

A dispatcher subscriber: for ``sh.keptn.event.<task>.triggered`` it finds the executor for the
event's project, stage and service, and runs it in the background (tasks of different services run
side by side): ``.started`` at once, ``.finished`` with the executor's result when it is done. An
executor may split one event into several runs, each with its own replies, as Keptn delivered an
event once per matching subscription. A task that no built-in executor takes is left to remote
executors. At start-up, ``recover()`` re-runs once, or ends ``errored``, the tasks that were
running when the server died (see ``task_recovery``); with several replicas, the replica that takes
over the executors' lease runs it for the tasks of the replica that died (its own running tasks are
passed over).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.execution import Scope
from slogate.domain.sequencing.executor_plan import (
    BUILT_IN_TASKS,
    EXECUTORS_URI,
    ExecutorChoice,
    ExecutorPlan,
    merge_plans,
    parse_plan,
    task_of,
)
from slogate.errors import NotFoundError, SlogateError
from slogate.ports import EventCriteria, EventQueries, EventStore, FieldMatch, ResourceReader, SecretReader
from slogate.ports.executors import TaskExecutor, TaskRequest, TaskResult
from slogate.services.keptn import task_recovery as recovery
from slogate.services.keptn.emit import answer, stored_in_time
from slogate.services.usecases.secrets import confined

SOURCE = recovery.SOURCE
STOPPED = "the server stopped while executor '{executor}' ran the task; trigger the sequence again"
NO_PLAN = ExecutorPlan()
PLANS_KEPT = 1000  # (project, stage, service, revision) plans remembered; more start the memory anew
QUERY_CHUNK = 200  # trigger ids per query when looking for interrupted tasks
logger = logging.getLogger(__name__)

ExecutorLookup = Callable[[str], TaskExecutor]
YamlLoader = Callable[[str, str], object]


class TaskResources:
    """``TaskContext`` of one task event: its resources (most specific level first, at the stage's
    pinned revision) and the project's secrets."""

    def __init__(self, resources: ResourceReader, secrets: SecretReader, event: KeptnEvent) -> None:
        self._resources = resources
        self._secrets = confined(secrets, event.project)  # the event's project's secrets and global ones
        self._event = event

    def resource(self, uri: str) -> str | None:
        """The text of ``uri`` at the service, else the stage, else the project level; or None."""
        event = self._event
        for stage, service in ((event.stage, event.service), (event.stage, "")):
            text = _read(self._resources, event.project, stage, service, uri, event.gitcommitid)
            if text is not None:
                return text
        return _read(self._resources, event.project, "", "", uri, "")

    def secret(self, name: str) -> Mapping[str, str] | None:
        """The key/value map of secret ``name`` (any scope), or None."""
        return self._secrets.secret(name, "")


def _read(
    resources: ResourceReader, project: str, stage: str, service: str, uri: str, revision: str
) -> str | None:
    """The text at one level; a revision from another history means the level's current text."""
    try:
        return resources.read(project, stage, service, uri, revision)
    except NotFoundError:
        return resources.read(project, stage, service, uri, "")


class ExecutorRunner:
    """The dispatcher subscriber that runs built-in executors; ``takes()`` tells the engine which
    tasks it answers, ``idle()`` waits for running tasks (tests), ``aclose()`` stops them."""

    name = SOURCE
    types: tuple[str, ...] = ("sh.keptn.event.*.triggered",)

    def __init__(
        self,
        store: EventStore,
        resources: ResourceReader,
        secrets: SecretReader,
        executor: ExecutorLookup,
        load_yaml: YamlLoader,
        now: Callable[[], datetime],
        mentions: Callable[[str, str], bool] = lambda project, uri: True,
        open_tasks: Callable[[], Collection[str]] = frozenset,
        hand_over: bool = False,
    ) -> None:
        # several replicas: a stopping replica leaves its running tasks unanswered, for the replica
        # that takes over the executors to recover (re-run once when safe), instead of ending them
        self.hand_over = hand_over
        self._store = store
        self._resources = resources
        self._secrets = secrets
        self._executor = executor
        self._load_yaml = load_yaml
        self._now = now
        self._running: dict[asyncio.Task[None], tuple[KeptnEvent, str]] = {}
        self._executors: dict[str, TaskExecutor] = {}
        self._plans: dict[tuple[str, str, str, str], ExecutorPlan | Exception] = {}
        self._mentions = mentions  # whether a project has the file at some level (else: no plan)
        self._configured: dict[str, bool] = {}
        self._open_tasks = open_tasks  # the trigger ids of the tasks sequences wait for (recovery)

    def forget(self) -> None:
        """A resource changed: read ``slogate/executors.yaml`` anew next time."""
        self._plans.clear()
        self._configured.clear()

    def plan(self, project: str, stage: str, service: str, revision: str = "") -> ExecutorPlan:
        """The merged ``slogate/executors.yaml`` of a service in a stage; ``ExecutorPlanError`` or a
        ``SlogateError`` when a level's file is invalid. Remembered until a resource changes."""
        configured = self._configured.get(project)
        if configured is None:
            configured = self._configured[project] = self._mentions(project, EXECUTORS_URI)
        if not configured:
            return NO_PLAN
        key = (project, stage, service, revision)
        found = self._plans.get(key)  # read once: another thread may clear the cache meanwhile
        if found is None:
            if len(self._plans) >= PLANS_KEPT:
                self._plans.clear()
            try:
                found = self._read_plan(project, stage, service, revision)
            except SlogateError as error:
                found = error
            self._plans[key] = found
        if isinstance(found, Exception):
            raise found
        return found

    def _read_plan(self, project: str, stage: str, service: str, revision: str) -> ExecutorPlan:
        levels: list[dict[str, ExecutorChoice]] = []
        for level_stage, level_service, at in (
            ("", "", ""),
            (stage, "", revision),
            (stage, service, revision),
        ):
            text = _read(self._resources, project, level_stage, level_service, EXECUTORS_URI, at)
            if text is not None:
                source = f"{EXECUTORS_URI} ({_level(level_stage, level_service)})"
                levels.append(parse_plan(self._load_yaml(text, source), source))
        return merge_plans(levels)

    def takes(self, task_type: str, scope: Scope) -> bool:
        """Whether a built-in executor answers ``task_type`` in ``scope`` (an invalid configuration
        counts: the task then errors with what is wrong in it, instead of waiting for an executor)."""
        task = task_of(task_type)
        if task is None or task in BUILT_IN_TASKS:
            return False
        try:
            return self.plan(scope.project, scope.stage, scope.service).choice(task) is not None
        except SlogateError:
            return True

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """Start the task's executor in the background (nothing to emit now: it reports itself)."""
        task = task_of(event.type)
        if task is None or task in BUILT_IN_TASKS or not event.project:
            return []
        try:
            plan = await asyncio.to_thread(  # reads and parses executors.yaml: off the loop
                self.plan, event.project, event.stage, event.service, event.gitcommitid
            )
            choice = plan.choice(task)
        except SlogateError as error:
            return [self._started(event), self._finished(event, TaskResult.errored(str(error)))]
        if choice is None:
            return []
        try:
            executor = self._instance(choice.executor)
        except SlogateError as error:
            message = f"{choice.source}: tasks.{task}: {error}"
            return [self._started(event), self._finished(event, TaskResult.errored(message))]
        context = TaskResources(self._resources, self._secrets, event)
        request = TaskRequest(event, task, choice.config)
        runs = await asyncio.to_thread(_runs, executor, request, context)  # reads files: off the loop
        answered: list[KeptnEvent] = []
        for request, count in runs:
            started = [self._started(event) for _ in range(count)]
            job = asyncio.create_task(self._run(executor, request, context, started[0].id if started else ""))
            self._running[job] = (event, executor.name)
            job.add_done_callback(self._running.pop)
            answered += started
        return answered

    async def recover(self) -> list[str]:
        """At start-up, before events flow: each task a built-in executor was running when the server
        died runs once more when its executor says that is safe, else ends ``errored`` saying why;
        one already run again is not run a third time. The ids of the triggers it acted on."""
        try:
            running = {event.id for event, _ in self._running.values()}  # ours, still running
            found = [
                item for item in await asyncio.to_thread(self._interrupted) if item.trigger.id not in running
            ]
            for item in found:
                await self._resume(item)
        except Exception:  # e.g. the database is away: serve anyway, the started-task timeout applies
            logger.exception("recovering the tasks running when the server stopped failed")
            return []
        return [item.trigger.id for item in found]

    def _interrupted(self) -> list[recovery.Interrupted]:
        if not isinstance(self._store, EventQueries):
            return []
        waited_for = sorted(self._open_tasks())
        answers: list[KeptnEvent] = []
        for start in range(0, len(waited_for), QUERY_CHUNK):
            chunk = tuple(waited_for[start : start + QUERY_CHUNK])
            criteria = EventCriteria(fields=(FieldMatch(("triggeredid",), chunk),), limit=None, count=False)
            answers += self._store.query(criteria)[0]
        candidates = {event.triggeredid for event in answers if event.source == SOURCE}
        triggers = {task_id: self._store.get(task_id) for task_id in sorted(candidates)}
        return recovery.interrupted(
            {task_id: event for task_id, event in triggers.items() if event is not None}, answers
        )

    async def _resume(self, item: recovery.Interrupted) -> None:
        event, task = item.trigger, task_of(item.trigger.type) or ""
        try:
            choice = self.plan(event.project, event.stage, event.service, event.gitcommitid).choice(task)
            executor = self._instance(choice.executor) if choice is not None else None
        except SlogateError as error:
            await self._end(item, recovery.NOT_CHOSEN, "", problem=str(error))
            return
        if choice is None or executor is None:
            await self._end(item, recovery.NOT_CHOSEN, "", problem=recovery.NO_LONGER_CHOSEN)
            return
        request = TaskRequest(event, task, choice.config)
        context = TaskResources(self._resources, self._secrets, event)
        if not _count(executor, "finished_events", request, context, TaskResult()):
            logger.info("task %s %s: the system its executor called finishes it", event.type, event.id)
        elif item.rerun_before:
            await self._end(item, recovery.KILLED_TWICE, executor.name)
        elif self.hand_over and getattr(executor, "host_bound", False):  # its processes died with their host
            problem = executor.takeover_problem(request, "that ran it")  # type: ignore[attr-defined]
            await self._end(item, "{problem}", executor.name, problem=problem)
        elif _rerun_safe(executor, request):
            record = recovery.rerun_record(event, executor.name, task, self._now())
            await asyncio.to_thread(self._store.add, [record])
            logger.warning("%s", record.data["message"])
            job = asyncio.create_task(self._run(executor, request, context, ""))
            self._running[job] = (event, executor.name)
            job.add_done_callback(self._running.pop)
        else:
            hint = recovery.JOB_HINT if executor.name == "job" else ""
            await self._end(item, recovery.NOT_SAFE, executor.name, hint=hint)

    async def _end(self, item: recovery.Interrupted, template: str, executor: str, **more: str) -> None:
        """Answer every unanswered ``.started`` of ``item`` with an errored ``.finished``."""
        event = item.trigger
        message = template.format(executor=executor, task=task_of(event.type), **more)
        logger.warning("task %s %s: %s", event.type, event.id, message)
        finished = self._finished(event, TaskResult.errored(message))
        extra = [self._finished(event, TaskResult.errored(message)) for _ in range(item.unanswered - 1)]
        await asyncio.to_thread(self._store.add, [finished, *extra])

    async def idle(self) -> None:
        """Wait until no task is running."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop running tasks, each answered as errored (unless handed over to another replica),
        then close the executors."""
        stopped = list(self._running.items())
        for job, _ in stopped:
            job.cancel()
        await asyncio.gather(*(job for job, _ in stopped), return_exceptions=True)
        finished = [
            self._finished(event, TaskResult.errored(STOPPED.format(executor=name)))
            for _, (event, name) in stopped
        ]
        if finished and self.hand_over:
            logger.warning("left %d running task(s) to the replica that takes over", len(finished))
        elif finished:
            await asyncio.to_thread(self._store.add, finished)
        for executor in self._executors.values():
            await executor.aclose()

    def _instance(self, name: str) -> TaskExecutor:
        if name not in self._executors:
            self._executors[name] = self._executor(name)
        return self._executors[name]

    async def _run(
        self, executor: TaskExecutor, request: TaskRequest, context: TaskResources, started_id: str
    ) -> None:
        event = request.event
        if started_id and not await stored_in_time(self._store.get, started_id):
            return  # the dispatcher could not commit the trigger's handling: it redelivers it
        try:
            result = await executor.run(request, context)
            count = _count(executor, "finished_events", request, context, result)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a defect of the executor: the task errors, the server goes on
            logger.exception("executor %s failed on %s %s", executor.name, event.type, event.id)
            result = TaskResult.errored(f"executor '{executor.name}' failed: {type(error).__name__}: {error}")
            count = 1
        if count:
            await asyncio.to_thread(self._store.add, [self._finished(event, result) for _ in range(count)])

    def _started(self, event: KeptnEvent) -> KeptnEvent:
        return self._answer(event, "started", {})

    def _finished(self, event: KeptnEvent, result: TaskResult) -> KeptnEvent:
        data: dict[str, Any] = {**result.data, "status": result.status, "result": result.result}
        if result.message:
            data["message"] = result.message
        return self._answer(event, "finished", data)

    def _answer(self, to: KeptnEvent, kind: str, data: Mapping[str, Any]) -> KeptnEvent:
        body: dict[str, Any] = {"project": to.project, "stage": to.stage, "service": to.service}
        labels = to.data.get("labels")
        if isinstance(labels, Mapping):
            body["labels"] = dict(labels)
        body.update(data)
        return answer(to, to.type.removesuffix("triggered") + kind, SOURCE, body, self._now(), to.id)


def _count(executor: TaskExecutor, hook: str, *arguments: Any) -> int:
    """What the executor's optional ``EventCounts`` hook says (one when it has none)."""
    counter = getattr(executor, hook, None)
    return 1 if counter is None else max(0, int(counter(*arguments)))


def _runs(
    executor: TaskExecutor, request: TaskRequest, context: TaskResources
) -> list[tuple[TaskRequest, int]]:
    """The runs of one task event, each with its number of ``.started``: by the executor's optional
    ``deliveries`` hook (Keptn delivered an event once per matching subscription, e.g. two webhooks
    of one type run twice), else one."""
    split = getattr(executor, "deliveries", None)
    requests = [request] if split is None else list(split(request, context))
    return [(each, _count(executor, "started_events", each, context)) for each in requests]


def _rerun_safe(executor: TaskExecutor, request: TaskRequest) -> bool:
    """What the executor's optional ``rerun_safe`` hook says (not safe when it has none)."""
    check = getattr(executor, "rerun_safe", None)
    return False if check is None else bool(check(request))


def _level(stage: str, service: str) -> str:
    if service:
        return f"service {service} in stage {stage}"
    return f"stage {stage}" if stage else "project"
