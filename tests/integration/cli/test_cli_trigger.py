"""``slogate trigger delivery|sequence|evaluation`` on a live server: events, --wait exit codes, errors."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import yaml
from typer.testing import Result

from slogate.cli.trigger import CLI_SOURCE
from tests.integration.cli.cli_helpers import assert_one_line_error
from tests.integration.cli.conftest import Cli
from tests.support.delivery import FAST, SHIPYARD, SLO, SLOW, b64
from tests.support.live_server import LiveServer

SERVICE = "helloservice"
IMAGE = "ghcr.io/podtato-head/podtatoserver"
CONTROL_PLANE = "/api/controlPlane/v1"
TASKS = ("deployment", "test", "release", "rollback")


def make_project(server: LiveServer, name: str, slo: str = SLO, **commands: list[str]) -> None:
    """The tutorial's two-stage project with ``helloservice``, its qa SLO, and every task given to the
    ``job`` executor: ``true`` unless ``commands`` names another command for the task."""
    tasks = {task: {"executor": "job", "config": {"command": commands.get(task, ["true"])}} for task in TASKS}
    files = f"/api/resource-service/v1/project/{name}"
    with server.client() as client:
        answers = [
            client.post(f"{CONTROL_PLANE}/project", json={"name": name, "shipyard": b64(SHIPYARD)}),
            client.post(f"{CONTROL_PLANE}/project/{name}/service", json={"serviceName": SERVICE}),
            client.post(
                f"{files}/resource",
                json=resources("slogate/executors.yaml", yaml.safe_dump({"tasks": tasks})),
            ),
            client.post(f"{files}/stage/qa/service/{SERVICE}/resource", json=resources("slo.yaml", slo)),
        ]
    assert [answer.status_code for answer in answers] == [201, 200, 201, 201], [a.text for a in answers]


def resources(uri: str, text: str) -> dict[str, Any]:
    """The body of ``POST …/resource`` with one file."""
    return {"resources": [{"resourceURI": uri, "resourceContent": b64(text)}]}


def context_of(result: Result) -> str:
    """The Keptn context a trigger command printed."""
    found = re.search(r"ID of Keptn context: (\S+)", result.stdout)
    assert found is not None, result.output
    return found.group(1)


def events_of(server: LiveServer, keptn_context: str) -> list[Mapping[str, Any]]:
    """The context's events, oldest first."""
    with server.client() as client:
        answer = client.get(
            "/api/mongodb-datastore/event", params={"keptnContext": keptn_context, "pageSize": 100}
        )
    assert answer.status_code == 200, answer.text
    return list(reversed(answer.json()["events"]))


def results(server: LiveServer, keptn_context: str) -> dict[str, tuple[str, str]]:
    """``{"qa.delivery": (status, result), …}`` of the sequences that finished in the context."""
    found = {}
    for event in events_of(server, keptn_context):
        parts = str(event["type"]).split(".")
        if len(parts) == 6 and parts[5] == "finished":
            found[f"{parts[3]}.{parts[4]}"] = (event["data"]["status"], event["data"]["result"])
    return found


def state_of(server: LiveServer, project: str, keptn_context: str, until: tuple[str, ...] = ()) -> str:
    """The context's overall state; with ``until``, polled (up to 10 s) until it is one of them."""
    deadline = time.monotonic() + 10
    while True:
        with server.client() as client:
            states = client.get(f"{CONTROL_PLANE}/sequence/{project}", params={"keptnContext": keptn_context})
        state = str(states.json()["states"][0]["state"]) if states.json()["states"] else "none"
        if not until or state in until or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


@pytest.fixture
def slow_build(live_server: LiveServer) -> Iterator[None]:
    """The fake SLI provider answers the slow build's values for the test."""
    live_server.backend.values = dict(SLOW)
    yield
    live_server.backend.values = dict(FAST)


