"""``slogate pause|resume|abort sequence`` and ``slogate get sequences`` against a live server."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from tests.integration.cli.cli_helpers import assert_one_line_error
from tests.integration.cli.conftest import Cli
from tests.integration.cli.test_cli_trigger import (
    SERVICE,
    context_of,
    events_of,
    make_project,
    results,
    state_of,
)
from tests.support.live_server import LiveServer


def deliver(cli: Cli, project: str, image: str, *flags: str) -> str:
    """``slogate trigger delivery`` of ``image``; its Keptn context."""
    result = cli("trigger", "delivery", "--project", project, "--service", SERVICE, "--image", image, *flags)
    assert result.exit_code == 0, result.output
    return context_of(result)


@pytest.mark.slow  # about 3 s: the paused sequence must have had the time to go on
def wait_for_type(live_server: LiveServer, context: str, event_type: str, seconds: float = 30) -> list[str]:
    """The context's event types once one of them is ``event_type`` (polled; the machine may be slow)."""
    deadline = time.monotonic() + seconds
    while True:
        types = [event["type"] for event in events_of(live_server, context)]
        if event_type in types or time.monotonic() > deadline:
            return types
        time.sleep(0.1)


def test_pause_holds_the_next_task_until_resume(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "pausing", deployment=["sleep", "2"])
    context = deliver(cli, "pausing", "img:1")
    assert state_of(live_server, "pausing", context, until=("triggered", "started")) in (
        "triggered",
        "started",
    )
    paused = cli("pause", "sequence", "--keptn-context", context, "--project", "pausing", "--stage", "qa")
    assert paused.exit_code == 0, paused.output
    assert paused.stdout.strip() == f"Paused the sequence {context} of project pausing in stage qa"
    wait_for_type(live_server, context, "sh.keptn.event.deployment.finished")
    time.sleep(0.5)  # unpaused, the test task would be triggered at once after the deployment
    assert state_of(live_server, "pausing", context) == "paused"
    types = [event["type"] for event in events_of(live_server, context)]
    assert "sh.keptn.event.deployment.finished" in types
    assert "sh.keptn.event.test.triggered" not in types
    resumed = cli("resume", "sequence", "-c", context, "-p", "pausing", "-s", "qa")
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stdout.strip() == f"Resumed the sequence {context} of project pausing in stage qa"
    assert state_of(live_server, "pausing", context, until=("finished",)) == "finished"
    assert results(live_server, context)["production.delivery"] == ("succeeded", "pass")


def test_abort_ends_the_sequence_at_once(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "aborting", deployment=["sleep", "3"])
    context = deliver(cli, "aborting", "img:2")
    # the engine stores the sequence just after the trigger is accepted; a fast CLI can be there first
    assert state_of(live_server, "aborting", context, until=("triggered", "started")) in (
        "triggered",
        "started",
    )
    aborted = cli("abort", "sequence", "--keptn-context", context, "--project", "aborting")
    assert aborted.exit_code == 0, aborted.output
    assert aborted.stdout.strip() == f"Aborted the sequence {context} of project aborting"
    assert state_of(live_server, "aborting", context, until=("aborted",)) == "aborted"
    assert results(live_server, context) == {"qa.delivery": ("aborted", "pass")}


def test_control_errors_are_one_line(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "controlled")
    assert_one_line_error(
        cli("pause", "sequence", "--keptn-context", "no-such-context", "--project", "controlled"),
        "no sequence with Keptn context 'no-such-context' in project 'controlled'",
        "--keptn-context",
    )
    assert_one_line_error(
        cli("abort", "sequence", "--keptn-context", "c", "--project", "ghost"), "project 'ghost' not found"
    )


def test_get_sequences_lists_recent_deliveries(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "listing")
    first = deliver(cli, "listing", "img:v1", "--wait")
    second = deliver(cli, "listing", "img:v2", "--wait")
    table = cli("get", "sequences", "--project", "listing")
    assert table.exit_code == 0, table.output
    rows = [line for line in table.stdout.splitlines() if first in line or second in line]
    assert [second in rows[0], first in rows[1]] == [True, True], table.stdout  # newest first
    assert [cell.strip() for cell in rows[0].split("│")][1:5] == [second, "delivery", SERVICE, "finished"]
    assert "qa: succeeded/pass · evaluation pass 100 · img:v2" in table.stdout
    assert "production: succeeded/pass · img:v2" in table.stdout
    listed = json.loads(cli("get", "sequences", "--project", "listing", "-o", "json").stdout)
    assert [entry["shkeptncontext"] for entry in listed] == [second, first]
    assert [stage["name"] for stage in listed[0]["stages"]] == ["qa", "production"]
    one = yaml.safe_load(cli("get", "sequences", "--project", "listing", "--limit", "1", "-o", "yaml").stdout)
    assert [entry["shkeptncontext"] for entry in one] == [second]
    filtered = cli("get", "sequences", "--project", "listing", "--stage", "production", "--state", "finished",
                   "--service", SERVICE, "-o", "json")  # fmt: skip
    assert len(json.loads(filtered.stdout)) == 2
    for flags in (("--service", "other"), ("--stage", "staging"), ("--state", "paused")):
        assert json.loads(cli("get", "sequences", "--project", "listing", *flags, "-o", "json").stdout) == []
    assert_one_line_error(cli("get", "sequences", "--project", "ghost"), "project 'ghost' not found")
