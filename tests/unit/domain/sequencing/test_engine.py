"""The pure sequence engine: each rule of keptn-v1-spec §1.4–1.6, §3.2–3.10 and the edge cases of §8."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine import decide
from slogate.domain.sequencing.engine_events import NO_EXECUTOR, NO_SEQUENCE, NO_SHIPYARD, NO_STAGE, NO_TASKS
from slogate.domain.sequencing.engine_io import Command, Control, Tick
from slogate.domain.sequencing.execution import CurrentTask, State, TaskReply, aggregate
from slogate.domain.sequencing.timeouts import TIMED_OUT, deadline
from tests.support.sequence_world import PROJECT, SERVICE, T0, World

ONE_STAGE = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks: [{name: deployment}, {name: test}]
        - name: empty
          tasks: []
        - name: slow
          tasks: [{name: deployment, triggeredAfter: 10m}, {name: test, properties: {timeout: 5m}}]
        - name: sloppy
          tasks: [{name: deployment, triggeredAfter: soon, properties: {timeout: later}}]
        - name: gated
          tasks: [{name: approval, properties: {pass: manual}}, {name: deployment}]
    - name: hardening
      sequences:
        - name: delivery
          triggeredOn: [{event: qa.delivery.finished}]
          tasks: [{name: test}]
        - name: on-test-warning
          triggeredOn: [{event: qa.delivery.finished, selector: {match: {test.result: warning}}}]
          tasks: [{name: test}]
        - name: on-failed
          triggeredOn: [{event: qa.delivery.finished, selector: {match: {result: failed}}}]
          tasks: [{name: test}]
        - name: on-deployment-fail
          triggeredOn: [{event: qa.delivery.finished, selector: {match: {deployment.result: fail}}}]
          tasks: [{name: test}]
"""


# --- starting a sequence (§3.2, §1.6) -------------------------------------------------------------


def test_a_trigger_starts_the_first_task_with_its_properties_and_the_stage_revision() -> None:
    world = World()
    trigger = world.trigger(configurationChange={"values": {"image": "hello:v0.1.1"}}, labels={"v": "1"})
    deployment = world.open_task("deployment")
    assert world.state("qa") is State.STARTED
    assert deployment.source == "shipyard-controller"
    assert deployment.triggeredid == ""
    assert deployment.gitcommitid == "rev-qa-1"
    assert deployment.shkeptncontext == trigger.shkeptncontext
    assert deployment.data == {
        "project": PROJECT,
        "stage": "qa",
        "service": SERVICE,
        "configurationChange": {"values": {"image": "hello:v0.1.1"}},
        "labels": {"v": "1"},
        "deployment": {"deploymentstrategy": "direct"},
    }
    assert world.execution("qa").scope.triggered_id == trigger.id


def test_a_given_gitcommitid_is_kept() -> None:
    world = World()
    world.receive(replace(_trigger_event(world), gitcommitid="pinned"))
    assert world.open_task("deployment").gitcommitid == "pinned"


def _trigger_event(world: World) -> KeptnEvent:
    return KeptnEvent(
        id=world.new_id(),
        type="sh.keptn.event.qa.delivery.triggered",
        source="cli",
        time=world.now,
        shkeptncontext="ctx-1",
        data={"project": PROJECT, "stage": "qa", "service": SERVICE},
    )


@pytest.mark.parametrize(
    ("stage", "sequence", "message"),
    [
        ("nowhere", "delivery", NO_STAGE.format(sequence="delivery", stage="nowhere")),
        ("qa", "unknown", NO_SEQUENCE.format(sequence="unknown", stage="qa")),
        ("qa", "empty", NO_TASKS.format(sequence="empty")),
    ],
)
def test_a_trigger_that_cannot_start_finishes_errored(stage: str, sequence: str, message: str) -> None:
    world = World(ONE_STAGE)
    trigger = world.trigger(stage, sequence)
    finished = [event for event in world.log if event.type == f"sh.keptn.event.{stage}.{sequence}.finished"]
    assert len(finished) == 1
    assert finished[0].triggeredid == trigger.id
    assert finished[0].data == {
        "project": PROJECT, "stage": stage, "service": SERVICE,
        "status": "errored", "result": "fail", "message": message,
    }  # fmt: skip
    assert world.executions == {}


