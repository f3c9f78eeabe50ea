"""The ``job`` executor: runs a configured command for a task (helm, kubectl, argocd, a test script).

Its settings are the task's ``config`` in ``slogate/executors.yaml``::

    tasks:
      deployment:
        executor: job
        config:
          command: ["helm", "upgrade", "--install", "{service}", "./chart", "--set", "image={image}"]
          timeout: 5m                      # default 10m
          env: {STAGE: "{stage}"}          # added to the server's environment
          workingDir: /srv/charts          # optional
          shell: false                     # true: command is one string run by /bin/sh -c
          rerun: false                     # true: safe to run again after a server crash
          actions:                         # an ``action`` task: settings per remediation action,
            scale: {command: ["./scale.sh", "{action.value}"]}   # merged over the ones above

Templates use the names of :func:`~slogate.adapters.executors.event_fields.task_fields`. With
``shell: true`` no value is ever pasted into the command line: each placeholder becomes a reference to
a positional parameter (``"${1}"``, or ``${1}`` inside double quotes) and the values are passed as
arguments, ``/bin/sh -c SCRIPT /bin/sh VALUE...``; a placeholder inside single quotes is refused.
The command also gets KEPTN_PROJECT, KEPTN_STAGE,
KEPTN_SERVICE, KEPTN_CONTEXT, KEPTN_IMAGE, SLOGATE_TRIGGERED_ID (the task's trigger id, the same when
the task runs again after a crash) and a remediation's action and problem (``SLOGATE_ACTION``,
``SLOGATE_ACTION_VALUE``, ``SLOGATE_PROBLEM_TITLE`` …, see ``action_fields``), but none of the
server's ``SLOGATE_*`` settings. A value holding a NUL character, which no argument or environment
can carry, ends the task errored.
As Keptn's job-executor-service: exit 0 is a pass, anything else ``errored``/``fail``; a ``test``
task reports ``test.start`` and ``test.end``. The job's process group ends with its command.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slogate.adapters.executors import processes
from slogate.adapters.executors.action_fields import action_environment, action_verb
from slogate.adapters.executors.event_fields import image_of, task_fields
from slogate.domain.evaluation.window import format_time
from slogate.domain.sequencing.executor_plan import EXECUTORS_URI
from slogate.errors import InputError
from slogate.ports.executors import ExecutorEnvironment, TaskContext, TaskExecutor, TaskRequest, TaskResult

FIELDS = ("command", "shell", "timeout", "env", "workingDir", "rerun", "actions")
OUTPUT_LIMIT = 64 * 1024
SHELL = "/bin/sh"


@dataclass(frozen=True, slots=True)
class Job:
    """A command ready to run: argv, environment additions, working directory and time limit."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    working_dir: str | None
    timeout: float
    title: str  # how messages name the command


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a job ended: its exit code (None: it timed out) and the tail of its output."""

    code: int | None
    output: str


def job_config(request: TaskRequest) -> tuple[Mapping[str, Any], str]:
    """The task's settings and where they are written: with ``actions``, the entry of the event's
    remediation action merged over the other settings (those alone for an action without an entry,
    when they have a ``command``); InputError when neither applies."""
    config, where = request.config, f"{EXECUTORS_URI} tasks.{request.task}.config"
    actions = config.get("actions")
    if actions is None:
        return config, where
    if not isinstance(actions, Mapping) or not all(isinstance(entry, Mapping) for entry in actions.values()):
        raise InputError(
            f"{where} `actions`: expected a mapping of action names to job settings, "
            'e.g. {scale: {command: ["./scale.sh", "{action.value}"]}}'
        )
    base = {key: value for key, value in config.items() if key != "actions"}
    verb = action_verb(request.event)
    entry = actions.get(verb)
    if entry is None:
        if "command" in base:
            return base, where
        known = ", ".join(sorted(str(name) for name in actions)) or "none"
        raise InputError(
            f"{where} `actions`: no entry for the action {verb!r} (entries: {known}) and no `command` "
            "for other actions: add one of them"
        )
    if "actions" in entry:
        raise InputError(f"{where}.actions.{verb}: `actions` cannot be nested")
    return {**base, **entry}, f"{where}.actions.{verb}"


def prepare(request: TaskRequest) -> Job:
    """The job of ``request``'s config, templated with its event's fields; InputError when unusable."""
    config, where = job_config(request)
    unknown = sorted(str(key) for key in config if key not in FIELDS)
    if unknown:
        raise InputError(f"{where}: unknown field `{unknown[0]}`; known fields: {', '.join(FIELDS)}")
    for flag in ("shell", "rerun"):
        if not isinstance(config.get(flag, False), bool):
            raise InputError(f"{where} `{flag}`: {config[flag]!r} is not true or false")
    shell = bool(config.get("shell", False))
    fields = task_fields(request.event)
    argv = _shell_argv(config, fields, where) if shell else _argv(config, fields, where)
    env = processes.string_map(config.get("env"), f"{where} `env`")
    env = {name: processes.render(value, fields, f"{where} `env.{name}`") for name, value in env.items()}
    event = request.event
    env |= {
        "KEPTN_PROJECT": event.project,
        "KEPTN_STAGE": event.stage,
        "KEPTN_SERVICE": event.service,
        "KEPTN_CONTEXT": event.shkeptncontext,
        "KEPTN_IMAGE": image_of(event),
        "SLOGATE_TRIGGERED_ID": event.id,  # the same on a re-run after a crash: an idempotency key
    }
    env |= action_environment(fields)
    _check_nul(argv, env, where)
    title = f"{SHELL} -c {shlex.quote(_shorten(argv[2]))}" if shell else argv[0]
    timeout = processes.seconds(config.get("timeout", "10m"), f"{where} `timeout`")
    return Job(tuple(argv), env, _working_dir(config.get("workingDir"), fields, where), timeout, title)


def _check_nul(argv: list[str], env: Mapping[str, str], where: str) -> None:
    """InputError when an argument or variable holds a NUL (the OS cannot pass one to a process)."""
    if any("\0" in part for part in argv):
        raise InputError(f"{where} `command`: a value put into it holds a NUL character; no argument can")
    bad = sorted(name for name, value in env.items() if "\0" in name or "\0" in value)
    if bad:
        raise InputError(f"{where}: the environment variable {bad[0]} would hold a NUL character; none can")


def _argv(config: Mapping[str, Any], fields: Mapping[str, str], where: str) -> list[str]:
    command = config.get("command")
    if command is None:
        raise InputError(f'{where}: `command` is missing: the argv to run, e.g. ["make", "smoke-test"]')
    if isinstance(command, str):
        raise InputError(f"{where} `command`: a list of arguments, or set `shell: true` to run one string")
    parts = processes.string_list(command, f"{where} `command`")
    return [processes.render(part, fields, f"{where} `command`") for part in parts]


def _shell_argv(config: Mapping[str, Any], fields: Mapping[str, str], where: str) -> list[str]:
    command = config.get("command")
    if not isinstance(command, str) or not command.strip():
        raise InputError(f"{where} `command`: with `shell: true`, one command line (a string) for {SHELL} -c")
    script, values = shell_script(command, fields, f"{where} `command`")
    return [SHELL, "-c", script, SHELL, *values]


class _Markers(Mapping[str, str]):
    """The task's fields as markers (NUL, occurrence number, NUL) that remember the name each stands for."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self._fields = fields
        self.names: list[str] = []

    def __getitem__(self, name: str) -> str:
        if name not in self._fields:
            raise KeyError(name)
        self.names.append(name)
        return f"\0{len(self.names) - 1}\0"

    def __contains__(self, name: object) -> bool:
        return name in self._fields

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


