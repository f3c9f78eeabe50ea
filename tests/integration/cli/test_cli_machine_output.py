"""Output for machines and logs: every list and show command, piped (no terminal, COLUMNS unset), prints
full ids, numbers and messages; ids are taken by a unique prefix, an ambiguous one is a clear error."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from slogate.cli.app import app
from slogate.services.usecases.quality_gate import run_gate
from tests.fakes import FakeClock, FakeProvider
from tests.integration.cli.cli_helpers import assert_one_line_error
from tests.integration.usecases.test_quality_gate import FAST, tutorial_request
from tests.support.delivery import RT
from tests.support.live_server import LiveServer

CONTROL_PLANE = "/api/controlPlane/v1"
PROJECT = "machine-readable-output-of-a-project-with-a-long-name"
SERVICE = "service-with-a-long-name-0123456789"
IMAGE = "ghcr.io/podtato-head/podtatoserver:v0.1.2-build.20261206.1234567890abcdef-with-a-long-tag"
SECRET = "a-secret-with-a-long-name-0123456789-0123456789-0123456789"
SECRET_KEY = "a_key_with_a_long_name_0123456789_0123456789_0123456789"
TINY = 0.000148735123456789  # shown as 0.000149 on a terminal, 0.0001487… when Rich cuts it
SCORE = "66.66666666666666"  # two of three objectives pass
LABEL = "buildUrl=https://ci.example.invalid/pipelines/0123456789/jobs/0123456789/artifacts/download"
NO_VALUE = "no value: query did not return any values"
# Keptn context and evaluation ids chosen to share a prefix (two of each)
TWIN_CONTEXTS = ("feedface-0000-4000-8000-000000000001", "feedface-0000-4000-8000-000000000002")
TWIN_EVALUATIONS = ("deadbeef-0000-4000-8000-000000000001", "deadbeef-1111-4000-8000-000000000002")

SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: machine}
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks:
            - {name: deployment}
            - {name: evaluation, properties: {timeframe: 2m}}
            - {name: approval, properties: {pass: manual, warning: manual}}
            - {name: release}
"""
EXECUTORS = """\
tasks:
  deployment: {executor: job, config: {command: ["true"]}}
  release: {executor: job, config: {command: ["true"]}}
"""
SLO = """\
spec_version: '1.0'
comparison: {compare_with: single_result, number_of_comparison_results: 1, aggregate_function: avg}
objectives:
  - sli: http_response_time_seconds_main_page_sum
    displayName: Response time of the main page summed over the whole load test window of the stage
    pass: [{criteria: ['<=1']}]
  - sli: request_throughput
    pass: [{criteria: ['>=1000000']}]
  - sli: go_routines
    pass: [{criteria: ['<=100']}]
  - sli: an_indicator_the_provider_has_no_value_for_whatsoever
total_score: {pass: '60%', warning: '50%'}
"""
VALUES = {RT: TINY, "request_throughput": 12345.678901234567, "go_routines": 7.0}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def piped(*args: str | Path) -> Result:
    """``slogate *args`` with standard output a pipe and no COLUMNS: what a CI log receives."""
    environment = {"COLUMNS": None, "LINES": None, "FORCE_COLOR": None, "TTY_COMPATIBLE": None}
    return CliRunner().invoke(app, [str(arg) for arg in args], env=environment)


def shown(*args: str | Path) -> str:
    """The standard output of a piped command that succeeded, checked for cut text."""
    result = piped(*args)
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout, result.stdout
    return result.stdout


