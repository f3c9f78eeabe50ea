"""The ``local`` executor: deployment, release and rollback of a service as one local process per stage.

A service's ``slogate/deployment.yaml`` (service, stage or project level) says how to start it::

    command: ["{python}", "-m", "slogate.demo.helloservice", "--version", "{version}", "--port", "{port}"]
    port: 9000                          # or per stage: ports: {qa: 9001, production: 9002}
    health: /health                     # polled until it answers 2xx; default "/"
    startTimeout: 20s                   # default 30s
    env: {GREETING: "hello {stage}"}

The same keys in the task's ``config`` (``slogate/executors.yaml``) are defaults the file overrides.
Only Keptn's ``direct`` strategy is supported: stop the old process, start the new one on the same port.
A remediation's ``action`` task is served for the actions in :data:`ACTIONS`: ``restart`` starts the
stage's current artifact anew, ``rollback`` is the rollback task; any other action ends errored.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import Any

import yaml

from slogate.adapters import yamlfile
from slogate.adapters.executors import deploy_history as history
from slogate.adapters.executors import processes
from slogate.adapters.executors.action_fields import action_verb
from slogate.adapters.executors.deploy_history import HistoryEntry, prometheus_scrape_config
from slogate.adapters.executors.event_fields import image_of, task_fields, version_of
from slogate.domain.evaluation.window import format_time
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.executor_plan import EXECUTORS_URI
from slogate.errors import InputError
from slogate.ports.executors import (
    FAIL,
    PASS,
    SUCCEEDED,
    WARNING,
    ExecutorEnvironment,
    TaskContext,
    TaskExecutor,
    TaskRequest,
    TaskResult,
)

__all__ = ["LocalDeployExecutor", "create", "load_config", "prometheus_scrape_config"]

DEPLOYMENT_FILE = "slogate/deployment.yaml"
PID_FILE = "process.pid"  # the stage's process, for the server that starts after this one is killed
FIELDS = ("command", "port", "ports", "health", "startTimeout", "env")
ACTIONS = ("restart", "rollback")  # the remediation actions this executor carries out
KNOWN_STRATEGIES = frozenset({"direct", "user_managed", "blue_green_service", "duplicate"})
Key = tuple[str, str, str]
DEAD_REPLICA = (
    "the replica {replica} died while the local executor ran task {task}: its processes lived on that "
    "replica's host, so no other replica can carry the task on; trigger the sequence again (with several "
    "replicas, use the job, webhook or a remote executor: see docs/executors.md)"
)


@dataclass(frozen=True, slots=True)
class DeploymentConfig:
    """How to start a service in a stage and how to know it is up."""

    command: tuple[str, ...]
    port: int
    health: str = "/"
    start_timeout: float = 30.0
    env: tuple[tuple[str, str], ...] = ()


def load_config(defaults: Mapping[str, Any], text: str | None, stage: str, service: str) -> DeploymentConfig:
    """Merge the task's config ``defaults`` with the service's file ``text``; problems name file and field."""
    if text is None:
        raise InputError(
            f"no {DEPLOYMENT_FILE} for service {service} in stage {stage}: "
            "add one with `command` and `port` (see docs/executors.md)"
        )
    try:
        raw: Any = yamlfile.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"{DEPLOYMENT_FILE} is not valid YAML: {error}") from error
    if raw is not None and not isinstance(raw, Mapping):
        raise InputError(f"{DEPLOYMENT_FILE}: expected a mapping with `command` and `port`")
    own: Mapping[str, Any] = raw or {}
    _check_fields(own, DEPLOYMENT_FILE)
    _check_fields(defaults, f"{EXECUTORS_URI} (the task's config)")
    ports_own = "port" in own or "ports" in own  # the file's port choice replaces the defaults' entirely
    merged = {k: v for k, v in defaults.items() if not (ports_own and k in ("port", "ports"))} | dict(own)

    def where(field: str) -> str:
        return f"{DEPLOYMENT_FILE if field in own else EXECUTORS_URI + ' config'} `{field}`"

    if "command" not in merged:
        raise InputError(
            f"{DEPLOYMENT_FILE}: `command` is missing: the argv that starts the service, "
            'e.g. ["{python}", "-m", "myservice", "--port", "{port}"]'
        )
    return DeploymentConfig(
        command=tuple(processes.string_list(merged["command"], where("command"))),
        port=_port(merged, stage, where),
        health=_health(merged.get("health", "/"), where("health")),
        start_timeout=processes.seconds(merged.get("startTimeout", "30s"), where("startTimeout")),
        env=tuple(processes.string_map(merged.get("env"), where("env")).items()),
    )


def _check_fields(block: Mapping[str, Any], source: str) -> None:
    unknown = sorted(str(key) for key in block if key not in FIELDS)
    if unknown:
        raise InputError(f"{source}: unknown field `{unknown[0]}`; known fields: {', '.join(FIELDS)}")


def _port(merged: Mapping[str, Any], stage: str, where: Callable[[str], str]) -> int:
    ports = merged.get("ports")
    if ports is not None and not isinstance(ports, Mapping):
        raise InputError(f"{where('ports')}: expected a mapping of stages to ports, e.g. {{qa: 9001}}")
    if ports is not None and stage in ports:
        return _valid_port(ports[stage], f"{where('ports')} entry {stage}")
    if "port" in merged:
        return _valid_port(merged["port"], where("port"))
    raise InputError(
        f"{DEPLOYMENT_FILE}: no port for stage {stage}: set `port`, or `ports` with an entry {stage}"
    )


def _valid_port(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise InputError(f"{where}: {value!r} is not a TCP port (1-65535)")
    return value


def _health(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise InputError(f"{where}: {value!r} is not a path starting with '/', e.g. /health")
    return value


def strategy_problem(event: KeptnEvent) -> str:
    """Why the event's ``deployment.deploymentstrategy`` cannot be served here, or "" for direct/empty."""
    deployment = event.data.get("deployment")
    strategy = deployment.get("deploymentstrategy") if isinstance(deployment, Mapping) else None
    if strategy in (None, "", "direct"):
        return ""
    if strategy not in KNOWN_STRATEGIES:
        return f"The deployment strategy {strategy} is invalid"
    return (
        f"The deployment strategy {strategy} is not supported by the local executor: it runs one "
        "process per stage, only the direct strategy (use the job executor with helm or argocd for others)"
    )


