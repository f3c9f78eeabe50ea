"""Ports of task execution: what a built-in executor is given, what it answers, and how it is made."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from slogate.domain.protocol.gate_events import KeptnEvent

SUCCEEDED, ERRORED = "succeeded", "errored"
PASS, WARNING, FAIL = "pass", "warning", "fail"


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """One task to run: its ``.triggered`` event, the task's name and this executor's settings.

    ``config`` is the task's ``config`` block from ``slogate/executors.yaml`` (may be empty).
    """

    event: KeptnEvent
    task: str
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TaskResult:
    """What the task's ``.finished`` event reports. Failures are data, never exceptions.

    ``data`` holds the task's own blocks, e.g. ``{"deployment": {...}}`` or ``{"test": {...}}``.
    """

    status: str = SUCCEEDED
    result: str = PASS
    message: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def failed(cls, message: str, data: Mapping[str, Any] | None = None) -> TaskResult:
        """The task ran and its outcome is a failure (e.g. too many load-test errors)."""
        return cls(SUCCEEDED, FAIL, message, data or {})

    @classmethod
    def errored(cls, message: str, data: Mapping[str, Any] | None = None) -> TaskResult:
        """The task could not do its job (bad configuration, a crashed process, a timeout)."""
        return cls(ERRORED, FAIL, message, data or {})


class TaskContext(Protocol):
    """What an executor may read while it runs a task (the event's project, stage and service)."""

    def resource(self, uri: str) -> str | None:
        """The text of ``uri`` at the most specific level that has it (service, stage, project),
        at the stage's revision pinned by the event; None when no level has it."""
        ...

    def secret(self, name: str) -> Mapping[str, str] | None:
        """The key/value map of the project's secret ``name``, or None."""
        ...


class TaskExecutor(Protocol):
    """A built-in executor: runs a task and reports how it went.

    Example::

        executor = JobExecutor(environment)
        result = await executor.run(TaskRequest(event, "test", {"command": ["make", "smoke"]}), context)
    """

    name: str

    async def run(self, request: TaskRequest, context: TaskContext) -> TaskResult:
        """Do the task; never raises for a failure of the task itself (return ``TaskResult.errored``)."""
        ...

    async def aclose(self) -> None:
        """Stop whatever the executor still runs (server shutdown)."""
        ...


class EventCounts(Protocol):
    """Optional on an executor: how many ``.started`` and ``.finished`` it answers a task with
    (default one each). Keptn's webhook-service sends none when the called system reports itself."""

    def started_events(self, request: TaskRequest, context: TaskContext) -> int:
        """How many ``.started`` to send before ``run``."""
        ...

    def finished_events(self, request: TaskRequest, context: TaskContext, result: TaskResult) -> int:
        """How many ``.finished`` (each with ``result``) to send after ``run``."""
        ...


class RerunSafety(Protocol):
    """Optional on an executor: whether a task it was running when the server was killed may run
    once more at start-up (default: no, the task ends ``errored``)."""

    def rerun_safe(self, request: TaskRequest) -> bool:
        """True when running ``request`` again cannot repeat an effect (it is idempotent)."""
        ...


@dataclass(frozen=True, slots=True)
class ExecutorEnvironment:
    """What every executor is built with: where it may keep state, and its clock."""

    data_dir: Path
    now: Callable[[], datetime]
    webhook_allow_list: tuple[str, ...] = ()  # SLOGATE_WEBHOOK_ALLOW_LIST: hosts/networks webhooks may call


ExecutorFactory = Callable[[ExecutorEnvironment], TaskExecutor]
