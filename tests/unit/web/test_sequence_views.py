"""The Bridge's sequence list rows, stage timeline and status words read the typed state view."""

from __future__ import annotations

from datetime import UTC, datetime

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.state_view import EventReference, SequenceState, StageEvaluation, StageState
from slogate.web.environment import approval_values
from slogate.web.sequences import readable_time, sequence_row
from slogate.web.status import sequence_status, stage_status
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
