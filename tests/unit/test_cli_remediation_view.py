"""A remediation's loops from its events: actions, verdicts, a loop that chose none, one still running."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from slogate.cli.remediation_view import announce_loop, loop_text, loops_text, remediation_loops

TRIGGERED = "sh.keptn.event.production.remediation.triggered"
FINISHED = "sh.keptn.event.production.remediation.finished"


def event(kind: str, ident: str = "", **data: Any) -> dict[str, Any]:
    return {"id": ident or kind, "type": kind, "data": data}


def test_a_loop_that_chose_no_action_shows_why_and_a_running_one_says_so() -> None:
    events = [
        event("sh.keptn.events.problem", State="OPEN"),  # no task, no sequence: ignored
        event(TRIGGERED, "t1", problem={"ProblemTitle": "rt"}),
        event("sh.keptn.event.get-action.finished", action={"name": "Scale", "action": "scaling"}),
        event("sh.keptn.event.action.finished", status="errored", result="fail"),
        event(FINISHED, "f1", status="errored", result="fail", message="the job  failed"),
        event(TRIGGERED, "t2"),
        event("sh.keptn.event.get-action.finished", "g2", result="fail", message="x"),  # no action
        event(FINISHED, "f2", result="fail", message="no more actions: all 1 actions were tried"),
        event(TRIGGERED, "t3"),
    ]
    loops = remediation_loops(events)
    assert [loop["loop"] for loop in loops] == [1, 2, 3]
    assert (loops[0]["actionResult"], loops[0]["evaluation"], loops[0]["message"]) == (
        "errored",
        None,
        "the job failed",
    )
    assert loops[1]["action"] is None
    assert str(loop_text(loops[0])) == "loop 1: Scale (scaling) errored"
    assert str(loop_text(loops[1])) == "loop 2: no action: no more actions: all 1 actions were tried"
    assert str(loop_text(loops[2])) == "loop 3: choosing an action…"
    assert str(loops_text(loops)).count("\n") == 2
    assert remediation_loops([event("sh.keptn.event.action.finished")]) == []  # before any loop


def test_a_running_action_and_an_evaluation_without_score() -> None:
    loops = remediation_loops(
        [
            event(TRIGGERED),
            event("sh.keptn.event.get-action.finished", action={"name": "Roll back", "action": "rollback"}),
            event("sh.keptn.event.evaluation.finished", result="pass", evaluation="not an object"),
        ]
    )
    assert str(loop_text(loops[0])) == "loop 1: Roll back (rollback) running · evaluation pass"


def test_each_loop_is_announced_once_with_its_problem_title_in_any_key_case() -> None:
    out = io.StringIO()
    console, shown = Console(file=out, width=200), set[str]()
    first = event(TRIGGERED, "t1", problem={"problemtitle": "rt"})
    for one in (first, first, event(TRIGGERED, "t2"), event(FINISHED, "f1")):
        announce_loop(console, one, shown)
    assert out.getvalue().splitlines() == [
        "  production remediation loop 1: problem rt",
        "  production remediation loop 2",
    ]
