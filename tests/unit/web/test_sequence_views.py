"""The Bridge's sequence list rows, stage timeline and status words read the typed state view."""

from __future__ import annotations

from datetime import UTC, datetime

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.state_view import EventReference, SequenceState, StageEvaluation, StageState
from slogate.web.environment import approval_values
from slogate.web.sequences import readable_time, sequence_row
from slogate.web.status import run_status, sequence_status, stage_status
from slogate.web.timeline import stage_timeline

T0 = datetime(2026, 1, 2, 10, 11, 12, 500000, tzinfo=UTC)
FAILED = EventReference("sh.keptn.event.qa.delivery.finished", "id-9", T0)


def state(*stages: StageState, overall: str = "finished") -> SequenceState:
    return SequenceState("delivery", "svc", "p", T0, "ctx/1", overall, stages)


def test_a_row_links_the_context_and_each_stage_with_its_score() -> None:
    qa = StageState("qa", "succeeded", latest_evaluation=StageEvaluation("warning", 79.9))
    production = StageState("prod uction", "triggered")
    row = sequence_row("my project", state(qa, production, overall="started"))
    assert row["href"] == "/bridge/project/my%20project/sequence/ctx%2F1"
    assert [(s["name"], s["status"], s["score"]) for s in row["stages"]] == [
        ("qa", "warning", 79),
        ("prod uction", "started", None),
    ]
    assert row["stages"][1]["href"].endswith("?stage=prod%20uction")
    assert (row["time"], row["status"], row["running"]) == ("2026-01-02 10:11:12 UTC", "started", True)


def test_status_words_come_from_the_typed_stages() -> None:
    assert stage_status(StageState("qa", "succeeded", latest_failed_event=FAILED)) == "fail"
    assert stage_status(StageState("qa", "succeeded")) == "pass"
    assert stage_status(StageState("qa", "paused")) == "paused"
    assert stage_status(StageState("qa", "aborted")) == "aborted"
    assert sequence_status(state(StageState("qa", "succeeded"), StageState("p", "errored"))) == "errored"
    assert sequence_status(state(overall="timedOut")) == "errored"
    assert sequence_status(state(StageState("qa", "finished"))) == "pass"


def test_the_timeline_keeps_the_state_order_and_each_stage_image() -> None:
    trigger = KeptnEvent("t-1", "sh.keptn.event.deployment.triggered", "ctl", T0, "ctx", {"stage": "staging"})
    stages = [StageState("qa", "succeeded", image="repo/app:1.2")]
    timeline = stage_timeline([trigger], stages)
    assert [(entry["name"], entry["image"], entry["state"]) for entry in timeline] == [
        ("qa", "repo/app:1.2", stages[0]),
        ("staging", "", None),
    ]
    assert timeline[1]["tasks"][0]["state"] == "triggered"


def test_a_missing_time_reads_as_nothing() -> None:
    assert readable_time(None) == ""


def test_an_open_approval_shows_the_configured_image_and_links_its_stage() -> None:
    data = {"stage": "prod", "configurationChange": {"values": {"image": "repo/app:2"}}}
    approval = KeptnEvent("a-1", "sh.keptn.event.approval.triggered", "ctl", T0, "ctx", data)
    assert approval_values("p", approval) == {
        "id": "a-1",
        "image": "repo/app:2",
        "href": "/bridge/project/p/sequence/ctx?stage=prod",
        "action": "/bridge/project/p/sequence/ctx/approval",
    }
    odd = KeptnEvent(
        "a-2", approval.type, "ctl", T0, "ctx", {"configurationChange": {"values": {"image": 5}}}
    )
    assert approval_values("p", odd)["image"] == ""


def _event(number: int, type_: str, stage: str, triggered: str = "", **data: object) -> KeptnEvent:
    return KeptnEvent(
        f"e-{number}", f"sh.keptn.event.{type_}", "ctl", T0, "ctx", {"stage": stage, **data}, triggered
    )