def test_a_project_without_shipyard_cannot_start_sequences() -> None:
    world = World(None)
    world.trigger(labels={"a": "b"})
    assert world.finished("qa")["message"] == NO_SHIPYARD.format(project=PROJECT)
    assert world.finished("qa")["labels"] == {"a": "b"}


def test_every_stage_has_the_built_in_evaluation_sequence() -> None:
    world = World(ONE_STAGE)
    world.trigger("qa", "evaluation", evaluation={"start": "a", "end": "b"})
    evaluation = world.open_task("evaluation")
    assert evaluation.data["evaluation"] == {"start": "a", "end": "b"}
    world.run_task(evaluation, result="warning")
    assert world.finished("qa", "evaluation")["result"] == "warning"


def test_a_trigger_without_project_stage_or_service_is_ignored() -> None:
    world = World()
    world.trigger(service="")
    assert world.executions == {}
    assert world.types() == ["qa.delivery.triggered"]
    assert "needs project, stage and service" in world.notes[0]


def test_a_trigger_delivered_twice_starts_one_execution() -> None:
    world = World()
    trigger = world.trigger()
    world.receive(trigger)
    assert len(world.executions) == 1
    assert world.types().count("deployment.triggered") == 1
    assert "already received" in world.notes[0]


# --- tasks (§3.4–3.6) -----------------------------------------------------------------------------


def test_task_payloads_accumulate_the_finished_data_and_blank_the_message() -> None:
    world = World()
    world.trigger(message="from the trigger")
    world.run_task(
        world.open_task("deployment"),
        message="deployed",
        deployment={"deploymentURIsLocal": ["http://127.0.0.1:1"], "deploymentNames": ["direct"]},
    )
    test = world.open_task("test")
    assert test.data["message"] == ""
    assert test.data["result"] == "pass"
    assert test.data["status"] == "succeeded"
    assert test.data["deployment"] == {
        "deploymentURIsLocal": ["http://127.0.0.1:1"],
        "deploymentNames": ["direct"],
    }
    assert test.data["test"] == {"teststrategy": "performance"}


def test_lists_grow_across_tasks_as_in_keptn() -> None:
    world = World()
    world.trigger(deployment={"deploymentURIsLocal": ["a"]})
    world.run_task(world.open_task("deployment"), deployment={"deploymentURIsLocal": ["b"]})
    assert world.open_task("test").data["deployment"]["deploymentURIsLocal"] == ["b", "a"]


def test_later_numbers_and_booleans_win_unlike_keptn() -> None:
    world = World()
    world.trigger(flag=True, counter={"index": 1})
    world.run_task(world.open_task("deployment"), flag=False, counter={"index": 2})
    test = world.open_task("test")
    assert (test.data["flag"], test.data["counter"]) == (False, {"index": 2})


def test_a_task_completes_when_every_started_executor_finished() -> None:
    world = World()
    world.trigger()
    deployment = world.open_task("deployment")
    world.reply(deployment, "started", source="a")
    world.reply(deployment, "started", source="b")
    world.reply(deployment, "finished", source="a")
    assert "test.triggered" not in world.types()
    world.reply(deployment, "finished", source="b", result="warning")
    assert world.open_task("test").data["result"] == "warning"


def test_a_finished_without_started_completes_the_task_unlike_keptn() -> None:
    world = World()
    world.trigger()
    world.reply(world.open_task("deployment"), "finished")
    assert "test.triggered" in world.types()


def test_finished_before_started_completes_on_the_started() -> None:
    world = World()
    world.trigger()
    deployment = world.open_task("deployment")
    world.reply(deployment, "started", source="a")
    world.reply(deployment, "started", source="b")
    world.reply(deployment, "finished", source="b")
    assert "test.triggered" not in world.types()
    world.reply(deployment, "finished", source="a")
    assert "test.triggered" in world.types()


