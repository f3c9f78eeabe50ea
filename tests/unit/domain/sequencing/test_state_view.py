"""Keptn's sequence-state view, derived from a context's executions and events (§3.10)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from slogate.domain.protocol.sequence_json import state_to_json
from slogate.domain.sequencing.engine_io import Command, Control
from slogate.domain.sequencing.execution import State
from slogate.domain.sequencing.state_view import (
    EventReference,
    SequenceState,
    StageEvaluation,
    StageState,
    problem_title,
    sequence_state,
)
from tests.support.sequence_world import PROJECT, SERVICE, T0, World


def state(world: World, context: str = "ctx-1") -> SequenceState:
    executions = [e for e in world.executions.values() if e.scope.keptn_context == context]
    events = [e for e in world.log if e.shkeptncontext == context]
    return sequence_state(executions, events)


def view(world: World, context: str = "ctx-1") -> dict[str, Any]:
    """The state as the API sends it."""
    return state_to_json(state(world, context))


def test_a_running_delivery() -> None:
    world = World()
    world.trigger(configurationChange={"values": {"image": "hello:v0.1.1"}})
    state = view(world)
    assert {key: state[key] for key in ("name", "service", "project", "state", "shkeptncontext")} == {
        "name": "delivery", "service": SERVICE, "project": PROJECT, "state": "started",
        "shkeptncontext": "ctx-1",
    }  # fmt: skip
    assert state["time"] == "2026-11-26T12:00:00Z"
    deployment = world.open_task("deployment")
    assert state["stages"] == [
        {
            "name": "qa",
            "state": "triggered",
            "image": "hello:v0.1.1",
            "latestEvent": {"type": deployment.type, "id": deployment.id, "time": "2026-11-26T12:00:00Z"},
        }
    ]
    assert "problemTitle" not in state


def test_a_finished_delivery_with_a_failed_evaluation() -> None:
    world = World()
    world.trigger()
    for task in ("deployment", "test"):
        world.run_task(world.open_task(task))
    evaluation = world.open_task("evaluation")
    world.reply(evaluation, "started", source="lighthouse-service")
    world.reply(
        evaluation, "finished", source="lighthouse-service", result="fail", evaluation={"score": 66.67}
    )
    state = view(world)
    assert state["state"] == "finished"
    (qa,) = state["stages"]
    assert qa["state"] == "succeeded"
    assert qa["latestEvaluation"] == {"result": "fail", "score": 66.67}
    assert qa["latestFailedEvent"]["type"] == "sh.keptn.event.qa.delivery.finished"
    assert "image" not in qa


def test_a_declined_approval_ends_the_stage_succeeded_with_result_fail() -> None:
    """Keptn's stage state stays the status (succeeded); slogate's ``result`` says the stage failed."""
    world = World()
    world.trigger()
    world.deliver()
    world.run_task(world.open_task("approval", stage="production"), result="fail")
    stages = {(stage["name"], stage["state"]): stage for stage in view(world)["stages"]}
    production = stages["production", "succeeded"]
    assert production["result"] == "fail"
    assert stages["qa", "succeeded"]["result"] == "pass"
    assert "result" not in stages["production", "triggered"]  # the rollback still runs: no result yet


def test_an_evaluation_from_another_source_is_not_the_latest_evaluation() -> None:
    world = World()
    world.trigger("qa", "evaluation")
    world.run_task(world.open_task("evaluation"), evaluation="not an object")
    assert "latestEvaluation" not in view(world)["stages"][0]
    world = World()
    world.trigger("qa", "evaluation")
    world.run_task(world.open_task("evaluation"), source="lighthouse-service", evaluation="not an object")
    assert view(world)["stages"][0]["latestEvaluation"] == {"result": "pass", "score": 0}


def test_a_chained_trigger_not_yet_taken_keeps_the_context_triggered() -> None:
    world = World()
    world.trigger()
    world.deliver()
    production = world.execution("production")
    del world.executions[production.id]
    assert view(world)["state"] == "triggered"


def test_waiting_paused_aborted_and_timed_out() -> None:
    world = World()
    world.trigger(context="ctx-1")
    world.tick(1)
    world.trigger(context="ctx-2")
    assert view(world, "ctx-2")["state"] == "waiting"
    world.apply(Control("ctx-1", Command.PAUSE))
    assert view(world, "ctx-1")["state"] == "paused"
    assert view(world, "ctx-1")["stages"][0]["state"] == "paused"
    world.apply(Control("ctx-1", Command.ABORT))
    assert view(world, "ctx-1")["state"] == "aborted"
    assert view(world, "ctx-1")["stages"][0]["state"] == "aborted"
    world.tick(600)
    assert view(world, "ctx-2")["state"] == "timedOut"
    assert view(world, "ctx-2")["stages"][0]["state"] == "errored"


def test_a_stage_without_status_is_unknown() -> None:
    world = World()
    world.trigger()
    world.apply(Control("ctx-1", Command.ABORT))
    execution = world.execution("qa")
    world.executions[execution.id] = replace(execution, scope=replace(execution.scope, status=""))
    assert world.execution("qa").state is State.FINISHED
    assert view(world)["stages"][0]["state"] == "unknown"


def test_the_problem_title_is_read_case_insensitively() -> None:
    world = World()
    world.trigger(Problem={"ProblemTitle": "slow"})
    assert view(world)["problemTitle"] == "slow"
    assert problem_title({"problem": {"problemTitle": "exact"}}) == "exact"
    assert problem_title({"problem": "text"}) == ""
    assert problem_title({}) == ""


def test_a_deployment_trigger_without_an_image() -> None:
    world = World()
    world.trigger(configurationChange={"values": "none"})
    assert "image" not in view(world)["stages"][0]


def test_the_view_is_typed_and_times_stay_times() -> None:
    world = World()
    world.trigger(configurationChange={"values": {"image": "hello:v0.1.1"}})
    for task in ("deployment", "test"):
        world.run_task(world.open_task(task))
    world.run_task(
        world.open_task("evaluation"), source="lighthouse-service", result="warning", evaluation={"score": 80}
    )
    typed = state(world)
    (qa,) = typed.stages
    assert (typed.name, typed.service, typed.keptn_context, typed.time) == ("delivery", SERVICE, "ctx-1", T0)
    assert qa.latest_evaluation == StageEvaluation("warning", 80)
    release = world.open_task("release")
    assert qa == StageState(
        "qa",
        "triggered",
        "hello:v0.1.1",
        qa.latest_evaluation,
        EventReference(release.type, release.id, T0),
        sequence="delivery",
    )
    assert view(world)["stages"][0]["latestEvaluation"] == {"result": "warning", "score": 80}


def test_a_score_that_is_no_number_counts_as_zero() -> None:
    world = World()
    world.trigger("qa", "evaluation")
    world.run_task(world.open_task("evaluation"), source="lighthouse-service", evaluation={"score": "high"})
    assert state(world).stages[0].latest_evaluation == StageEvaluation("pass", 0)
    world = World()
    world.trigger("qa", "evaluation")
    world.run_task(world.open_task("evaluation"), source="lighthouse-service", evaluation={"score": True})
    assert state(world).stages[0].latest_evaluation == StageEvaluation("pass", 0)


def test_the_api_document_keeps_keptns_key_order() -> None:
    world = World()
    world.trigger(Problem={"ProblemTitle": "slow"})
    for task in ("deployment", "test"):
        world.run_task(world.open_task(task))
    evaluation = world.open_task("evaluation")
    world.run_task(evaluation, source="lighthouse-service", result="fail", evaluation={"score": 66.67})
    reference = (
        '{"type": "sh.keptn.event.qa.delivery.finished", "id": "id-12", "time": "2026-11-26T12:00:00Z"}'
    )
    assert json.dumps(view(world)) == (
        '{"name": "delivery", "service": "helloservice", "project": "fulltour", '
        '"time": "2026-11-26T12:00:00Z", "shkeptncontext": "ctx-1", "state": "finished", '
        '"stages": [{"name": "qa", "state": "succeeded", '
        '"latestEvaluation": {"result": "fail", "score": 66.67}, '
        f'"latestEvent": {reference}, "latestFailedEvent": {reference}, "result": "fail"}}], '
        '"problemTitle": "slow"}'
    )