def rolled_back_delivery() -> list[KeptnEvent]:
    """qa passes; production's evaluation fails (its get-sli inside it); the rollback runs."""
    return [
        _event(1, "qa.delivery.triggered", "qa"),
        _event(2, "deployment.triggered", "qa"),
        _event(3, "deployment.finished", "qa", "e-2", result="pass"),
        _event(4, "qa.delivery.finished", "qa", "e-1", result="pass"),
        _event(5, "production.delivery.triggered", "production"),
        _event(6, "evaluation.triggered", "production"),
        _event(7, "get-sli.triggered", "production"),
        _event(8, "get-sli.finished", "production", "e-7", result="pass"),
        _event(9, "evaluation.finished", "production", "e-6", result="fail"),
        _event(10, "production.delivery.finished", "production", "e-5", result="fail"),
        _event(11, "production.rollback.triggered", "production"),
        _event(12, "rollback.triggered", "production"),
        _event(13, "rollback.finished", "production", "e-12", result="pass"),
        _event(14, "production.rollback.finished", "production", "e-11", result="pass"),
    ]


ROLLED_BACK = (
    StageState("qa", "succeeded", sequence="delivery", result="pass"),
    StageState(
        "production",
        "succeeded",
        latest_evaluation=StageEvaluation("fail", 66.67),
        latest_failed_event=FAILED,
        result="fail",
        sequence="delivery",
        image="repo/app:2",
    ),
    StageState(
        "production",
        "succeeded",
        latest_evaluation=StageEvaluation("fail", 66.67),
        latest_failed_event=FAILED,
        result="pass",
        sequence="rollback",
        image="repo/app:2",
    ),
)


def test_a_rollback_is_a_run_of_its_own_never_a_copy_of_the_stage() -> None:
    timeline = stage_timeline(rolled_back_delivery(), ROLLED_BACK)
    runs = [(entry["name"], entry["sequence"], entry["chained"]) for entry in timeline]
    assert runs == [
        ("qa", "delivery", False),
        ("production", "delivery", False),
        ("production", "rollback", True),
    ]
    production, rollback = timeline[1], timeline[2]
    assert [task["name"] for task in production["tasks"]] == ["evaluation"]
    assert [task["name"] for task in rollback["tasks"]] == ["rollback"]
    assert [e["id"] for e in rollback["sequence_events"]] == ["e-11", "e-14"]
    assert (production["state"], rollback["state"]) == (ROLLED_BACK[1], ROLLED_BACK[2])
    assert (production["image"], rollback["image"]) == ("repo/app:2", "")  # not the image rolled back


def test_get_sli_is_drawn_inside_its_evaluation() -> None:
    (evaluation,) = stage_timeline(rolled_back_delivery(), ROLLED_BACK)[1]["tasks"]
    assert [child["name"] for child in evaluation["children"]] == ["get-sli"]
    assert [event["id"] for event in evaluation["children"][0]["events"]] == ["e-7", "e-8"]
    lone = stage_timeline([_event(1, "get-sli.triggered", "qa")], ())
    assert [task["name"] for task in lone[0]["tasks"]] == ["get-sli"]  # no evaluation to go in


def test_the_list_shows_one_chip_per_stage_and_the_rollback_in_a_row_of_its_own() -> None:
    row = sequence_row("p", state(*ROLLED_BACK))
    assert [(s["name"], s["status"], s["score"]) for s in row["stages"]] == [
        ("qa", "pass", None),
        ("production", "fail", 66),
    ]
    (rollback,) = row["chained"]
    assert rollback["name"] == "rollback"
    assert [(s["name"], s["status"], s["score"]) for s in rollback["stages"]] == [
        ("production", "pass", None)
    ]


def test_a_later_run_in_a_stage_reads_its_own_ending() -> None:
    assert run_status(StageState("p", "succeeded", latest_failed_event=FAILED, result="pass")) == "pass"
    assert run_status(StageState("p", "succeeded", result="warning")) == "warning"
    assert run_status(StageState("p", "errored", result="fail")) == "errored"
    assert run_status(StageState("p", "triggered")) == "started"