def test_a_reply_delivered_twice_counts_once() -> None:
    world = World()
    world.trigger()
    deployment = world.open_task("deployment")
    world.reply(deployment, "started", source="a")
    world.reply(deployment, "started", source="b")
    finished = world.reply(deployment, "finished", source="a")
    world.receive(finished)
    assert "test.triggered" not in world.types()


def test_replies_to_unknown_or_completed_tasks_are_ignored() -> None:
    world = World()
    world.trigger()
    deployment = world.open_task("deployment")
    world.run_task(deployment)
    before = list(world.log)
    world.reply(deployment, "finished", result="fail")
    assert world.state("qa") is State.STARTED
    assert [e.type for e in world.log[len(before) :]] == ["sh.keptn.event.deployment.finished"]
    assert any("no task waits" in note for note in world.notes)


def test_replies_correlate_by_project_and_context_too() -> None:
    world = World()
    world.trigger()
    deployment = world.open_task("deployment")
    world.reply(replace(deployment, shkeptncontext="other"), "finished")
    world.reply(replace(deployment, data={**deployment.data, "project": "other"}), "finished")
    assert "test.triggered" not in world.types()


def _finished(result: str, status: str) -> TaskReply:
    return TaskReply("e", "sh.keptn.event.t.finished", "s", T0, result, status)


@pytest.mark.parametrize(
    ("replies", "expected"),
    [
        ([("pass", "succeeded")], ("pass", "succeeded")),
        ([("pass", "succeeded"), ("warning", "succeeded")], ("warning", "succeeded")),
        ([("warning", "succeeded"), ("fail", "succeeded")], ("fail", "succeeded")),
        ([("", "succeeded")], ("fail", "succeeded")),  # an empty result counts as fail
        ([("failed", "succeeded")], ("fail", "succeeded")),
        ([("pass", "errored"), ("pass", "aborted")], ("pass", "errored")),
        ([("pass", "aborted"), ("pass", "succeeded")], ("pass", "aborted")),
        ([("pass", "succeeded"), ("pass", "")], ("fail", "unknown")),
        ([("warning", "weird")], ("fail", "unknown")),
    ],
)
def test_aggregation_of_several_finished_events(
    replies: list[tuple[str, str]], expected: tuple[str, str]
) -> None:
    task = CurrentTask("t", "id", T0, T0, replies=tuple(_finished(*reply) for reply in replies))
    outcome = aggregate(task)
    assert (outcome.result, outcome.status) == expected


def test_finished_data_merge_in_arrival_order() -> None:
    first = replace(_finished("pass", "succeeded"), properties={"a": "1", "list": ["x"]})
    second = replace(_finished("pass", "succeeded"), properties={"a": "2", "list": ["y"]})
    task = CurrentTask("t", "id", T0, T0, replies=(first, second))
    assert aggregate(task).properties == {"a": "2", "list": ["y", "x"]}


# --- ending and chaining (§3.7, §1.4–1.5) ---------------------------------------------------------


def test_a_passing_delivery_is_promoted_with_the_accumulated_payload() -> None:
    world = World()
    world.trigger(configurationChange={"values": {"image": "hello:v0.1.1"}}, labels={"version": "v0.1.1"})
    world.deliver()
    qa = world.finished("qa")
    assert qa == {
        "project": PROJECT, "stage": "qa", "service": SERVICE, "labels": {"version": "v0.1.1"},
        "status": "succeeded", "result": "pass", "message": "",
    }  # fmt: skip
    approval = world.open_task("approval")
    assert approval.stage == "production"
    assert approval.gitcommitid == "rev-production-1"  # resolved again for the new stage
    assert approval.data["configurationChange"] == {"values": {"image": "hello:v0.1.1"}}
    assert approval.data["result"] == "pass"
    assert approval.data["approval"] == {"pass": "automatic", "warning": "automatic"}
    assert world.state("production") is State.WAITING_FOR_APPROVAL
    chained = next(e for e in world.log if e.type == "sh.keptn.event.production.delivery.triggered")
    assert (chained.triggeredid, chained.gitcommitid, chained.data["stage"]) == ("", "", "production")