def shell_script(command: str, fields: Mapping[str, str], where: str) -> tuple[str, list[str]]:
    """``command`` with each ``{name}`` replaced by a positional parameter, and the values for them.

    A placeholder outside quotes becomes ``"${N}"``, inside double quotes ``${N}``: the shell expands
    either to exactly the value, one word, never reading it as shell syntax. Inside single quotes the
    shell expands nothing, so a placeholder there is refused, as one right after a backslash."""
    if "\0" in command:
        raise InputError(f"{where}: contains a NUL character, which no command line can hold")
    markers = _Markers(fields)
    text = processes.render(command, markers, where)
    numbers: dict[str, int] = {}
    script: list[str] = []
    quote, index = "", 0
    while index < len(text):
        char = text[index]
        if char == "\0":
            end = text.index("\0", index + 1)
            name = markers.names[int(text[index + 1 : end])]
            if quote == "'":
                raise InputError(
                    _unsafe(where, name, "inside single quotes, where the shell expands nothing")
                )
            number = numbers.setdefault(name, len(numbers) + 1)
            script.append(f"${{{number}}}" if quote == '"' else f'"${{{number}}}"')
            index = end + 1
            continue
        script.append(char)
        if char == "\\" and quote != "'" and index + 1 < len(text):
            if text[index + 1] == "\0":
                name = markers.names[int(text[index + 2 : text.index("\0", index + 2)])]
                raise InputError(_unsafe(where, name, "right after a backslash"))
            script.append(text[index + 1])  # an escaped character: no quote starts or ends here
            index += 2
            continue
        if not quote and char in "'\"":
            quote = char
        elif char == quote:
            quote = ""
        index += 1
    return "".join(script), [fields[name] for name in numbers]


