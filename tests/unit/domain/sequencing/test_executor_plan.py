"""``slogate/executors.yaml``: parsing, every error message, and merging over levels."""

from __future__ import annotations

import pytest

from slogate.domain.sequencing.executor_plan import (
    ExecutorChoice,
    ExecutorPlanError,
    merge_plans,
    parse_plan,
    task_of,
)


def test_short_and_long_forms_are_read() -> None:
    plan = parse_plan(
        {
            "apiVersion": "slogate/v1",
            "kind": "Executors",
            "tasks": {"deployment": "local", "test": {"executor": "load", "config": {"users": 5}}},
        }
    )
    assert plan == {
        "deployment": ExecutorChoice("local", {}),
        "test": ExecutorChoice("load", {"users": 5}),
    }


def test_empty_documents_choose_nothing() -> None:
    assert parse_plan(None) == {}
    assert parse_plan({"kind": "Executors"}) == {}
    assert parse_plan({"tasks": {"test": {"executor": "job", "config": None}}}) == {
        "test": ExecutorChoice("job", {})
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (["deployment"], "the file must be a mapping with a 'tasks' key, got a list"),
        ({"task": {}}, "unknown key 'task'; expected apiVersion, kind and tasks"),
        ({"kind": "Shipyard"}, "kind must be 'Executors', got 'Shipyard'"),
        ({"tasks": ["test"]}, "tasks must be a mapping of task name to executor, got a list"),
        ({"tasks": {"evaluation": "job"}}, "tasks.evaluation: 'evaluation' is answered by slogate itself"),
        ({"tasks": {"test": 3}}, "tasks.test must be an executor name or a mapping with 'executor' and"),
        ({"tasks": {"test": None}}, "got null"),
        ({"tasks": {"test": {"executor": "job", "cmd": []}}}, "unknown key 'cmd'; expected executor, config"),
        ({"tasks": {"test": {"config": {}}}}, "tasks.test.executor must name an executor"),
        ({"tasks": {"test": {"executor": "job", "config": [1]}}}, "tasks.test.config must be a mapping"),
        ({"tasks": {"test": "  "}}, "tasks.test: the executor name is empty"),
    ],
)
def test_invalid_files_are_explained(document: object, message: str) -> None:
    with pytest.raises(ExecutorPlanError, match=r"^slogate/executors\.yaml: ") as raised:
        parse_plan(document)
    assert message in str(raised.value)


def test_the_most_specific_level_wins_per_task_and_none_turns_a_task_off() -> None:
    project = parse_plan({"tasks": {"deployment": "local", "test": "load", "release": "local"}}, "project")
    service = parse_plan({"tasks": {"test": {"executor": "job", "config": {"command": ["true"]}}}}, "service")
    stage = parse_plan({"tasks": {"release": "none"}}, "stage")
    plan = merge_plans([project, stage, service])
    assert plan.choice("deployment") == ExecutorChoice("local", {}, "project")
    assert plan.choice("test") == ExecutorChoice("job", {"command": ["true"]}, "service")
    assert plan.choice("release") is None
    assert plan.choice("rollback") is None


@pytest.mark.parametrize(
    ("event_type", "task"),
    [
        ("sh.keptn.event.test.triggered", "test"),
        ("sh.keptn.event.qa.delivery.triggered", None),
        ("sh.keptn.event.test.finished", None),
        ("sh.other.event.test.triggered", None),
    ],
)
def test_task_of_reads_only_task_triggers(event_type: str, task: str | None) -> None:
    assert task_of(event_type) == task