def test_a_failed_evaluation_stops_the_sequence_and_blocks_production() -> None:
    world = World()
    world.trigger()
    world.deliver(evaluation="fail")
    assert world.finished("qa")["result"] == "fail"
    assert "release.triggered" not in world.types()
    assert "production.delivery.triggered" not in world.types()
    assert world.state("qa") is State.FINISHED


def test_the_sequence_result_is_the_last_tasks_not_the_worst() -> None:
    world = World()
    world.trigger()
    world.deliver(evaluation="warning")
    assert world.finished("qa")["result"] == "pass"
    assert "production.delivery.triggered" in world.types()


def test_a_production_failure_starts_the_rollback() -> None:
    world = World()
    world.trigger()
    world.deliver()
    world.run_task(world.open_task("approval"))
    world.run_task(world.open_task("deployment", stage="production"), result="fail")
    assert world.finished("production")["result"] == "fail"
    rollback = world.open_task("rollback")
    assert rollback.data["stage"] == "production"
    assert world.state("production", sequence="rollback") is State.STARTED


def test_an_errored_task_stops_the_sequence_and_chains_on_a_matching_selector() -> None:
    world = World(ONE_STAGE)
    world.trigger()
    world.run_task(world.open_task("deployment"), result="pass", status="errored")
    assert world.finished("qa") == {
        "project": PROJECT, "stage": "qa", "service": SERVICE,
        "status": "errored", "result": "pass", "message": "",
    }  # fmt: skip
    assert [task.name for task in world.execution("qa").previous_tasks] == ["deployment"]
    assert "hardening.delivery.triggered" in world.types()  # as in Keptn: a selector sees only the result


@pytest.mark.parametrize(
    ("deployment", "test", "started"),
    [
        ("pass", "pass", ["delivery"]),
        ("pass", "warning", ["delivery", "on-test-warning"]),
        ("fail", None, ["on-deployment-fail"]),  # `failed` never matches; `<task>.result` is the last task's
    ],
)
def test_selectors(deployment: str, test: str | None, started: list[str]) -> None:
    world = World(ONE_STAGE)
    world.trigger()
    world.run_task(world.open_task("deployment"), result=deployment)
    if test is not None:
        world.run_task(world.open_task("test"), result=test)
    chained = [
        t.split(".")[1] for t in world.types() if t.startswith("hardening.") and t.endswith(".triggered")
    ]
    assert chained == started


# --- queueing (§3.3) ------------------------------------------------------------------------------


def test_a_second_delivery_of_a_service_waits_for_the_first() -> None:
    world = World()
    world.trigger(context="ctx-1")
    world.tick(1)
    world.trigger(context="ctx-2")
    assert world.state("qa", "ctx-2") is State.TRIGGERED
    assert "deployment.triggered" not in world.types("ctx-2")
    world.deliver("ctx-1", evaluation="fail")
    assert world.state("qa", "ctx-2") is State.STARTED
    assert "deployment.triggered" in world.types("ctx-2")


def test_queued_deliveries_start_in_trigger_order() -> None:
    world = World()
    for number in range(1, 4):
        world.trigger(context=f"ctx-{number}")
        world.tick(1)
    world.deliver("ctx-1", evaluation="fail")
    assert world.state("qa", "ctx-2") is State.STARTED
    assert world.state("qa", "ctx-3") is State.TRIGGERED
    world.deliver("ctx-2", evaluation="fail")
    assert world.state("qa", "ctx-3") is State.STARTED


def test_other_services_and_other_stages_run_in_parallel() -> None:
    world = World()
    world.trigger(context="ctx-1")
    world.trigger(context="ctx-2", service="other")
    world.trigger("production", context="ctx-3")
    assert world.state("qa", "ctx-2") is State.STARTED
    assert world.state("production", "ctx-3") is State.WAITING_FOR_APPROVAL


