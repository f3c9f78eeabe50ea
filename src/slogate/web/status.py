"""One word for how a sequence or a stage went, which picks its colour (Keptn Bridge's vocabulary)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RUNNING = frozenset({"started", "triggered", "waiting"})


def stage_status(stage: Mapping[str, Any]) -> str:
    """``pass``, ``warning``, ``fail``, ``errored``, ``aborted``, ``paused`` or ``started`` for a stage
    of Keptn's ``SequenceState``."""
    state = str(stage.get("state", ""))
    if state == "paused":
        return "paused"
    if state in ("errored", "aborted"):
        return state
    if state not in ("succeeded", "finished", "failed"):
        return "started"
    if stage.get("latestFailedEvent"):
        return "fail"
    evaluation = stage.get("latestEvaluation") or {}
    return "warning" if evaluation.get("result") == "warning" else "pass"


def sequence_status(state: Mapping[str, Any]) -> str:
    """The same word for a whole context: running, paused, timed out, or its worst stage's."""
    overall = str(state.get("state", ""))
    if overall in RUNNING:
        return "started"
    if overall == "paused":
        return "paused"
    if overall == "timedOut":
        return "errored"
    if overall == "aborted":
        return "aborted"
    words = [stage_status(stage) for stage in state.get("stages") or []]
    for word in ("errored", "fail", "aborted", "warning"):
        if word in words:
            return word
    return "pass"
