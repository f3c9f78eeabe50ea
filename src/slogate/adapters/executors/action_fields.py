"""The remediation action and problem an ``action.triggered`` event carries, for executors' templates.

A remediation's ``action`` task carries ``data.action`` (``name``, ``action``, ``description``,
``value``: a string or any JSON value) and ``data.problem`` (Keptn's problem object, whose keys
producers spell ``ProblemTitle`` or ``problemTitle``: they are matched without regard to case).
Templates see them as ``{action.action}``, ``{action.value}``, ``{problem.title}`` …, a job's
environment as ``SLOGATE_ACTION``, ``SLOGATE_ACTION_VALUE``, ``SLOGATE_PROBLEM_TITLE`` …; a value
that is not a string is compact JSON, an absent one "". Any other task has them all empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slogate.domain.protocol.gate_events import KeptnEvent

# template name → (block, key in the block, environment variable)
FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("action.action", "action", "action", "SLOGATE_ACTION"),
    ("action.name", "action", "name", "SLOGATE_ACTION_NAME"),
    ("action.description", "action", "description", "SLOGATE_ACTION_DESCRIPTION"),
    ("action.value", "action", "value", "SLOGATE_ACTION_VALUE"),
    ("problem.title", "problem", "problemTitle", "SLOGATE_PROBLEM_TITLE"),
    ("problem.details", "problem", "problemDetails", "SLOGATE_PROBLEM_DETAILS"),
    ("problem.rootCause", "problem", "rootCause", "SLOGATE_PROBLEM_ROOT_CAUSE"),
    ("problem.id", "problem", "problemID", "SLOGATE_PROBLEM_ID"),
    ("problem.state", "problem", "state", "SLOGATE_PROBLEM_STATE"),
    ("problem.url", "problem", "problemURL", "SLOGATE_PROBLEM_URL"),
)
ENVIRONMENT = tuple(variable for _, _, _, variable in FIELDS)


def action_fields(event: KeptnEvent) -> dict[str, str]:
    """``action.*`` and ``problem.*`` template names with their values (all "" when absent)."""
    blocks = {name: _block(event.data.get(name)) for name in ("action", "problem")}
    return {name: text(_get(blocks[block], key)) for name, block, key, _ in FIELDS}


def action_verb(event: KeptnEvent) -> str:
    """The remediation action's ``action`` (what an executor carries out: ``restart``, ``scale`` …)."""
    return text(_get(_block(event.data.get("action")), "action"))


def action_environment(values: Mapping[str, str]) -> dict[str, str]:
    """The values of ``action_fields`` (or of ``task_fields``, which hold them) as environment
    variables (``SLOGATE_ACTION`` …) for a job's command."""
    return {variable: values[name] for name, _, _, variable in FIELDS}


def text(value: Any) -> str:
    """How a value is handed to a command: a string as it is, "" for none, ``true``/``false``,
    numbers as written, anything else compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _block(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _get(block: Mapping[str, Any], key: str) -> Any:
    """``block[key]``, else the first key equal to it without regard to case (Go's JSON decoding)."""
    if key in block:
        return block[key]
    wanted = key.lower()
    return next((value for name, value in block.items() if str(name).lower() == wanted), None)
