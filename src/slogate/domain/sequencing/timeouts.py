"""When a sequence's task is due or has taken too long: delays, timeouts and their messages (keptn-v1-spec
§3.8, with slogate's bound on started tasks)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from slogate.domain.evaluation.window import WindowError, parse_duration
from slogate.domain.sequencing.execution import APPROVAL, STARTED_KIND, CurrentTask, Execution, State
from slogate.domain.sequencing.shipyard import Task

TIMED_OUT = (
    "sequence timed out while waiting for task sh.keptn.event.{task}.triggered to receive a correlating "
    ".started or .finished event"
)
TASK_TOO_LONG = "task {task} did not finish within its timeout of {timeout} after {executor} started it"
STARTED_TOO_LONG = (
    "task {task} did not finish within {timeout} after {executor} started it "
    "(SLOGATE_STARTED_TASK_TIMEOUT): check that executor, then trigger the sequence again"
)
STARTED_TASK_TIMEOUT = timedelta(hours=1)


def deadline(
    execution: Execution,
    task_timeout: timedelta,
    now: datetime,
    started_task_timeout: timedelta = STARTED_TASK_TIMEOUT,
) -> datetime | None:
    """When the engine must look at ``execution`` again without any event: a delayed task becoming
    due, or a task's timeout (``task_timeout`` until its first reply; after its ``.started``, its own
    ``timeout`` if the shipyard sets one, else ``started_task_timeout``). None when only an event or
    a control command can move it (a queued, paused or held task: another sequence's transition or a
    resume settles it)."""
    task = execution.current_task
    if execution.state.done or task is None:
        return None
    if task.sent_at is None:
        running = execution.state in (State.STARTED, State.WAITING_FOR_APPROVAL)
        return task.due if running and task.due > now else None
    if not task.replies:
        return task.sent_at + task_timeout
    started = task.first_started()
    limit = _started_limit(task, started_task_timeout)
    if started is None or limit is None or task.is_complete():
        return None
    return started + limit


def _started_limit(task: CurrentTask, started_task_timeout: timedelta) -> timedelta | None:
    """How long a started task may run: its own ``timeout``, else the started-task timeout; a
    manual approval waits for its person (None) as in Keptn."""
    if task.timeout_seconds is not None:
        return timedelta(seconds=task.timeout_seconds)
    return None if task.name == APPROVAL else started_task_timeout


def task_delay(task: Task) -> timedelta:
    """``triggeredAfter``; Keptn logs an unparseable duration and uses 0."""
    try:
        return (
            max(parse_duration(task.triggered_after), timedelta(0)) if task.triggered_after else timedelta(0)
        )
    except WindowError:
        return timedelta(0)


def own_timeout(task: Task) -> float | None:
    """The task's ``timeout`` property (a Go duration), an slogate extension; None when absent or unusable."""
    properties = task.properties
    text = properties.get("timeout") if isinstance(properties, Mapping) else None
    if not isinstance(text, str):
        return None
    try:
        seconds = parse_duration(text).total_seconds()
    except WindowError:
        return None
    return seconds if seconds > 0 else None


def _too_long(task: CurrentTask, started_task_timeout: timedelta) -> str:
    """Why a started task ended its sequence, naming the task and the executor that started it."""
    executor = next(
        (f"executor '{reply.source}'" for reply in task.replies if reply.kind == STARTED_KIND),
        "its executor",
    )
    template = STARTED_TOO_LONG if task.timeout_seconds is None else TASK_TOO_LONG
    limit = _format_seconds(_started_limit(task, started_task_timeout) or timedelta(0))
    return template.format(task=task.name, timeout=limit, executor=executor)


def _format_seconds(duration: timedelta) -> str:
    seconds = duration.total_seconds()
    return f"{seconds:g}s"


def overdue_message(
    execution: Execution, task_timeout: timedelta, now: datetime, started_task_timeout: timedelta
) -> str | None:
    """Why ``execution``'s sent task has taken too long by ``now`` (§3.8: no reply in time; a started
    task over its limit, with the message of its latest answer), or None while it has not."""
    task = execution.current_task
    due = deadline(execution, task_timeout, now, started_task_timeout)
    if task is None or task.sent_at is None or due is None or due > now:
        return None
    if not task.replies:
        return TIMED_OUT.format(task=task.name)
    message = _too_long(task, started_task_timeout)
    said = execution.scope.message  # the latest answer's, e.g. what a started executor waits for
    return f"{message} (last message: {said})" if said else message
