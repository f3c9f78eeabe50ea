"""The facts a decision is given: exactly those ``needs`` names, and a missing one fails loudly."""

from __future__ import annotations

from dataclasses import replace

import pytest

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine import decide
from slogate.domain.sequencing.engine_io import Received, Snapshot
from slogate.domain.sequencing.execution import State
from slogate.domain.sequencing.facts import UNLOADED, MissingFactError, ProjectFacts, needs, needs_shipyard
from tests.support.sequence_world import PROJECT, SERVICE, World

DEPLOYMENT, TEST = "sh.keptn.event.deployment.triggered", "sh.keptn.event.test.triggered"
APPROVAL = "sh.keptn.event.approval.triggered"


def _trigger(world: World, stage: str = "qa", sequence: str = "delivery", **extra: str) -> KeptnEvent:
    return KeptnEvent(
        id=world.new_id(),
        type=f"sh.keptn.event.{stage}.{sequence}.triggered",
        source="cli",
        time=world.now,
        shkeptncontext="ctx-9",
        data={"project": PROJECT, "stage": stage, "service": "other"},
        **extra,
    )


def test_a_trigger_needs_its_stage_revision_and_its_first_task() -> None:
    world = World()
    wanted = needs(world.shipyard, (), _trigger(world))
    assert wanted.stages == {"qa"}
    assert wanted.executors == {(DEPLOYMENT, "qa", "other")}
    chained = needs(world.shipyard, (), _trigger(world, "production"))
    assert chained.executors == {(APPROVAL, "production", "other")}


def test_a_pinned_trigger_needs_no_revision_and_an_unknown_sequence_no_executor() -> None:
    world = World()
    assert needs(world.shipyard, (), _trigger(world, gitcommitid="abc")).stages == frozenset()
    assert needs(world.shipyard, (), _trigger(world, sequence="nosuch")).executors == frozenset()
    assert needs(world.shipyard, (), _trigger(world, stage="nosuch")).executors == frozenset()
    assert needs(None, (), _trigger(world)).executors == frozenset()


def test_an_execution_may_send_an_unsent_task_or_the_one_after_an_answered_task() -> None:
    world = World()
    world.trigger()
    sent = world.execution("qa")
    assert needs(world.shipyard, [sent], None).executors == frozenset()  # deployment went out
    deployment = world.open_task("deployment")
    started = world.reply(deployment, "started")
    assert needs(world.shipyard, [world.execution("qa")], started).executors == frozenset()
    finished = replace(started, id="f-1", type="sh.keptn.event.deployment.finished")
    assert needs(world.shipyard, [world.execution("qa")], finished).executors == {(TEST, "qa", SERVICE)}
    other = replace(finished, triggeredid="another task")
    assert needs(world.shipyard, [world.execution("qa")], other).executors == frozenset()
    assert sent.current_task is not None
    unsent = replace(sent, current_task=replace(sent.current_task, sent_at=None))
    assert needs(world.shipyard, [unsent], None).executors == {(DEPLOYMENT, "qa", SERVICE)}
    queued = replace(sent, state=State.TRIGGERED, current_task=None)
    assert needs(world.shipyard, [queued], None).executors == {(DEPLOYMENT, "qa", SERVICE)}
    ended = replace(queued, state=State.FINISHED)
    assert needs(world.shipyard, [ended], None) == needs(None, (), None)
    last = replace(sent, previous_tasks=(), sequence=replace(sent.sequence, tasks=sent.sequence.tasks[:1]))
    last_finished = replace(finished, triggeredid=deployment.id)
    assert needs(world.shipyard, [last], last_finished).executors == frozenset()  # nothing after it


def test_replies_and_other_events_need_no_revision() -> None:
    world = World()
    world.trigger()
    started = world.reply(world.open_task("deployment"), "started")
    assert needs(world.shipyard, [world.execution("qa")], started).stages == frozenset()


def test_a_decision_that_lacks_a_revision_fails_and_names_it() -> None:
    world = World()
    snapshot = Snapshot(project=PROJECT, now=world.now, facts=ProjectFacts(world.shipyard))
    with pytest.raises(MissingFactError, match="the revision of stage 'qa' was not loaded"):
        decide(snapshot, Received(_trigger(world)))


def test_a_decision_that_lacks_an_executor_answer_fails_and_names_it() -> None:
    world = World()
    facts = ProjectFacts(world.shipyard, revisions={"qa": ""})
    snapshot = Snapshot(project=PROJECT, now=world.now, facts=facts)
    with pytest.raises(MissingFactError, match=r"deployment\.triggered', 'qa', 'other'"):
        decide(snapshot, Received(_trigger(world)))


def test_the_engine_decides_from_the_given_shipyard_alone() -> None:
    world = World()
    trigger = _trigger(world)
    wanted = needs(world.shipyard, (), trigger)
    facts = ProjectFacts(None, dict.fromkeys(wanted.stages, ""), dict.fromkeys(wanted.executors, True))
    decision = decide(Snapshot(project=PROJECT, now=world.now, facts=facts), Received(trigger))
    (rejected,) = decision.events
    assert rejected.type == "sh.keptn.event.qa.delivery.finished"
    assert decision.executions == ()


def test_only_triggers_and_finished_tasks_read_the_shipyard() -> None:
    world = World()
    trigger = _trigger(world)
    world.trigger()
    deployment = world.open_task("deployment")
    started = world.reply(deployment, "started")
    finished = world.reply(deployment, "finished")
    assert needs_shipyard(trigger)
    assert needs_shipyard(finished)
    assert not needs_shipyard(started)
    assert not needs_shipyard(deployment)  # a task trigger the engine sent itself
    assert not needs_shipyard(replace(trigger, type="sh.keptn.log.error"))
    assert not needs_shipyard(None)  # a tick or a control command


def test_a_decision_that_reads_an_unloaded_shipyard_fails_and_says_so() -> None:
    world = World()
    trigger = _trigger(world)
    with pytest.raises(MissingFactError, match="the shipyard was not loaded"):
        needs(UNLOADED, (), trigger)
    facts = ProjectFacts(UNLOADED, {"qa": ""}, {(DEPLOYMENT, "qa", "other"): True})
    with pytest.raises(MissingFactError, match="the shipyard was not loaded"):
        decide(Snapshot(project=PROJECT, now=world.now, facts=facts), Received(trigger))