def _unsafe(where: str, name: str, place: str) -> str:
    return (
        f"{where}: {{{name}}} is {place}, so its value cannot be passed there; write {{{name}}} bare "
        "(slogate passes each value as one word, quoted for the shell) or inside double quotes"
    )


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _working_dir(value: Any, fields: Mapping[str, str], where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InputError(f"{where} `workingDir`: {value!r} is not a directory path")
    path = processes.render(value, fields, f"{where} `workingDir`")
    if not Path(path).is_dir():
        raise InputError(f"{where} `workingDir`: {path} is not an existing directory")
    return path


class JobExecutor:
    """Runs one configured command per task; see the module's docstring."""

    name = "job"

    def __init__(self, environment: ExecutorEnvironment, kill_grace: float = 2.0) -> None:
        self._environment = environment
        self._kill_grace = kill_grace
        self._jobs: set[asyncio.subprocess.Process] = set()

    async def run(self, request: TaskRequest, context: TaskContext) -> TaskResult:
        """Run the task's command; exit 0 passes, anything else is errored with the output's tail."""
        try:
            job = prepare(request)
        except InputError as error:
            return TaskResult.errored(error.message)
        start = self._environment.now()
        try:
            outcome = await self._execute(job)
        except FileNotFoundError:
            return TaskResult.errored(f"command not found: {job.argv[0]}: install it or put it on the PATH")
        except OSError as error:
            return TaskResult.errored(f"cannot start {job.argv[0]}: {error.strerror or error}")
        end = self._environment.now()
        data = (
            {"test": {"start": format_time(start), "end": format_time(end)}} if request.task == "test" else {}
        )
        return _result(job, outcome, data)

    @staticmethod
    def rerun_safe(request: TaskRequest) -> bool:
        """A job runs again after a server crash only when its config says so (``rerun: true``):
        slogate cannot know whether a command is safe to repeat."""
        try:
            return job_config(request)[0].get("rerun") is True
        except InputError:
            return False

    async def aclose(self) -> None:
        """Kill every running job's process group."""
        await asyncio.gather(*(self._kill(process) for process in list(self._jobs)))

    async def _execute(self, job: Job) -> Outcome:
        """Run ``job`` with its output in a pipe this executor owns (so no daemon it starts can stall us)."""
        read_end, write_end = os.pipe()
        try:
            pipe = os.fdopen(read_end, "rb", buffering=0)
            transport, tail = await asyncio.get_running_loop().connect_read_pipe(_OutputTail, pipe)
            process = await self._spawn(job, write_end, transport)
        finally:
            os.close(write_end)
        self._jobs.add(process)
        code: int | None = None
        try:
            code = await asyncio.wait_for(process.wait(), job.timeout)
        except TimeoutError:
            await self._kill(process)
        finally:
            if process.returncode is None:  # cancelled: the job does not outlive its task
                await self._kill(process)
            processes.signal_group(process.pid, signal.SIGKILL)  # what the command left behind
            self._jobs.discard(process)
            with contextlib.suppress(TimeoutError):  # a daemon that left the group may hold the pipe
                await asyncio.wait_for(asyncio.shield(tail.closed), 1.0)
            transport.close()
        return Outcome(code, bytes(tail.output).decode("utf-8", errors="replace"))

    @staticmethod
    async def _spawn(job: Job, output: int, transport: asyncio.ReadTransport) -> asyncio.subprocess.Process:
        try:
            return await asyncio.create_subprocess_exec(
                *job.argv,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                env=processes.child_environment(job.env),
                cwd=job.working_dir,
                start_new_session=True,
            )
        except BaseException:
            transport.close()
            raise

    async def _kill(self, process: asyncio.subprocess.Process) -> None:
        """SIGTERM to the job's group, SIGKILL after the grace period."""
        processes.signal_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), self._kill_grace)
        except TimeoutError:
            processes.signal_group(process.pid, signal.SIGKILL)
            await process.wait()


class _OutputTail(asyncio.Protocol):
    """Receives a job's output, keeping only the last :data:`OUTPUT_LIMIT` bytes."""

    def __init__(self) -> None:
        self.output = bytearray()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.output += data
        del self.output[:-OUTPUT_LIMIT]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


def _result(job: Job, outcome: Outcome, data: Mapping[str, Any]) -> TaskResult:
    last = processes.tail(outcome.output)
    output = f"; last lines of its output:\n{last}" if last else " (no output)"
    if outcome.code is None:
        limit = processes.describe_seconds(job.timeout)
        return TaskResult.errored(f"{job.title} timed out after {limit} and was killed{output}", data)
    if outcome.code != 0:
        return TaskResult.errored(f"{job.title} {processes.describe_exit(outcome.code)}{output}", data)
    return TaskResult(message=f"{job.title} exited 0{output}", data=data)


def create(environment: ExecutorEnvironment) -> TaskExecutor:
    """The ``job`` executor (entry point of the ``slogate.executors`` group)."""
    return JobExecutor(environment)
