"""``slogate/executors.yaml``: which built-in executor runs which task, merged over resource levels.

The file (at project, stage or service level; the most specific level's entry for a task wins)::

    apiVersion: slogate/v1        # optional
    kind: Executors               # optional
    tasks:
      deployment: local           # short form: the executor's name
      release: local
      rollback: local
      test:
        executor: load
        config: {users: 5, duration: 20s}
      approval: none              # "none": no built-in executor (a remote one may take the task)

Tasks the server handles itself (``evaluation``, ``approval``, ``get-sli``) cannot be given to an
executor: the engine's own services answer them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slogate.errors import InputError

EXECUTORS_URI = "slogate/executors.yaml"
NONE = "none"
BUILT_IN_TASKS = frozenset({"evaluation", "approval", "get-sli"})
_KNOWN_KEYS = frozenset({"apiVersion", "kind", "tasks"})
_KIND = "Executors"


class ExecutorPlanError(InputError, ValueError):
    """``slogate/executors.yaml`` is not valid; the message names the file, the field and the fix."""

    code = "invalid_executor_plan"


@dataclass(frozen=True, slots=True)
class ExecutorChoice:
    """The executor for one task (``NONE``: none) with its settings, and the file that chose it."""

    executor: str
    config: Mapping[str, Any] = field(default_factory=dict)
    source: str = EXECUTORS_URI

    @property
    def runs(self) -> bool:
        """Whether a built-in executor runs the task."""
        return self.executor != NONE


@dataclass(frozen=True, slots=True)
class ExecutorPlan:
    """The choice per task after merging the levels."""

    tasks: Mapping[str, ExecutorChoice] = field(default_factory=dict)

    def choice(self, task: str) -> ExecutorChoice | None:
        """The executor that runs ``task``, or None when no built-in one does."""
        chosen = self.tasks.get(task)
        return chosen if chosen is not None and chosen.runs else None


def parse_plan(document: object, source: str = EXECUTORS_URI) -> dict[str, ExecutorChoice]:
    """The task entries of one ``slogate/executors.yaml`` (a parsed YAML document of plain values)."""
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ExecutorPlanError(
            f"{source}: the file must be a mapping with a 'tasks' key, got {_kind(document)}"
        )
    unknown = sorted(str(key) for key in document if key not in _KNOWN_KEYS)
    if unknown:
        raise ExecutorPlanError(
            f"{source}: unknown key {', '.join(map(repr, unknown))}; expected apiVersion, kind and tasks"
        )
    kind = document.get("kind", _KIND)
    if kind != _KIND:
        raise ExecutorPlanError(f"{source}: kind must be '{_KIND}', got {kind!r}")
    tasks = document.get("tasks")
    if tasks is None:
        return {}
    if not isinstance(tasks, Mapping):
        raise ExecutorPlanError(
            f"{source}: tasks must be a mapping of task name to executor, got {_kind(tasks)}"
        )
    return {str(task): _choice(str(task), entry, source) for task, entry in tasks.items()}


def _choice(task: str, entry: object, source: str) -> ExecutorChoice:
    where = f"{source}: tasks.{task}"
    if task in BUILT_IN_TASKS:
        raise ExecutorPlanError(
            f"{where}: '{task}' is answered by slogate itself and cannot be given to an executor; remove it"
        )
    if isinstance(entry, str):
        return ExecutorChoice(_name(entry, where), {}, source)
    if not isinstance(entry, Mapping):
        raise ExecutorPlanError(
            f"{where} must be an executor name or a mapping with 'executor' and 'config', got {_kind(entry)}"
        )
    unknown = sorted(str(key) for key in entry if key not in ("executor", "config"))
    if unknown:
        raise ExecutorPlanError(
            f"{where}: unknown key {', '.join(repr(k) for k in unknown)}; expected executor, config"
        )
    executor = entry.get("executor")
    if not isinstance(executor, str):
        raise ExecutorPlanError(
            f"{where}.executor must name an executor (e.g. local, load, webhook, job, none)"
        )
    config = entry.get("config") or {}
    if not isinstance(config, Mapping):
        raise ExecutorPlanError(
            f"{where}.config must be a mapping of the executor's settings, got {_kind(config)}"
        )
    return ExecutorChoice(_name(executor, where), dict(config), source)


def _name(text: str, where: str) -> str:
    name = text.strip()
    if not name:
        raise ExecutorPlanError(f"{where}: the executor name is empty; name one (e.g. local) or write none")
    return name


def merge_plans(levels: Sequence[Mapping[str, ExecutorChoice]]) -> ExecutorPlan:
    """One plan from the levels' entries, least specific first: a later level's task entry wins."""
    merged: dict[str, ExecutorChoice] = {}
    for level in levels:
        merged.update(level)
    return ExecutorPlan(merged)


def task_of(event_type: str) -> str | None:
    """The task of a task event type (``sh.keptn.event.test.triggered`` → ``test``); None for a
    sequence event (``sh.keptn.event.qa.delivery.triggered``) or anything else."""
    parts = event_type.split(".")
    if len(parts) != 5 or parts[:3] != ["sh", "keptn", "event"] or parts[4] != "triggered":
        return None
    return parts[3]


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"
