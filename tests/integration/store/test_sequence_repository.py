"""Sequence executions in SQL: exact round trips, snapshots, atomic commits, deadlines and listings."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from slogate.adapters.store.dispatch_tables import CursorRow
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.store.sequence_repository import SqlSequenceStore
from slogate.adapters.store.sequence_tables import SequenceExecutionRow
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.execution import CurrentTask, Execution, Scope, State, TaskOutcome, TaskReply
from slogate.domain.sequencing.shipyard import Task, TaskSequence, Trigger
from slogate.errors import ConflictError, InputError
from slogate.ports import SequenceWrite

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PROJECT = "sockshop"
_numbers = itertools.count()


@pytest.fixture
def sequences(engine: Engine) -> SqlSequenceStore:
    """The sequence store over a migrated database."""
    return SqlSequenceStore(engine)


def execution(
    *,
    project: str = PROJECT,
    stage: str = "qa",
    service: str = "carts",
    context: str = "ctx-1",
    name: str = "delivery",
    state: State = State.STARTED,
    minute: float = 0,
    trigger: str | None = None,
    **changes: Any,
) -> Execution:
    """An execution of ``name`` triggered ``minute`` minutes after T0, with a new id and trigger id."""
    number = next(_numbers)
    scope = Scope(
        project=project,
        stage=stage,
        service=service,
        keptn_context=context,
        triggered_id=trigger or f"trigger-{number}",
        event_type=f"sh.keptn.event.{stage}.{name}.triggered",
    )
    sequence = TaskSequence(name, tasks=(Task("deployment"), Task("release")))
    made = Execution(f"exec-{number}", sequence, scope, state, T0 + timedelta(minutes=minute))
    return replace(made, **changes)


def detailed() -> Execution:
    """An execution using every field: a paused test with replies, a jsonb-reordered match, labels."""
    return execution(
        state=State.PAUSED,
        state_before_pause=State.STARTED,
        sequence=TaskSequence(
            "delivery",
            triggered_on=(
                Trigger("dev.delivery.finished", (("zeta", "pass"), ("a", "warning"))),
                Trigger("x"),
            ),
            tasks=(
                Task("deployment", "", {"strategy": "blue_green"}),
                Task("test", "2m", ["a", 1, 2.5, None]),
            ),
        ),
        input_properties={"configurationChange": {"values": {"image": "carts:0.1.2"}}, "flag": True},
        previous_tasks=(
            TaskOutcome("deployment", "task-1", "pass", "succeeded", {"deployment": {"uris": ["u"]}}),
        ),
        current_task=CurrentTask(
            name="test",
            triggered_id="task-2",
            due=T0 + timedelta(minutes=2),
            sent_at=T0 + timedelta(minutes=2, microseconds=1),
            timeout_seconds=90.5,
            replies=(
                TaskReply("reply-1", "sh.keptn.event.test.started", "jmeter", T0 + timedelta(minutes=3)),
                TaskReply(
                    "reply-2",
                    "sh.keptn.event.test.finished",
                    "jmeter",
                    T0 + timedelta(minutes=4),
                    "pass",
                    "succeeded",
                    {"test": {"n": 3}},
                ),
            ),
        ),
        started_at=T0 + timedelta(seconds=5),
    )


def event(event_id: str, minute: float = 0) -> KeptnEvent:
    """A task trigger the engine emits."""
    return KeptnEvent(
        event_id,
        "sh.keptn.event.deployment.triggered",
        "shipyard-controller",
        T0 + timedelta(minutes=minute),
        "ctx-1",
        {"project": PROJECT, "stage": "qa", "service": "carts"},
    )


def put(store: SqlSequenceStore, *executions: Execution, deadline: datetime | None = None) -> None:
    """Commit ``executions`` (each in its own project's write) with one deadline."""
    for item in executions:
        store.commit([SequenceWrite(item.scope.project, ((item, deadline),))])


def cursor(engine: Engine, subscriber: str) -> int | None:
    """The subscriber's cursor, or None."""
    with Session(engine) as session:
        row = session.get(CursorRow, subscriber)
        return None if row is None else row.last_seq


def ids(executions: list[Execution] | tuple[Execution, ...]) -> list[str]:
    """The ids in order."""
    return [item.id for item in executions]


# --- commit and load ------------------------------------------------------------------------------


def test_commit_then_load_gives_the_same_executions(sequences: SqlSequenceStore) -> None:
    """Every field survives the database, including a match order jsonb does not keep."""
    stored = [detailed(), execution(state=State.TRIGGERED, context="ctx-2", minute=1)]

    sequences.commit([SequenceWrite(PROJECT, tuple((item, T0) for item in stored))])

    assert list(sequences.load(PROJECT, ["carts"])) == stored


def test_commit_updates_an_existing_execution_in_place(sequences: SqlSequenceStore, engine: Engine) -> None:
    """A second commit of an id replaces its document and columns; its creation position stays."""
    first, second = execution(), execution(minute=1)
    put(sequences, first, second)
    finished = replace(first, state=State.FINISHED, scope=replace(first.scope, result="pass"))

    sequences.commit([SequenceWrite(PROJECT, ((finished, None),))])

    assert sequences.load(PROJECT, ["carts"], contexts=["ctx-1"]) == (finished, second)
    with Session(engine) as session:
        rows = session.scalars(select(SequenceExecutionRow).order_by(SequenceExecutionRow.seq)).all()
        assert [(row.id, row.state, row.deadline) for row in rows] == [
            (first.id, "finished", None),
            (second.id, "started", None),
        ]


def test_load_selects_unfinished_of_services_and_all_of_contexts_and_triggers(
    sequences: SqlSequenceStore,
) -> None:
    """Unfinished executions of the services, any execution of the contexts or trigger ids, no duplicates,
    nothing of other projects, in creation order."""
    running = execution(service="carts", context="a")
    queued = execution(service="orders", context="b", state=State.TRIGGERED)
    paused = execution(service="carts", context="c", state=State.PAUSED)
    done = execution(service="carts", context="a", state=State.FINISHED)
    timed_out = execution(service="carts", context="d", state=State.TIMED_OUT)
    other_service = execution(service="payment", context="e")
    by_trigger = execution(service="payment", context="f", state=State.FINISHED, trigger="t-42")
    other_project = execution(project="other", service="carts", context="a", trigger="t-42")
    put(sequences, running, queued, paused, done, timed_out, other_service, by_trigger, other_project)

    assert ids(sequences.load(PROJECT, ["carts"])) == ids([running, paused])
    assert ids(sequences.load(PROJECT, ["carts", "orders"])) == ids([running, queued, paused])
    assert ids(sequences.load(PROJECT, ["carts"], contexts=["a", "d"])) == ids(
        [running, paused, done, timed_out]
    )
    assert ids(sequences.load(PROJECT, [], triggered_ids=["t-42"])) == ids([by_trigger])
    assert ids(sequences.load(PROJECT, ["orders"], ["b"], [queued.scope.triggered_id])) == ids([queued])
    assert sequences.load(PROJECT, []) == ()
    assert ids(sequences.load("other", ["carts"])) == ids([other_project])


def test_a_second_execution_of_one_trigger_is_refused(sequences: SqlSequenceStore, engine: Engine) -> None:
    """(project, triggered id) is unique: a rival execution fails the whole commit with a ConflictError."""
    first = execution(trigger="t-1")
    put(sequences, first)
    rival = execution(trigger="t-1", context="ctx-9")
    bystander = execution(context="ctx-8")

    with pytest.raises(ConflictError, match=r"trigger 't-1' in project 'sockshop' has an execution"):
        sequences.commit(
            [SequenceWrite(PROJECT, ((bystander, None), (rival, None)), (event("e-1"),))], ("s", 5)
        )

    assert sequences.load(PROJECT, ["carts"]) == (first,)
    assert SqlEventStore(engine).get("e-1") is None
    assert cursor(engine, "s") is None

    twins = (execution(trigger="t-2"), execution(trigger="t-2"))
    with pytest.raises(ConflictError, match=r"two executions of trigger 't-2'"):
        sequences.commit([SequenceWrite(PROJECT, tuple((twin, None) for twin in twins))])

    elsewhere = execution(project="other", trigger="t-1")
    put(sequences, elsewhere)
    assert sequences.load("other", ["carts"]) == (elsewhere,)


def test_pauses_are_replaced_per_project_or_left_alone(sequences: SqlSequenceStore) -> None:
    """A given pause set replaces the project's whole set; None keeps it; other projects keep theirs."""
    sequences.commit(
        [
            SequenceWrite(PROJECT, pauses=frozenset({("ctx-1", ""), ("ctx-2", "qa")})),
            SequenceWrite("other", pauses=frozenset({("ctx-9", "prod")})),
        ]
    )
    assert sequences.pauses(PROJECT) == {("ctx-1", ""), ("ctx-2", "qa")}

    put(sequences, execution())
    assert sequences.pauses(PROJECT) == {("ctx-1", ""), ("ctx-2", "qa")}

    sequences.commit([SequenceWrite(PROJECT, pauses=frozenset({("ctx-2", "production")}))])
    assert sequences.pauses(PROJECT) == {("ctx-2", "production")}

    sequences.commit([SequenceWrite(PROJECT, pauses=frozenset())])
    assert sequences.pauses(PROJECT) == frozenset()
    assert sequences.pauses("other") == {("ctx-9", "prod")}


def test_events_and_cursor_are_committed_with_the_executions(
    sequences: SqlSequenceStore, engine: Engine
) -> None:
    """Events land in the events table in order, and the cursor moves forward, never back."""
    events = SqlEventStore(engine)
    sequences.commit(
        [SequenceWrite(PROJECT, ((execution(), None),), (event("e-1"), event("e-2", 1)))], ("seq", 7)
    )

    assert [found.id for found in events.find(limit=10)] == ["e-2", "e-1"]
    assert events.get("e-1") == event("e-1")
    assert cursor(engine, "seq") == 7

    sequences.commit([], ("seq", 3))
    assert cursor(engine, "seq") == 7
    sequences.commit([], ("seq", 9))
    assert cursor(engine, "seq") == 9


def test_a_failing_commit_stores_nothing(sequences: SqlSequenceStore, engine: Engine) -> None:
    """A duplicate event id: no execution, no pause, no event, no cursor move from that commit."""
    events = SqlEventStore(engine)
    events.add([event("taken")])
    sequences.commit([], ("seq", 1))
    fresh = execution()

    with pytest.raises(ConflictError, match=r"event 'taken' exists; event 'twice' repeats"):
        sequences.commit(
            [
                SequenceWrite(
                    PROJECT, ((fresh, T0),), (event("new"), event("twice")), frozenset({("c", "")})
                ),
                SequenceWrite("other", (), (event("taken"), event("twice"))),
            ],
            ("seq", 5),
        )

    assert sequences.load(PROJECT, ["carts"]) == ()
    assert sequences.pauses(PROJECT) == frozenset()
    assert events.get("new") is None
    assert cursor(engine, "seq") == 1
    assert sequences.next_deadline() is None


def test_a_commit_failing_for_another_reason_keeps_its_error(sequences: SqlSequenceStore) -> None:
    """A naive deadline is a defect of the caller, not a conflict: its own error, nothing stored."""
    with pytest.raises(StatementError, match="naive datetime"):
        sequences.commit([SequenceWrite(PROJECT, ((execution(), datetime(2024, 5, 1)),))])

    assert sequences.load(PROJECT, ["carts"]) == ()


# --- deadlines ------------------------------------------------------------------------------------


def test_due_and_next_deadline_see_unfinished_executions_only(sequences: SqlSequenceStore) -> None:
    """Distinct (project, service) due by a time; the earliest deadline; finished and undated ones never."""
    assert sequences.next_deadline() is None
    put(sequences, execution(service="carts"), deadline=T0 + timedelta(minutes=10))
    put(sequences, execution(service="carts", context="c2"), deadline=T0 + timedelta(minutes=5))
    put(sequences, execution(service="orders"), deadline=T0 + timedelta(minutes=20))
    put(sequences, execution(project="other", service="carts"), deadline=T0 + timedelta(minutes=1))
    put(sequences, execution(service="payment", state=State.FINISHED), deadline=T0)
    put(sequences, execution(service="payment", state=State.TIMED_OUT), deadline=T0)
    put(sequences, execution(service="shipping"))

    assert sequences.next_deadline() == T0 + timedelta(minutes=1)
    assert sequences.due(T0) == []
    assert sequences.due(T0 + timedelta(minutes=5)) == [("other", "carts"), (PROJECT, "carts")]
    assert sequences.due(T0 + timedelta(minutes=19, seconds=59)) == [("other", "carts"), (PROJECT, "carts")]
    assert sequences.due(T0 + timedelta(days=1)) == [
        ("other", "carts"),
        (PROJECT, "carts"),
        (PROJECT, "orders"),
    ]


# --- listings -------------------------------------------------------------------------------------


def test_executions_filter_newest_first_and_page(sequences: SqlSequenceStore) -> None:
    """Keptn's filters (stage, service, name, state, context), newest trigger first, paged, counted."""
    a = execution(stage="qa", service="carts", context="c1", minute=1)
    b = execution(stage="production", service="carts", context="c1", minute=5)
    c = execution(stage="qa", service="orders", context="c2", name="evaluation", minute=3)
    d = execution(stage="qa", service="carts", context="c3", state=State.FINISHED, minute=4)
    e = execution(stage="qa", service="carts", context="c3", minute=4)  # same time as d: newer by creation
    other = execution(project="other", minute=9)
    put(sequences, a, b, c, d, e, other)

    def listed(**filters: Any) -> tuple[list[str], int]:
        found, total = sequences.executions(
            PROJECT, limit=filters.pop("limit", 10), offset=filters.pop("offset", 0), **filters
        )
        return ids(found), total

    assert listed() == (ids([b, e, d, c, a]), 5)
    assert listed(stage="qa") == (ids([e, d, c, a]), 4)
    assert listed(service="orders") == (ids([c]), 1)
    assert listed(name="evaluation") == (ids([c]), 1)
    assert listed(state="finished") == (ids([d]), 1)
    assert listed(keptn_context="c1") == (ids([b, a]), 2)
    assert listed(stage="qa", service="carts", state="started") == (ids([e, a]), 2)
    assert listed(limit=2, offset=1) == (ids([e, d]), 5)
    assert listed(limit=2, offset=5) == ([], 5)
    assert listed(stage="nowhere") == ([], 0)
    with pytest.raises(InputError):
        sequences.executions(PROJECT, limit=-1, offset=0)


def test_contexts_newest_first_with_their_executions(sequences: SqlSequenceStore) -> None:
    """Contexts ordered by their root's trigger time, each with every execution in creation order;
    filters on the root's name and time, on context ids and on the latest execution's state."""
    qa1 = execution(context="c1", stage="qa", minute=1, state=State.FINISHED)
    late = execution(context="c2", stage="qa", name="evaluation", minute=10)
    prod1 = execution(context="c1", stage="production", minute=20, state=State.FINISHED)
    mid = execution(context="c3", stage="qa", minute=5, state=State.PAUSED)
    hardening1 = execution(context="c1", stage="hardening", minute=15)  # created after prod1
    put(sequences, qa1, late, prod1, mid, hardening1, execution(project="other", context="c9", minute=30))

    def listed(**filters: Any) -> tuple[list[tuple[str, list[str]]], int]:
        found, total = sequences.contexts(
            PROJECT, limit=filters.pop("limit", 10), offset=filters.pop("offset", 0), **filters
        )
        return [(context, ids(items)) for context, items in found], total

    c1 = ("c1", ids([qa1, prod1, hardening1]))
    c2, c3 = ("c2", ids([late])), ("c3", ids([mid]))
    assert listed() == ([c2, c3, c1], 3)
    assert sequences.contexts(PROJECT, limit=1, offset=2) == ([("c1", [qa1, prod1, hardening1])], 3)
    assert listed(limit=2, offset=1) == ([c3, c1], 3)
    assert listed(name="delivery") == ([c3, c1], 2)
    assert listed(name="evaluation") == ([c2], 1)
    assert listed(from_time=T0 + timedelta(minutes=1)) == ([c2, c3], 2)  # exclusive
    assert listed(before_time=T0 + timedelta(minutes=10)) == ([c3, c1], 2)  # exclusive
    assert listed(keptn_contexts=["c1", "c2", "nope"]) == ([c2, c1], 2)
    assert listed(state="started") == ([c2, c1], 2)  # c1's latest execution is hardening's
    assert listed(state="paused") == ([c3], 1)
    assert listed(state="finished") == ([], 0)
    assert sequences.contexts("nobody", limit=5, offset=0) == ([], 0)
    with pytest.raises(InputError):
        sequences.contexts(PROJECT, limit=1, offset=-1)


def test_delete_project_removes_its_executions_and_pauses(sequences: SqlSequenceStore) -> None:
    """Nothing of the deleted project remains; other projects are untouched."""
    kept = execution(project="other", trigger="t-1")
    put(sequences, execution(trigger="t-1"), kept, deadline=T0)
    sequences.commit(
        [
            SequenceWrite(PROJECT, pauses=frozenset({("c", "")})),
            SequenceWrite("other", pauses=frozenset({("d", "")})),
        ]
    )

    sequences.delete_project(PROJECT)

    assert sequences.load(PROJECT, ["carts"], ["ctx-1"]) == ()
    assert sequences.pauses(PROJECT) == frozenset()
    assert sequences.executions(PROJECT, limit=10, offset=0) == ([], 0)
    assert sequences.load("other", ["carts"]) == (kept,)
    assert sequences.pauses("other") == {("d", "")}
    assert sequences.due(T0) == [("other", "carts")]
    put(sequences, execution(trigger="t-1"))  # the trigger may run again in a project of the same name


def test_open_tasks_are_the_sent_unfinished_current_tasks(sequences: SqlSequenceStore) -> None:
    sent = execution(current_task=CurrentTask("deployment", "task-sent", T0, sent_at=T0))
    delayed = execution(current_task=CurrentTask("deployment", "task-delayed", T0 + timedelta(minutes=5)))
    ended = execution(state=State.FINISHED)
    sequences.commit([SequenceWrite(PROJECT, ((sent, None), (delayed, None), (ended, None)), (), None)])
    assert sequences.open_tasks(["task-sent", "task-delayed", "unknown", "", "task-sent"]) == {"task-sent"}
    assert sequences.open_tasks([]) == frozenset()
    finished = replace(sent, state=State.FINISHED, current_task=None)
    sequences.commit([SequenceWrite(PROJECT, ((finished, None),), (), None)])
    assert sequences.open_tasks(["task-sent"]) == frozenset()
