"""One word for how a sequence or a stage went, which picks its colour (Keptn Bridge's vocabulary)."""

from __future__ import annotations

from slogate.domain.sequencing.state_view import SequenceState, StageState

RUNNING = frozenset({"started", "triggered", "waiting"})


def stage_status(stage: StageState) -> str:
    """``pass``, ``warning``, ``fail``, ``errored``, ``aborted``, ``paused`` or ``started`` for a stage."""
    state = stage.state
    if state == "paused":
        return "paused"
    if state in ("errored", "aborted"):
        return state
    if state not in ("succeeded", "finished", "failed"):
        return "started"
    if stage.latest_failed_event is not None:
        return "fail"
    evaluation = stage.latest_evaluation
    return "warning" if evaluation is not None and evaluation.result == "warning" else "pass"


def run_status(stage: StageState) -> str:
    """The word for a stage's later run (a chained rollback): from its own ending alone, not from the
    failed delivery before it in the same stage."""
    if stage.state not in ("succeeded", "finished", "failed"):
        return stage_status(stage)
    return stage.result if stage.result in ("fail", "warning") else "pass"


def sequence_status(state: SequenceState) -> str:
    """The same word for a whole context: running, paused, timed out, or its worst stage's."""
    overall = state.state
    if overall in RUNNING:
        return "started"
    if overall == "paused":
        return "paused"
    if overall == "timedOut":
        return "errored"
    if overall == "aborted":
        return "aborted"
    words = [stage_status(stage) for stage in state.stages]
    for word in ("errored", "fail", "aborted", "warning"):
        if word in words:
            return word
    return "pass"