def test_a_sequence_waiting_for_approval_does_not_block_and_then_waits_for_the_running_one() -> None:
    world = World(ONE_STAGE)
    world.trigger(sequence="gated", context="ctx-1")
    assert world.state("qa", "ctx-1", "gated") is State.WAITING_FOR_APPROVAL
    world.tick(1)
    world.trigger(context="ctx-2")
    assert world.state("qa", "ctx-2") is State.STARTED
    world.run_task(world.open_task("approval", "ctx-1"))
    assert world.state("qa", "ctx-1", "gated") is State.TRIGGERED  # queued again: ctx-2 has the key
    assert deadline(world.execution("qa", "ctx-1", "gated"), timedelta(minutes=10), world.now) is None
    assert "deployment.triggered" not in world.types("ctx-1")
    deployment = world.open_task("deployment", "ctx-2")
    world.run_task(deployment)
    assert "test.triggered" in world.types("ctx-2")  # ctx-2 started first, so it goes on
    assert "deployment.triggered" not in world.types("ctx-1")
    world.run_task(world.open_task("test", "ctx-2"))
    assert world.state("qa", "ctx-1", "gated") is State.STARTED
    assert "deployment.triggered" in world.types("ctx-1")


# --- timeouts and delays (§3.8) -------------------------------------------------------------------


def test_an_unanswered_task_times_out_without_chaining() -> None:
    world = World()
    world.trigger()
    execution = world.execution("qa")
    assert deadline(execution, timedelta(minutes=10), world.now) == T0 + timedelta(minutes=10)
    world.tick(599)
    assert world.state("qa") is State.STARTED
    world.tick(1)
    assert world.state("qa") is State.TIMED_OUT
    assert world.finished("qa") == {
        "project": PROJECT, "stage": "qa", "service": SERVICE,
        "status": "errored", "result": "fail", "message": TIMED_OUT.format(task="deployment"),
    }  # fmt: skip
    assert "production.delivery.triggered" not in world.types()


def test_a_started_task_without_its_own_timeout_ends_after_the_started_task_timeout() -> None:
    """A task whose executor died after ``.started`` (a killed server, a lost integration) does not
    hold its sequence, and the queue behind it, forever."""
    world = World()
    world.trigger()
    world.tick(5)
    world.reply(world.open_task("deployment"), "started", source="helm-service")
    started = T0 + timedelta(seconds=5)
    assert deadline(world.execution("qa"), timedelta(minutes=10), world.now) == started + timedelta(hours=1)
    world.trigger(context="ctx-2")  # queued behind ctx-1
    world.tick(3599)
    assert world.state("qa") is State.STARTED
    world.tick(1)
    assert world.state("qa") is State.TIMED_OUT
    assert world.finished("qa")["message"] == (
        "task deployment did not finish within 3600s after executor 'helm-service' started it "
        "(SLOGATE_STARTED_TASK_TIMEOUT): check that executor, then trigger the sequence again"
    )
    assert world.state("qa", "ctx-2") is State.STARTED  # the queue moves on
    assert "production.delivery.triggered" not in world.types("ctx-1")


def test_a_started_task_timing_out_repeats_what_its_executor_said_it_waits_for() -> None:
    """Lighthouse's ``evaluation.started`` names the SLI provider it waits for: a provider that never
    answers ends the sequence with a message naming it."""
    world = World()
    world.trigger()
    waiting = "waiting for SLI provider 'neoload' to answer get-sli.triggered 42"
    world.reply(world.open_task("deployment"), "started", source="lighthouse-service", message=waiting)
    world.tick(3600)
    assert world.state("qa") is State.TIMED_OUT
    assert world.finished("qa")["message"] == (
        "task deployment did not finish within 3600s after executor 'lighthouse-service' started it "
        "(SLOGATE_STARTED_TASK_TIMEOUT): check that executor, then trigger the sequence again "
        f"(last message: {waiting})"
    )


