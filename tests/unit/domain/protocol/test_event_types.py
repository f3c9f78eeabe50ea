"""Keptn event types are parsed by dot count, as go-utils does, and built from their parts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slogate.domain.protocol.event_types import (
    LOG_ERROR,
    MONITORING_CONFIGURE,
    PROBLEM,
    PROJECT_CREATE_FINISHED,
    Category,
    EventType,
    parse_event_type,
    sequence_type,
    task_type,
)

NAMES = st.text(st.characters(blacklist_characters=".", blacklist_categories=["Cs"]), min_size=1, max_size=8)


def test_task_event() -> None:
    """Five segments: sh.keptn.event.<task>.<kind>."""
    parsed = parse_event_type("sh.keptn.event.deployment.finished")
    assert parsed == EventType(
        "sh.keptn.event.deployment.finished", Category.TASK, kind="finished", task="deployment"
    )
    assert parsed.is_task
    assert not parsed.is_sequence
    assert parsed.keptn_prefix
    assert parsed.name == "sh.keptn.event.deployment"


def test_sequence_event() -> None:
    """Six segments: sh.keptn.event.<stage>.<sequence>.<kind>."""
    parsed = parse_event_type("sh.keptn.event.qa.delivery.triggered")
    assert (parsed.category, parsed.stage, parsed.sequence, parsed.kind) == (
        Category.SEQUENCE,
        "qa",
        "delivery",
        "triggered",
    )
    assert parsed.is_sequence
    assert parsed.task == ""


def test_status_changed_masquerades_as_a_sequence() -> None:
    """sh.keptn.event.<task>.status.changed has six segments, so it parses as a sequence event."""
    parsed = parse_event_type("sh.keptn.event.test.status.changed")
    assert parsed.is_sequence
    assert (parsed.stage, parsed.sequence, parsed.kind) == ("test", "status", "changed")


def test_monitoring_configure_parses_as_task_monitoring() -> None:
    """sh.keptn.event.monitoring.configure is task "monitoring" with kind "configure"."""
    parsed = parse_event_type(MONITORING_CONFIGURE)
    assert (parsed.category, parsed.task, parsed.kind) == (Category.TASK, "monitoring", "configure")


def test_lifecycle_events_parse_as_sequences() -> None:
    """project.create.finished has six segments: stage "project", sequence "create"."""
    parsed = parse_event_type(PROJECT_CREATE_FINISHED)
    assert (parsed.category, parsed.stage, parsed.sequence) == (Category.SEQUENCE, "project", "create")


def test_prefix_is_not_checked() -> None:
    """Any five non-empty segments make a task event, as in go-utils; keptn_prefix tells them apart."""
    parsed = parse_event_type("a.b.c.deploy.started")
    assert parsed.is_task
    assert not parsed.keptn_prefix


@pytest.mark.parametrize(
    "text",
    [
        LOG_ERROR,
        PROBLEM,
        "",
        "sh.keptn.event",
        "sh.keptn.event.a.b.c.d",
        "sh.keptn.event..finished",
        "sh.keptn.event.deployment.finished.",
        "sh.keptn.event.qa..triggered",
    ],
)
def test_other_shapes(text: str) -> None:
    """Other segment counts, and empty segments, are neither tasks nor sequences."""
    parsed = parse_event_type(text)
    assert parsed.category is Category.OTHER
    assert (parsed.kind, parsed.name) == ("", text)


def test_builders() -> None:
    """task_type and sequence_type build the strings Keptn uses."""
    assert task_type("evaluation", "triggered") == "sh.keptn.event.evaluation.triggered"
    assert sequence_type("qa", "delivery", "finished") == "sh.keptn.event.qa.delivery.finished"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: task_type("", "triggered"), "task name '' must be non-empty"),
        (lambda: task_type("a.b", "triggered"), "task name 'a.b'"),
        (lambda: sequence_type("qa", "delivery", ""), "kind name ''"),
        (lambda: sequence_type("q.a", "delivery", "triggered"), "stage name 'q.a'"),
        (lambda: sequence_type("qa", "", "triggered"), "sequence name ''"),
    ],
)
def test_builders_refuse_bad_names(build: object, message: str) -> None:
    """Empty or dotted names, and kinds of unparsable types, are ValueErrors naming the part."""
    assert callable(build)
    with pytest.raises(ValueError, match=message):
        build()


@given(NAMES, NAMES)
def test_task_round_trip(task: str, kind: str) -> None:
    """A built task type parses back into its parts."""
    parsed = parse_event_type(task_type(task, kind))
    assert (parsed.category, parsed.task, parsed.kind) == (Category.TASK, task, kind)


@given(NAMES, NAMES, NAMES)
def test_sequence_round_trip(stage: str, sequence: str, kind: str) -> None:
    """A built sequence type parses back into its parts."""
    parsed = parse_event_type(sequence_type(stage, sequence, kind))
    assert (parsed.stage, parsed.sequence, parsed.kind) == (stage, sequence, kind)


@given(st.text(max_size=40))
def test_parsing_never_fails(text: str) -> None:
    """Any string parses; the category follows the count of non-empty segments alone."""
    parsed = parse_event_type(text)
    parts = text.split(".")
    expected = {5: Category.TASK, 6: Category.SEQUENCE}.get(len(parts), Category.OTHER)
    assert parsed.category is (Category.OTHER if "" in parts else expected)