def wait_for(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def server(live_server: LiveServer) -> LiveServer:
    """A project with long names whose delivery waits for approval after a 66.67 evaluation."""
    live_server.backend.values = dict(VALUES)
    resources = f"/api/resource-service/v1/project/{PROJECT}"
    with live_server.client() as client:
        calls = [
            client.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(SHIPYARD)}),
            client.post(f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": SERVICE}),
            client.post(
                f"{resources}/resource",
                json={
                    "resources": [
                        {"resourceURI": "slogate/executors.yaml", "resourceContent": b64(EXECUTORS)}
                    ]
                },
            ),
            client.post(
                f"{resources}/stage/qa/service/{SERVICE}/resource",
                json={"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64(SLO)}]},
            ),
        ]
    assert [call.status_code for call in calls] == [201, 200, 201, 201], [call.text for call in calls]
    return live_server


@pytest.fixture(scope="module")
def delivered(server: LiveServer) -> dict[str, Any]:
    """The open approval of a delivery of ``IMAGE`` (its id and Keptn context)."""
    with server.client() as client:
        sent = client.post("/api/v1/event", json=_delivery())
        assert sent.status_code == 200, sent.text

        def approval() -> list[dict[str, Any]]:
            path = f"{CONTROL_PLANE}/event/triggered/sh.keptn.event.approval.triggered"
            return list(client.get(path, params={"project": PROJECT}).json()["events"])

        found = wait_for(approval, "the open approval")
    return dict(found[0])


@pytest.fixture
def connected(server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.setenv("SLOGATE_CONFIG_DIR", str(tmp_path / "cli-config"))
    monkeypatch.setenv("SLOGATE_ENDPOINT", server.url)
    monkeypatch.setenv("SLOGATE_API_TOKEN", server.token)
    return server


def _delivery(context: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "sh.keptn.event.qa.delivery.triggered",
        "source": "https://github.com/keptn/keptn/cli#configuration-change",
        "specversion": "1.0",
        "data": {
            "project": PROJECT,
            "stage": "qa",
            "service": SERVICE,
            "configurationChange": {"values": {"image": IMAGE}},
        },
    }
    return event if context is None else event | {"shkeptncontext": context}


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, str]:
    """A local evaluation history: one evaluation with long numbers and a long label, and two copies
    of it whose ids share the prefix ``deadbeef``; the path and the first one's id."""
    path = tmp_path / "history.db"
    engine = open_database(f"sqlite:///{path}")
    try:
        upgrade(engine)
        store = SqlEventStore(engine)
        values = dict(FAST) | {RT: TINY}
        request = tutorial_request((("buildUrl", LABEL.removeprefix("buildUrl=")),))
        outcome = asyncio.run(run_gate(request, FakeProvider(values), store, FakeClock()))
        event = store.get(outcome.finished_id)
        assert event is not None
        store.add([replace(event, id=twin, triggeredid=twin + "-t") for twin in TWIN_EVALUATIONS])
    finally:
        engine.dispose()
    return path, outcome.finished_id


def test_every_list_and_show_command_prints_full_ids_and_numbers_into_a_pipe(
    connected: LiveServer, delivered: dict[str, Any], history: tuple[Path, str], tmp_path: Path
) -> None:
    context, approval_id = delivered["shkeptncontext"], delivered["id"]
    for listing in (shown("get", "project"), shown("get", "project", PROJECT)):
        assert PROJECT in listing
    assert SERVICE in shown("get", "stage", "--project", PROJECT)
    services = shown("get", "service", "--project", PROJECT)
    assert SERVICE in services
    assert PROJECT in services
    sequences = shown("get", "sequences", "--project", PROJECT)
    assert context in sequences
    assert f"evaluation pass {SCORE}" in sequences
    assert IMAGE in sequences
    evaluation = shown("get", "event", "evaluation.finished", "--keptn-context", context, "-o", "table")
    for text in ("0.000148735123456789", "12345.678901234567", NO_VALUE, "Response time of the main page"):
        assert text in evaluation
    everything = shown("get", "events", "--keptn-context", context, "-o", "table")
    assert approval_id in everything
    assert context in everything
    approvals = shown("get", "event", "approval.triggered", "--project", PROJECT, "-o", "table")
    for text in (approval_id, context, IMAGE, f"pass ({SCORE})"):
        assert text in approvals
    assert shown("create", "secret", SECRET, "--from-literal", f"{SECRET_KEY}=v")
    secrets = shown("get", "secret")
    assert SECRET in secrets
    assert SECRET_KEY in secrets
    scrape = tmp_path / "a-directory-with-a-long-name-for-the-prometheus-configuration" / "prometheus.yml"
    scrape.parent.mkdir()
    configured = shown(
        "configure", "monitoring", "prometheus", "-p", PROJECT, "-s", SERVICE, "--data-dir", tmp_path,
        "--file", scrape,
    )  # fmt: skip
    assert str(scrape) in configured
    assert f"{SERVICE}-{PROJECT}-qa" in configured
    documents = json.loads(piped("plugins", "-o", "json").stdout)
    plugins = shown("plugins")
    assert documents
    assert all(document["target"] in plugins for document in documents)
    watched = shown(
        "trigger", "evaluation", "--project", PROJECT, "--stage", "qa", "--service", SERVICE,
        "--timeframe", "5m", "--watch", "--wait",
    )  # fmt: skip
    for text in ("0.000148735123456789", NO_VALUE, f"Result: evaluation pass: score {SCORE}"):
        assert text in watched
    path, evaluation_id = history
    listed = shown("evaluations", "list", "--db", path)
    assert evaluation_id in listed
    assert TWIN_EVALUATIONS[1] in listed
    assert LABEL in listed
    report = shown("evaluations", "show", evaluation_id, "--db", path)
    assert "0.000148735123456789" in report


def test_a_terminal_keeps_the_short_numbers(
    history: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the table fits its width and numbers keep six digits, as before."""
    from slogate.cli import output

    monkeypatch.setattr(output, "on_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "250")
    path, evaluation_id = history
    report = piped("evaluations", "show", evaluation_id, "--db", path)
    assert report.exit_code == 0, report.output
    assert "0.000148735 " in report.stdout
    assert "0.000148735123456789" not in report.stdout


def test_evaluations_are_found_by_a_unique_prefix(history: tuple[Path, str]) -> None:
    path, evaluation_id = history
    report = piped("evaluations", "show", evaluation_id[:8], "--db", path, "-o", "json")
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["id"] == evaluation_id
    for twin in TWIN_EVALUATIONS:
        ignored = piped("evaluations", "invalidate", twin[:10], "--db", path)
        assert ignored.stdout.strip() == f"Evaluation {twin} is now ignored for comparisons."
    ambiguous = piped("evaluations", "show", "deadbeef", "--db", path)
    assert_one_line_error(ambiguous, "evaluation id 'deadbeef' is ambiguous", *TWIN_EVALUATIONS)
    assert_one_line_error(piped("evaluations", "show", "beefdead", "--db", path), "no evaluation with id")


def test_approvals_and_contexts_are_found_by_a_unique_prefix(
    connected: LiveServer, delivered: dict[str, Any]
) -> None:
    context, approval_id = delivered["shkeptncontext"], delivered["id"]
    with connected.client() as client:
        for twin in TWIN_CONTEXTS:
            assert client.post("/api/v1/event", json=_delivery(twin)).status_code == 200
    events = piped("get", "events", "--project", PROJECT, "--keptn-context", context[:8], "-o", "json")
    assert events.exit_code == 0, events.output
    assert {event["shkeptncontext"] for event in json.loads(events.stdout)} == {context}
    twins = piped("get", "events", "--keptn-context", "feedface-0000")
    assert_one_line_error(twins, "Keptn context 'feedface-0000' is ambiguous", *TWIN_CONTEXTS)
    one = piped("get", "events", "--keptn-context", TWIN_CONTEXTS[1][:-1] + "2", "-p", PROJECT, "-o", "json")
    assert one.exit_code == 0, one.output
    unknown = piped("get", "events", "--keptn-context", "0000dead", "-p", PROJECT)
    assert (unknown.exit_code, unknown.stdout) == (0, "")
    assert "No event returned" in unknown.stderr
    paused = piped("pause", "sequence", "-c", context[:8], "-p", PROJECT)
    assert paused.stdout.strip() == f"Paused the sequence {context} of project {PROJECT}"
    resumed = piped("resume", "sequence", "-c", context[:8], "-p", PROJECT)
    assert resumed.stdout.strip() == f"Resumed the sequence {context} of project {PROJECT}"
    aborted = piped("abort", "sequence", "-c", "feedface", "-p", PROJECT)
    assert_one_line_error(aborted, "Keptn context 'feedface' is ambiguous", *TWIN_CONTEXTS)
    assert_one_line_error(piped("abort", "sequence", "-c", "0000dead", "-p", PROJECT), "no sequence with")
    approve = ("send", "event", "approval.finished", "--project", PROJECT, "--stage", "qa")
    assert_one_line_error(piped(*approve, "--id", "0000dead"), "no open approval 0000dead in stage qa")
    with connected.client() as client:  # answer a twin's approval: the one of ``delivered`` stays open

        def twin_approval() -> list[dict[str, Any]]:
            path = f"{CONTROL_PLANE}/event/triggered/sh.keptn.event.approval.triggered"
            answer = client.get(path, params={"project": PROJECT})
            return [e for e in answer.json()["events"] if e["shkeptncontext"] == TWIN_CONTEXTS[0]]

        twin = wait_for(twin_approval, "the approval of a twin delivery")[0]
    assert twin["id"][:8] != approval_id[:8]
    answered = piped(*approve, "--id", twin["id"][:8], "--decline")
    assert answered.exit_code == 0, answered.output
    declined, context_line = answered.stdout.strip().splitlines()
    assert declined.startswith("Declined approval ")
    assert context_line == f"ID of Keptn context: {TWIN_CONTEXTS[0]}"