def test_a_started_manual_approval_waits_for_its_person_without_a_deadline() -> None:
    world = World(ONE_STAGE)
    world.trigger(sequence="gated")
    world.reply(world.open_task("approval"), "started", source="approval-service")
    assert deadline(world.execution("qa", sequence="gated"), timedelta(minutes=10), world.now) is None
    world.tick(86400)
    assert world.state("qa", sequence="gated") is State.WAITING_FOR_APPROVAL


def test_the_started_task_timeout_is_the_snapshots() -> None:
    world = World()
    world.trigger()
    world.reply(world.open_task("deployment"), "started")
    world.now += timedelta(seconds=30)
    short = replace(world.snapshot(Tick()), started_task_timeout=timedelta(seconds=30))
    (ended,) = decide(short, Tick()).executions
    assert ended.state is State.TIMED_OUT
    assert ended.scope.message.startswith("task deployment did not finish within 30s after executor")
    assert decide(replace(short, started_task_timeout=timedelta(seconds=31)), Tick()).executions == ()


def test_a_task_that_finished_as_often_as_it_started_has_no_deadline() -> None:
    world = World()
    world.trigger()
    task = world.open_task("deployment")
    world.reply(task, "started")
    world.reply(task, "started")
    world.reply(task, "finished")
    execution = world.execution("qa")
    assert deadline(execution, timedelta(minutes=10), world.now) == T0 + timedelta(hours=1)
    assert execution.current_task is not None
    finished_twice = replace(
        execution.current_task, replies=(*execution.current_task.replies, execution.current_task.replies[-1])
    )
    assert deadline(replace(execution, current_task=finished_twice), timedelta(0), world.now) is None


def test_triggered_after_delays_the_task_and_its_own_timeout_bounds_it() -> None:
    world = World(ONE_STAGE)
    world.trigger(sequence="slow")
    assert "deployment.triggered" not in world.types()
    assert deadline(
        world.execution("qa", sequence="slow"), timedelta(minutes=10), world.now
    ) == T0 + timedelta(minutes=10)
    world.tick(600)
    world.run_task(world.open_task("deployment"))
    test = world.open_task("test")
    world.reply(test, "started")
    world.tick(299)
    assert world.state("qa", sequence="slow") is State.STARTED
    world.tick(1)
    assert world.state("qa", sequence="slow") is State.TIMED_OUT
    assert (
        world.finished("qa", "slow")["message"]
        == "task test did not finish within its timeout of 300s after executor 'executor' started it"
    )


def test_a_tasks_own_timeout_replaces_the_started_task_timeout_both_ways() -> None:
    world = World(ONE_STAGE)
    world.trigger(sequence="slow")
    world.tick(600)
    world.run_task(world.open_task("deployment"))
    world.reply(world.open_task("test"), "started")
    execution = world.execution("qa", sequence="slow")
    own = T0 + timedelta(minutes=15)
    assert deadline(execution, timedelta(minutes=10), world.now, timedelta(seconds=1)) == own
    assert deadline(execution, timedelta(minutes=10), world.now, timedelta(hours=9)) == own
    world.now += timedelta(seconds=60)
    shorter = replace(world.snapshot(Tick()), started_task_timeout=timedelta(seconds=1))
    assert decide(shorter, Tick()).executions == ()  # its own 5m applies, not the 1 s


def test_a_task_nobody_takes_errors_at_once() -> None:
    world = World(executors=lambda task_type, stage, service: task_type != "sh.keptn.event.test.triggered")
    world.trigger()
    world.run_task(world.open_task("deployment"))
    finished = world.finished("qa")
    assert (finished["status"], finished["result"]) == ("errored", "fail")
    assert finished["message"] == NO_EXECUTOR.format(
        task="test", project=PROJECT, stage="qa", service=SERVICE
    )
    assert "test.triggered" not in world.types()


# --- control (§3.9) -------------------------------------------------------------------------------


