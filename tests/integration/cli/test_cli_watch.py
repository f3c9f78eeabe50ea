"""``--watch`` and ``--wait``: the views of a context's progress, the verdict rules, the watch's bound."""

from __future__ import annotations

import io
import json
import re
import time
from typing import Any

from rich.console import Console

from slogate.cli.client import ApiClient
from slogate.cli.connection import Connection
from slogate.cli.output import OutputFormat
from slogate.cli.sequences import evaluation_verdict, sequence_verdict
from slogate.cli.watch import EventDocuments, LiveTasks, Snapshot, TaskLines, View, follow, view_for
from tests.integration.cli.conftest import Cli
from tests.integration.cli.test_cli_trigger import SERVICE, context_of, make_project
from tests.support.live_server import LiveServer

TASKS = [
    ("qa", "deployment"),
    ("qa", "test"),
    ("qa", "evaluation"),
    ("qa", "release"),
    ("qa", "qa.delivery"),
    ("production", "approval"),
    ("production", "deployment"),
    ("production", "release"),
    ("production", "production.delivery"),
]


def finished(stage: str, name: str, result: str, status: str = "succeeded", **data: Any) -> dict[str, Any]:
    """A ``.finished`` event of a sequence (``qa.delivery``) or of a task (``deployment``)."""
    return {
        "id": f"{stage}-{name}-{result}-{status}",
        "type": f"sh.keptn.event.{name}.finished",
        "time": "2026-11-26T12:00:00.000Z",
        "data": {"stage": stage, "result": result, "status": status, **data},
    }


def test_watch_prints_each_tasks_verdict_and_the_evaluation(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "watched")
    result = cli(
        "trigger", "delivery", "--project", "watched", "--service", SERVICE, "--image", "img:1", "--watch"
    )
    assert result.exit_code == 0, result.output
    shown = [
        (match[0], match[1])
        for match in re.findall(r"^  (\w+)\s+([\w.-]+)\s+✓ pass\b", result.stdout, flags=re.MULTILINE)
    ]
    assert shown == TASKS, result.stdout
    assert "HTTP Response Time (key)" in result.stdout  # the objective table of the qa evaluation
    assert "pass: score 100 reaches the pass target 80" in result.stdout
    assert "Result:" not in result.stdout  # no --wait: no verdict line