def test_delivery_waits_through_both_stages_and_exits_0(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "passing")
    result = cli(
        "trigger", "delivery", "--project", "passing", "--service", SERVICE, "--image", f"{IMAGE}:v0.1.1",
        "-l", "buildId=7,owner=ci", "--values", "replicas=2,chart.tag=x", "--values", "chart.name=hello",
        "--wait",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Result: production.delivery pass" in result.stdout
    context = context_of(result)
    assert results(live_server, context) == {
        "qa.delivery": ("succeeded", "pass"),
        "production.delivery": ("succeeded", "pass"),
    }
    trigger = events_of(live_server, context)[0]
    assert trigger["type"] == "sh.keptn.event.qa.delivery.triggered"  # the shipyard's first stage
    assert trigger["source"] == CLI_SOURCE
    assert trigger["data"] == {
        "configurationChange": {
            "values": {"replicas": "2", "chart": {"tag": "x", "name": "hello"}, "image": f"{IMAGE}:v0.1.1"}
        },
        "project": "passing",
        "stage": "qa",
        "service": SERVICE,
        "labels": {"buildId": "7", "owner": "ci"},
    }


def test_a_failing_qa_evaluation_exits_1_and_production_is_untouched(
    cli: Cli, live_server: LiveServer, slow_build: None
) -> None:
    make_project(live_server, "failing")
    result = cli(
        "trigger", "delivery", "--project", "failing", "--service", SERVICE, "--image", "img:2", "--wait"
    )
    assert result.exit_code == 1, result.output
    assert "Result: qa.delivery fail" in result.stdout
    assert results(live_server, context_of(result)) == {"qa.delivery": ("succeeded", "fail")}


def test_an_errored_production_deployment_exits_2_although_the_rollback_passed(
    cli: Cli, live_server: LiveServer
) -> None:
    make_project(live_server, "erroring", deployment=["test", "{stage}", "!=", "production"])
    result = cli(
        "trigger",
        "delivery",
        "--project",
        "erroring",
        "--service",
        SERVICE,
        "--image",
        "img:3",
        "--wait",
        "--watch",
    )
    assert result.exit_code == 2, result.output
    assert "Result: production.delivery errored" in result.stdout
    assert results(live_server, context_of(result)) == {
        "qa.delivery": ("succeeded", "pass"),
        "production.delivery": ("errored", "fail"),
        "production.rollback": ("succeeded", "pass"),
    }
    assert re.search(r"production\s+deployment\s+✗ errored", result.stdout), result.stdout
    assert re.search(r"production\s+rollback\s+✓ pass", result.stdout), result.stdout


def test_no_verdict_within_the_timeout_exits_3(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "sleepy", test=["sleep", "5"])
    started = time.monotonic()
    result = cli(
        "trigger", "delivery", "--project", "sleepy", "--service", SERVICE, "--image", "img:4",
        "--wait", "--timeout", "1",
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert time.monotonic() - started < 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "did not end within 1 s (--timeout); still running: qa · test" in lines[0]
    context = context_of(result)
    assert cli("abort", "sequence", "--keptn-context", context, "--project", "sleepy").exit_code == 0


def test_output_json_prints_the_answer_and_keeps_the_verdict_off_stdout(
    cli: Cli, live_server: LiveServer
) -> None:
    make_project(live_server, "documents")
    answer = cli(
        "trigger",
        "delivery",
        "--project",
        "documents",
        "--service",
        SERVICE,
        "--image",
        "img:5",
        "-o",
        "json",
    )
    assert answer.exit_code == 0, answer.output
    assert list(json.loads(answer.stdout)) == ["keptnContext"]
    waited = cli(
        "trigger", "delivery", "--project", "documents", "--service", SERVICE, "--image", "img:6",
        "--wait", "-o", "yaml",
    )  # fmt: skip
    assert waited.exit_code == 0, waited.output
    assert list(yaml.safe_load(waited.stdout)) == ["keptnContext"]
    assert "Result: production.delivery pass" in waited.stderr


def test_trigger_sequence_sends_the_data_and_waits(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "sequences")
    result = cli(
        "trigger", "sequence", "delivery", "--project", "sequences", "--stage", "qa", "--service", SERVICE,
        "--data", "configurationChange.values.image=img:7,extra.key=v", "-l", "source=manual", "--wait",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Result: production.delivery pass" in result.stdout  # qa, then production as the shipyard chains
    trigger = events_of(live_server, context_of(result))[0]
    assert trigger["type"] == "sh.keptn.event.qa.delivery.triggered"
    assert trigger["data"]["configurationChange"] == {"values": {"image": "img:7"}}
    assert trigger["data"]["extra"] == {"key": "v"}
    assert trigger["data"]["labels"] == {"source": "manual"}
    refused = cli(
        "trigger",
        "sequence",
        "nosuch",
        "--project",
        "sequences",
        "--stage",
        "qa",
        "--service",
        SERVICE,
        "--wait",
    )
    assert refused.exit_code == 2, refused.output
    assert "Result: qa.nosuch errored: Unable to start sequence nosuch" in refused.stdout


def test_trigger_evaluation_exit_codes(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "evaluated")
    common = ("--project", "evaluated", "--service", SERVICE)
    passed = cli("trigger", "evaluation", *common, "--stage", "qa", "--start", "2026-01-01T10:00:00",
                 "--end", "2026-01-01T10:05:00", "-l", "buildId=8", "--wait")  # fmt: skip
    assert passed.exit_code == 0, passed.output
    assert "Result: evaluation pass: score 100" in passed.stdout
    trigger = events_of(live_server, context_of(passed))[0]
    assert trigger["type"] == "sh.keptn.event.qa.evaluation.triggered"
    assert trigger["data"]["evaluation"] == {
        "start": "2026-01-01T10:00:00.000Z",
        "end": "2026-01-01T10:05:00.000Z",
    }
    assert trigger["data"]["labels"] == {"buildId": "8"}
    live_server.backend.values = dict(SLOW)
    try:
        failed = cli("trigger", "evaluation", *common, "--stage", "qa", "--timeframe", "10m", "--wait")
    finally:
        live_server.backend.values = dict(FAST)
    assert failed.exit_code == 1, failed.output
    assert "Result: evaluation fail" in failed.stdout
    with live_server.client() as client:
        path = f"/api/resource-service/v1/project/evaluated/stage/production/service/{SERVICE}/resource"
        assert client.post(path, json=resources("slo.yaml", "objectives: [")).status_code == 201
    errored = cli("trigger", "evaluation", *common, "--stage", "production", "--wait")
    assert errored.exit_code == 2, errored.output
    assert "Result: evaluation errored: error retrieving SLO file" in errored.stdout


def test_evaluation_window_errors_name_the_flags(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "windows")
    common = ("trigger", "evaluation", "--project", "windows", "--stage", "qa", "--service", SERVICE)
    assert_one_line_error(cli(*common, "--end", "2026-01-01T10:05:00"), "--end", "without start")
    assert_one_line_error(
        cli(*common, "--start", "2026-01-01T10:00:00", "--end", "2026-01-01T10:05:00", "--timeframe", "5m"),
        "timeframe and end time specifications cannot be set together",
    )
    assert_one_line_error(cli(*common, "--start", "yesterday"), "--start: 'yesterday' is not a time")
    assert_one_line_error(cli(*common, "--timeframe", "5 minutes"), "could not parse provided timeframe")


def test_unknown_project_stage_or_service_is_one_line(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "scoped")
    delivery = ("trigger", "delivery", "--image", "img:9")
    assert_one_line_error(
        cli(*delivery, "--project", "ghost", "--service", SERVICE), "project 'ghost' not found", "--project"
    )
    assert_one_line_error(
        cli(*delivery, "--project", "scoped", "--service", "ghost"),
        "service 'ghost' not found in stage 'qa' of project 'scoped'",
        "slogate create service ghost --project scoped",
    )
    assert_one_line_error(
        cli(*delivery, "--project", "scoped", "--service", SERVICE, "--stage", "staging"),
        "stage 'staging' not found in project 'scoped' (its stages: qa, production)",
    )
    assert_one_line_error(
        cli("trigger", "evaluation", "--project", "scoped", "--stage", "dev", "--service", SERVICE),
        "stage 'dev' not found",
    )
    assert_one_line_error(
        cli("trigger", "sequence", "delivery", "--project", "ghost", "--stage", "qa", "--service", SERVICE),
        "project 'ghost' not found",
    )


def test_invalid_key_value_flags_are_one_line_naming_the_flag(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "flags")
    delivery = ("trigger", "delivery", "--project", "flags", "--service", SERVICE, "--image", "img:10")
    assert_one_line_error(cli(*delivery, "--labels", "buildId"), "--labels: 'buildId' is not key=value")
    assert_one_line_error(cli(*delivery, "--values", "=x"), "--values: '=x' is not key=value")
    assert_one_line_error(cli(*delivery, "--values", "a=1,a.b=2"), "--values: 'a.b' sets a key inside 'a'")
    assert_one_line_error(cli(*delivery, "--values", "a.b=1,a=2"), "--values: 'a' would replace the keys")
    sequence = (
        "trigger",
        "sequence",
        "delivery",
        "--project",
        "flags",
        "--stage",
        "qa",
        "--service",
        SERVICE,
    )
    assert_one_line_error(cli(*sequence, "--data", "x..y=1"), "--data: 'x..y=1' is not key=value")
    evaluation = ("trigger", "evaluation", "--project", "flags", "--stage", "qa", "--service", SERVICE)
    assert_one_line_error(cli(*evaluation, "-l", "a=1,b"), "--labels: 'b' is not key=value")
    with live_server.client() as client:
        events = client.get("/api/mongodb-datastore/event", params={"project": "flags"}).json()["events"]
    assert [event["type"] for event in events if "triggered" in event["type"]] == []  # nothing was sent


def test_tag_is_appended_to_the_image_as_keptns_cli_does(cli: Cli, live_server: LiveServer) -> None:
    """``--image IMG --tag TAG`` delivers ``IMG:TAG``; a second tag or a bad one is refused, nothing sent."""
    make_project(live_server, "tagged")
    delivery = ("trigger", "delivery", "--project", "tagged", "--service", SERVICE)
    sent = cli(*delivery, "--image", "registry:5000/org/app", "--tag", "1.2.3")
    assert sent.exit_code == 0, sent.output
    (trigger,) = [
        e for e in events_of(live_server, context_of(sent)) if e["type"].endswith("delivery.triggered")
    ]
    assert trigger["data"]["configurationChange"]["values"]["image"] == "registry:5000/org/app:1.2.3"
    twice = cli(*delivery, "--image", f"{IMAGE}:v1", "--tag", "v2")
    assert_one_line_error(twice, f"--image '{IMAGE}:v1' has a tag already", f"--image {IMAGE} --tag v2")
    assert_one_line_error(cli(*delivery, "--image", "app@sha256:ab", "--tag", "v2"), "has a tag already")
    assert_one_line_error(cli(*delivery, "--image", IMAGE, "--tag", "-v1"), "--tag '-v1' is not an image tag")
    query = {"project": "tagged", "type": "sh.keptn.event.qa.delivery.triggered"}  # the sequence goes on
    with live_server.client() as client:
        sent_by_cli = client.get("/api/mongodb-datastore/event", params=query).json()["events"]
    assert len(sent_by_cli) == 1