def test_pause_holds_the_next_task_and_resume_sends_it() -> None:
    world = World()
    world.trigger()
    world.reply(world.open_task("deployment"), "started")
    world.apply(Control("ctx-1", Command.PAUSE))
    assert world.state("qa") is State.PAUSED
    world.reply(world.open_task("deployment"), "finished")  # replies still count while paused
    assert "test.triggered" not in world.types()
    assert deadline(world.execution("qa"), timedelta(minutes=10), world.now) is None
    world.apply(Control("ctx-1", Command.RESUME))
    assert world.state("qa") is State.STARTED
    assert "test.triggered" in world.types()


def test_a_paused_context_starts_new_sequences_paused_and_does_not_block_others() -> None:
    world = World()
    world.apply(Control("ctx-1", Command.PAUSE, stage="qa"))
    world.trigger(context="ctx-1")
    assert world.state("qa", "ctx-1") is State.PAUSED
    world.tick(1)
    world.trigger(context="ctx-2")
    assert world.state("qa", "ctx-2") is State.STARTED
    world.apply(Control("ctx-1", Command.RESUME, stage="qa"))
    assert world.state("qa", "ctx-1") is State.TRIGGERED  # queued behind ctx-2 now
    world.deliver("ctx-2", evaluation="fail")
    assert world.state("qa", "ctx-1") is State.STARTED


def test_resume_of_one_stage_keeps_a_pause_of_the_whole_context() -> None:
    world = World()
    world.trigger()
    world.apply(Control("ctx-1", Command.PAUSE))
    world.apply(Control("ctx-1", Command.RESUME, stage="production"))
    assert world.state("qa") is State.PAUSED


def test_abort_ends_without_chaining_and_lets_the_queue_go_on() -> None:
    world = World()
    world.trigger(context="ctx-1")
    world.tick(1)
    world.trigger(context="ctx-2")
    world.apply(Control("ctx-1", Command.ABORT))
    assert world.finished("qa") == {
        "project": PROJECT, "stage": "qa", "service": SERVICE,
        "status": "aborted", "result": "pass", "message": "",
    }  # fmt: skip
    assert "production.delivery.triggered" not in world.types()
    assert world.state("qa", "ctx-2") is State.STARTED
    world.apply(Control("ctx-1", Command.ABORT))  # already finished: nothing is sent again
    assert world.types("ctx-1").count("qa.delivery.finished") == 1


def test_the_latest_task_events_labels_and_message_reach_the_sequence_finished() -> None:
    world = World(ONE_STAGE)
    world.trigger(labels={"version": "v1"})
    world.run_task(world.open_task("deployment"), labels={"version": "v1", "buildId": "7"})
    world.run_task(world.open_task("test"), message="all good")
    finished = world.finished("qa")
    assert (finished["labels"], finished["message"]) == ({"version": "v1", "buildId": "7"}, "all good")


def test_unusable_durations_mean_no_delay_and_no_own_timeout() -> None:
    world = World(ONE_STAGE)
    world.trigger(sequence="sloppy")
    world.reply(world.open_task("deployment"), "started")
    execution = world.execution("qa", sequence="sloppy")
    assert deadline(execution, timedelta(minutes=10), world.now) == T0 + timedelta(hours=1)  # the default


def test_a_resumed_sequence_queues_behind_one_that_started_meanwhile() -> None:
    world = World()
    world.trigger(context="ctx-1")
    world.reply(world.open_task("deployment", "ctx-1"), "started")
    world.apply(Control("ctx-1", Command.PAUSE))
    world.tick(1)
    world.trigger(context="ctx-2")
    assert world.state("qa", "ctx-2") is State.STARTED
    world.apply(Control("ctx-1", Command.RESUME))
    assert world.state("qa", "ctx-1") is State.TRIGGERED
    world.deliver("ctx-2", evaluation="fail")
    assert world.state("qa", "ctx-1") is State.STARTED
    world.reply(world.open_task("deployment", "ctx-1"), "finished")
    assert "test.triggered" in world.types("ctx-1")