def test_watch_time_bounds_the_watch(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "bounded", deployment=["sleep", "3"])
    started = time.monotonic()
    result = cli(
        "trigger", "delivery", "--project", "bounded", "--service", SERVICE, "--image", "img:2",
        "--watch", "--watch-time", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 2.5
    assert "deployment" not in result.stdout
    abort = ("abort", "sequence", "--keptn-context", context_of(result), "--project", "bounded")
    assert cli(*abort).exit_code == 0


def test_watch_with_json_output_streams_the_events_as_documents(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "streamed")
    result = cli(
        "trigger",
        "delivery",
        "--project",
        "streamed",
        "--service",
        SERVICE,
        "--image",
        "img:3",
        "-w",
        "-o",
        "json",
    )
    assert result.exit_code == 0, result.output
    documents, text, decoder = [], result.stdout.strip(), json.JSONDecoder()
    while text:
        document, end = decoder.raw_decode(text)
        documents.append(document)
        text = text[end:].strip()
    context = documents[0]["keptnContext"]
    types = [document["type"] for document in documents[1:]]
    assert types[0] == "sh.keptn.event.qa.delivery.triggered"
    assert types[-1] == "sh.keptn.event.production.delivery.finished"
    assert len(types) == len({document["id"] for document in documents[1:]})  # each event once
    assert {document["shkeptncontext"] for document in documents[1:]} == {context}


def test_the_live_view_on_a_terminal(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "live")
    context = context_of(
        cli("trigger", "delivery", "--project", "live", "--service", SERVICE, "--image", "img:4")
    )
    terminal = Console(file=io.StringIO(), force_terminal=True, width=200, color_system=None)
    view = view_for(OutputFormat.TABLE, terminal)
    assert isinstance(view, LiveTasks)
    with ApiClient(Connection(live_server.url, live_server.token)) as api, view:
        snapshot = follow(api, "live", context, 10, view, poll_seconds=0.05)
    assert snapshot.ended
    screen = terminal.file.getvalue()  # type: ignore[attr-defined]
    assert f"delivery {context}" in screen
    assert "state: finished" in screen
    for stage, task in TASKS:
        name = task.split(".")[-1]
        assert re.search(rf"│ {stage}\s+│\s+{name}\s+│ ✓ pass", screen), (stage, task, screen)
    assert "HTTP Response Time (key)" in screen  # evaluation tables are printed above the live table
    assert isinstance(view_for(OutputFormat.TABLE, Console(file=io.StringIO())), TaskLines)
    assert isinstance(view_for(OutputFormat.YAML, terminal), EventDocuments)


def test_follow_returns_after_one_poll_when_the_context_has_ended(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "ended")
    result = cli(
        "trigger", "delivery", "--project", "ended", "--service", SERVICE, "--image", "img:5", "--wait"
    )
    shown: list[Snapshot] = []

    class Recorder(View):
        def show(self, snapshot: Snapshot) -> None:
            shown.append(snapshot)

    with ApiClient(Connection(live_server.url, live_server.token)) as api:
        snapshot = follow(api, "ended", context_of(result), 60, Recorder(), sleep=lambda seconds: None)
    assert shown == [snapshot]
    assert snapshot.state is not None
    assert snapshot.state["state"] == "finished"
    assert snapshot.running() == ""
    assert sequence_verdict(snapshot, "delivery").code == 0


def test_the_delivery_verdict_is_the_furthest_stage_of_the_triggered_sequence() -> None:
    rolled_back = Snapshot(
        "c",
        [
            finished("qa", "qa.delivery", "pass"),
            finished("production", "production.delivery", "fail", message="evaluation failed"),
            finished("production", "production.rollback", "pass"),
        ],
        {"state": "finished"},
    )
    verdict = sequence_verdict(rolled_back, "delivery")
    assert (verdict.code, verdict.text) == (1, "production.delivery fail: evaluation failed")
    assert sequence_verdict(rolled_back, "rollback").code == 0
    aborted = Snapshot("c", [finished("qa", "qa.delivery", "pass", "aborted")], {"state": "aborted"})
    assert (sequence_verdict(aborted, "delivery").code, sequence_verdict(aborted, "delivery").word) == (
        2,
        "aborted",
    )
    warned = Snapshot("c", [finished("qa", "qa.delivery", "warning")], {"state": "finished"})
    assert sequence_verdict(warned, "delivery").code == 0
    nothing = sequence_verdict(Snapshot("c", [], None), "delivery")
    assert (nothing.code, nothing.text) == (2, "delivery errored: no delivery sequence finished")


def test_the_evaluation_verdict_is_that_of_evaluation_finished() -> None:
    warned = Snapshot(
        "c",
        [
            finished("qa", "evaluation", "warning", evaluation={"score": 66.667}),
            finished("qa", "qa.evaluation", "warning"),
        ],
        {"state": "finished"},
    )
    assert (evaluation_verdict(warned).code, evaluation_verdict(warned).text) == (
        0,
        "evaluation warning: score 66.667",
    )
    errored = Snapshot("c", [finished("qa", "qa.evaluation", "fail", "errored", message="no SLO")], None)
    assert (evaluation_verdict(errored).code, evaluation_verdict(errored).text) == (
        2,
        "qa.evaluation errored: no SLO",
    )


def test_a_refused_trigger_ends_the_context_without_a_state() -> None:
    trigger = {
        "id": "t1",
        "type": "sh.keptn.event.qa.nosuch.triggered",
        "time": "2026-11-26T12:00:00Z",
        "data": {},
    }
    answer = {**finished("qa", "qa.nosuch", "fail", "errored"), "triggeredid": "t1"}
    assert not Snapshot("c", [trigger], None).ended
    assert Snapshot("c", [trigger, answer], None).ended
    assert not Snapshot("c", [trigger, answer], {"state": "started"}).ended


def test_task_lines_show_each_verdict_once() -> None:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    events = [
        finished("qa", "deployment", "pass", message="deployed"),
        finished("qa", "get-sli", "pass"),
        finished("qa", "test", "fail", "errored", message="exit code 1"),
    ]
    with TaskLines(console, spinner=False) as view:
        view.show(Snapshot("c", events[:1], None))
        view.show(Snapshot("c", events, None))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert [line.split() for line in lines] == [
        ["qa", "deployment", "✓", "pass", "deployed"],
        ["qa", "test", "✗", "errored", "exit", "code", "1"],
    ]


def approval_triggered(event_id: str, result: str, **approval: str) -> dict[str, Any]:
    """An ``approval.triggered`` after a ``result``, with the shipyard's approval strategies."""
    data = {"project": "p", "stage": "production", "result": result, "approval": approval}
    return {
        "id": event_id,
        "type": "sh.keptn.event.approval.triggered",
        "time": "2026-11-26T12:00:00Z",
        "data": data,
    }


def test_task_lines_say_once_what_a_stage_waits_for() -> None:
    console = Console(file=io.StringIO(), width=300, color_system=None)
    manual = approval_triggered("a-1", "pass", **{"pass": "manual"})
    automatic = approval_triggered("a-2", "pass", **{"pass": "automatic"})
    answered = approval_triggered("a-3", "warning")  # no strategy: manual, but answered below
    answer = {**finished("production", "approval", "pass"), "triggeredid": "a-3"}
    with TaskLines(console, spinner=False) as view:
        view.show(Snapshot("c", [manual, automatic, answered, answer], None))
        view.show(Snapshot("c", [manual, automatic, answered, answer], None))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    waiting = [line.strip() for line in lines if "waiting" in line]
    assert waiting == [
        "waiting for approval in production (slogate send event approval.finished --project p "
        "--stage production --id a-1 [--decline])"
    ]