@dataclass(slots=True)
class Running:
    """A process this executor started and still owns."""

    process: Popen[bytes]
    image: str


class LocalDeployExecutor:
    """Deploys, releases and rolls back services as local processes; see the module's docstring."""

    name = "local"

    def __init__(self, environment: ExecutorEnvironment, stop_grace: float = 5.0, poll_interval: float = 0.1):
        self._environment = environment
        self._stop_grace = stop_grace
        self._poll_interval = poll_interval
        self._running: dict[Key, Running] = {}
        self._locks: dict[Key, asyncio.Lock] = {}

    host_bound = True  # its processes live on the replica's host: another replica cannot take a task over

    @staticmethod
    def takeover_problem(request: TaskRequest, dead_replica: str) -> str:
        """Why another replica does not re-run a task this executor was running on ``dead_replica``
        (the message its ``.finished`` ends ``errored`` with)."""
        return DEAD_REPLICA.format(task=request.task, replica=dead_replica)

    @staticmethod
    def rerun_safe(request: TaskRequest) -> bool:
        """Deployment, release, rollback and the restart and rollback actions run again after a server
        crash: each brings the stage to one state (its image running), whatever was done before."""
        return True

    async def run(self, request: TaskRequest, context: TaskContext) -> TaskResult:
        """Do ``deployment``, ``release``, ``rollback`` or an ``action`` for the service in its stage."""
        tasks = {
            "deployment": self._deploy,
            "release": self._release,
            "rollback": self._rollback,
            "action": self._action,
        }
        handler = tasks.get(request.task)
        if handler is None:
            return TaskResult.errored(
                f"the local executor cannot run the task {request.task!r}: it runs {', '.join(tasks)}"
            )
        problem = strategy_problem(request.event)
        if problem:
            return TaskResult.errored(problem)
        try:
            key = _key(request.event)
            async with self._locks.setdefault(key, asyncio.Lock()):
                return await handler(request, context, key)
        except InputError as error:
            return TaskResult.errored(error.message)

    async def aclose(self) -> None:
        """Stop every process this executor started (SIGTERM, then SIGKILL after the grace period)."""
        running, self._running = list(self._running.values()), {}
        await asyncio.gather(*(self._stop(item.process) for item in running))

    async def _deploy(self, request: TaskRequest, context: TaskContext, key: Key) -> TaskResult:
        image = image_of(request.event)
        if not image:
            return TaskResult.errored("deployment.triggered carries no configurationChange.values.image")
        deployed = await self._bring_up(request, context, key, image, history.DEPLOYED)
        if isinstance(deployed, TaskResult):
            return deployed
        url = deployed["deployment"]["deploymentURIsLocal"][0]
        return TaskResult(data=deployed, message=f"Successfully deployed {image} to {url}")

    async def _release(self, request: TaskRequest, context: TaskContext, key: Key) -> TaskResult:
        image, incoming = image_of(request.event), request.event.data.get("result")
        result = incoming if incoming in (PASS, WARNING, FAIL) else PASS
        log = history.DeployHistory(self._directory(key))
        if image and result != FAIL and image == self._current(key, await asyncio.to_thread(log.entries)):
            await asyncio.to_thread(log.append, self._entry(request.event, image, history.RELEASED))
        return TaskResult(
            SUCCEEDED, str(result), f"release of {image}: nothing to do for the direct strategy"
        )

    async def _rollback(self, request: TaskRequest, context: TaskContext, key: Key) -> TaskResult:
        entries = await asyncio.to_thread(history.DeployHistory(self._directory(key)).entries)
        running = self._running.get(key)
        replaced = running.image if running else image_of(request.event) or history.latest_image(entries)
        target = history.rollback_target(entries, {replaced, image_of(request.event)})
        if target is None:
            return TaskResult.errored(
                f"nothing to roll back to: {key[2]} in {key[1]} has no earlier successful deployment"
            )
        restored = await self._bring_up(request, context, key, target.image, history.ROLLED_BACK, replaced)
        if isinstance(restored, TaskResult):
            return restored
        message = f"Rolled back {key[2]} in {key[1]} from {replaced} to {target.image}"
        return TaskResult(data=restored, message=message)

    async def _action(self, request: TaskRequest, context: TaskContext, key: Key) -> TaskResult:
        verb = action_verb(request.event)
        if verb == "rollback":
            return await self._rollback(request, context, key)
        if verb == "restart":
            return await self._restart(request, context, key)
        return TaskResult.errored(
            f"the local executor cannot carry out the action {verb!r}: it knows the actions "
            f"{', '.join(ACTIONS)}; give other actions to the job or webhook executor in {EXECUTORS_URI}"
        )

    async def _restart(self, request: TaskRequest, context: TaskContext, key: Key) -> TaskResult:
        entries = await asyncio.to_thread(history.DeployHistory(self._directory(key)).entries)
        image = self._current(key, entries)
        if not image:
            return TaskResult.errored(f"nothing to restart: {key[2]} in {key[1]} has no deployment")
        restarted = await self._bring_up(request, context, key, image, history.RESTARTED)
        if isinstance(restarted, TaskResult):
            return restarted
        return TaskResult(data=restarted, message=f"Restarted {image} of {key[2]} in {key[1]}")

    async def _bring_up(
        self,
        request: TaskRequest,
        context: TaskContext,
        key: Key,
        image: str,
        outcome: str,
        replaced: str = "",
    ) -> dict[str, Any] | TaskResult:
        """Start ``image`` in place of what runs; the ``deployment`` data block, or an errored result."""
        event = request.event
        text = await asyncio.to_thread(context.resource, DEPLOYMENT_FILE)  # a store read: off the loop
        config = await asyncio.to_thread(
            load_config, request.config, text, key[1], key[2]
        )  # YAML: off the loop
        fields = task_fields(event) | {"image": image, "version": version_of(image)}
        fields |= {"port": str(config.port), "python": sys.executable}
        argv = [processes.render(part, fields, f"{DEPLOYMENT_FILE} `command`") for part in config.command]
        env = {
            name: processes.render(value, fields, f"{DEPLOYMENT_FILE} `env.{name}`")
            for name, value in config.env
        }
        log = history.DeployHistory(self._directory(key))
        await asyncio.to_thread(log.entries)  # a damaged history stops us before anything is touched
        # Announced before the start: Prometheus takes up to 5 s to act on a discovery file, so the
        # target is watched by the time the service is healthy and its load test begins.
        await asyncio.to_thread(history.write_targets, self._environment.data_dir, *key, config.port)
        problem = await self._replace(key, image, argv, env, config)
        if problem:
            await asyncio.to_thread(log.append, self._entry(event, image, history.FAILED))
            return TaskResult.errored(problem)
        await asyncio.to_thread(log.append, self._entry(event, image, outcome, replaced))
        url = f"http://127.0.0.1:{config.port}"
        block = {"deploymentstrategy": "direct", "deploymentNames": ["direct"], "deploymentURIsLocal": [url]}
        block |= {"deploymentURIsPublic": [url], "gitCommit": event.gitcommitid}
        return {"deployment": block | {"image": image}}  # what now runs: the catalog's deployedImage

    async def _replace(
        self, key: Key, image: str, argv: list[str], env: Mapping[str, str], config: DeploymentConfig
    ) -> str:
        """Stop the old process, start the new one and wait until it is healthy; a problem, or ""."""
        previous = self._running.pop(key, None)
        record = self._directory(key) / PID_FILE
        if previous is not None:
            await self._stop(previous.process)
        else:  # the process a killed server started for this stage, if it still runs
            await asyncio.to_thread(processes.stop_recorded, record, self._stop_grace)
        if await asyncio.to_thread(processes.port_in_use, config.port):
            return (
                f"port {config.port} on 127.0.0.1 is in use by a process slogate did not start (left from "
                f"an earlier run?): stop it, or choose another port in {DEPLOYMENT_FILE}"
            )
        output = self._directory(key) / "output.log"
        await asyncio.to_thread(_rotate, output)
        try:
            process = await asyncio.to_thread(
                processes.start_logged, argv, processes.child_environment(env), output
            )
        except FileNotFoundError:
            return f"command not found: {argv[0]} (check `command` in {DEPLOYMENT_FILE})"
        except OSError as error:
            return f"cannot start {argv[0]}: {error.strerror or error} (check `command` in {DEPLOYMENT_FILE})"
        self._running[key] = Running(process, image)
        await asyncio.to_thread(processes.record_process, record, process.pid)
        url = f"http://127.0.0.1:{config.port}{config.health}"
        if await processes.wait_healthy(process, url, config.start_timeout, self._poll_interval):
            return ""
        self._running.pop(key, None)
        code = process.poll()
        if code is None:
            await self._stop(process)
            limit = processes.describe_seconds(config.start_timeout)
            what = f"{url} did not answer 2xx within {limit}; the process was stopped"
        else:
            what = f"{argv[0]} {processes.describe_exit(code)} before {url} answered"
        last = await asyncio.to_thread(processes.tail_of_file, output)
        return (
            f"{what}. Last lines of its output ({output}):\n{last}"
            if last
            else f"{what} (it printed nothing)"
        )

    async def _stop(self, process: Popen[bytes]) -> None:
        await asyncio.to_thread(processes.stop, process, self._stop_grace)

    def _current(self, key: Key, entries: list[HistoryEntry]) -> str:
        """The image that runs: the live process's, else the newest entry's if it was a success."""
        running = self._running.get(key)
        if running is not None and running.process.poll() is None:
            return running.image
        return entries[-1].image if entries and entries[-1].outcome in history.SUCCESSFUL else ""

    def _directory(self, key: Key) -> Path:
        return history.service_dir(self._environment.data_dir, *key)

    def _entry(self, event: KeptnEvent, image: str, outcome: str, replaced: str = "") -> HistoryEntry:
        time = format_time(self._environment.now())
        return HistoryEntry(image, version_of(image), time, event.shkeptncontext, event.id, outcome, replaced)


def _key(event: KeptnEvent) -> Key:
    safe = processes.safe_name
    return safe(event.project, "project"), safe(event.stage, "stage"), safe(event.service, "service")


def _rotate(output: Path) -> None:
    if output.exists():
        output.replace(output.with_name("output.previous.log"))


def create(environment: ExecutorEnvironment) -> TaskExecutor:
    """The ``local`` executor (entry point of the ``slogate.executors`` group)."""
    return LocalDeployExecutor(environment)
