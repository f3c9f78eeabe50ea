"""``slogate send event`` (-f FILE, approval.finished) and ``slogate get event`` against a live server."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from slogate.cli import events, projects
from tests.integration.cli.cli_helpers import assert_one_line_error, write_json
from tests.integration.cli.conftest import Cli
from tests.support.delivery import SLO
from tests.support.live_server import LiveServer

CONTROL_PLANE = "/api/controlPlane/v1"
OPEN_APPROVALS = f"{CONTROL_PLANE}/event/triggered/sh.keptn.event.approval.triggered"
IMAGE = "ghcr.io/podtato-head/podtatoserver"
APPROVE = ("send", "event", "approval.finished", "--project", "gated", "--stage", "qa")
SERVICE = ("--service", "helloservice")
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: approvals}
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


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def wait_for(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def delivery(project: str, version: str) -> dict[str, Any]:
    """The CloudEvent ``keptn trigger delivery`` sends."""
    return {
        "type": "sh.keptn.event.qa.delivery.triggered",
        "source": "https://github.com/keptn/keptn/cli#configuration-change",
        "specversion": "1.0",
        "data": {
            "project": project,
            "stage": "qa",
            "service": "helloservice",
            "configurationChange": {"values": {"image": f"{IMAGE}:{version}"}},
        },
    }


def open_approvals(server: LiveServer, project: str) -> list[dict[str, Any]]:
    with server.client() as client:
        answer = client.get(OPEN_APPROVALS, params={"project": project, "stage": "qa"})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["events"])


def events_of(server: LiveServer, **params: str) -> list[dict[str, Any]]:
    with server.client() as client:
        answer = client.get("/api/mongodb-datastore/event", params=params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["events"])


def finished(server: LiveServer, context: str) -> dict[str, Any]:
    """The ``qa.delivery.finished`` of a context, once it is there."""
    found = wait_for(
        lambda: events_of(server, keptnContext=context, type="sh.keptn.event.qa.delivery.finished"),
        f"the end of delivery {context}",
    )
    return dict(found[0])


def context_of(result: Any) -> str:
    assert result.exit_code == 0, result.output
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("ID of Keptn context: "), result.stdout
    return str(line.removeprefix("ID of Keptn context: "))


@pytest.fixture(scope="module")
def project(live_server: LiveServer) -> str:
    """Project ``gated``: qa deploys (job ``true``), evaluates (fake SLIs), waits for approval, releases."""
    with live_server.client() as client:
        calls = [
            client.post(f"{CONTROL_PLANE}/project", json={"name": "gated", "shipyard": b64(SHIPYARD)}),
            client.post(f"{CONTROL_PLANE}/project/gated/service", json={"serviceName": "helloservice"}),
            client.post(
                "/api/resource-service/v1/project/gated/resource",
                json={
                    "resources": [
                        {"resourceURI": "slogate/executors.yaml", "resourceContent": b64(EXECUTORS)}
                    ]
                },
            ),
            client.post(
                "/api/resource-service/v1/project/gated/stage/qa/service/helloservice/resource",
                json={"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64(SLO)}]},
            ),
        ]
    assert [call.status_code for call in calls] == [201, 200, 201, 201], [call.text for call in calls]
    return "gated"


def send(cli: Cli, tmp_path: Path, event: dict[str, Any]) -> str:
    """``slogate send event -f`` with ``event``; its Keptn context."""
    return context_of(cli("send", "event", "-f", write_json(tmp_path / "event.json", event)))


def test_send_event_from_a_file_prints_the_keptn_context(
    cli: Cli, live_server: LiveServer, project: str, tmp_path: Path
) -> None:
    context = send(cli, tmp_path, delivery(project, "v0.1.0"))
    triggered = events_of(live_server, keptnContext=context, type="sh.keptn.event.qa.delivery.triggered")
    assert triggered[0]["data"]["configurationChange"]["values"]["image"] == f"{IMAGE}:v0.1.0"
    wait_for(
        lambda: any(e["shkeptncontext"] == context for e in open_approvals(live_server, project)), "approval"
    )
    approval = next(e for e in open_approvals(live_server, project) if e["shkeptncontext"] == context)
    declined = cli(*APPROVE, "--id", approval["id"], "--decline")
    assert context_of(declined) == context
    assert finished(live_server, context)["data"]["result"] == "fail"


def test_send_event_errors(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    assert_one_line_error(cli("send", "event", "-f", missing), str(missing), "no such file")
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "sh.keptn.event.x.triggered",\n "data": }', encoding="utf-8")
    assert_one_line_error(cli("send", "event", "--file", broken), str(broken), "not valid JSON", "line 2")
    listed = write_json(tmp_path / "list.json", [delivery("gated", "v1")])
    assert_one_line_error(cli("send", "event", "-f", listed), "not a CloudEvent")
    untyped = write_json(tmp_path / "untyped.json", {"source": "me", "data": {"project": "gated"}})
    assert_one_line_error(cli("send", "event", "-f", untyped), "type")
    assert_one_line_error(cli("send", "event"), "--file is missing")


def test_approvals_are_listed_chosen_and_answered(
    cli: Cli, live_server: LiveServer, project: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = (send(cli, tmp_path, delivery(project, version)) for version in ("v1", "v2"))
    wait_for(
        lambda: {e["shkeptncontext"] for e in open_approvals(live_server, project)} >= {first, second}, "two"
    )
    listed = cli("get", "event", "approval.triggered", "--project", project, "--stage", "qa")
    assert {event["shkeptncontext"] for event in json.loads(listed.stdout)} >= {first, second}
    table = cli("get", "events", "approval.triggered", "-p", project, "-s", "qa", "-o", "table")
    assert f"{IMAGE}:v2" in table.stdout
    assert "pass (100)" in table.stdout
    unattended = cli(*APPROVE, *SERVICE)
    assert_one_line_error(
        unattended, "open approvals for service helloservice in stage qa", "choose one with --id"
    )
    monkeypatch.setattr(projects, "interactive", lambda: True)
    options = [e["shkeptncontext"] for e in open_approvals(live_server, project)]
    chosen = cli(*APPROVE, *SERVICE, "--labels", "approver=ci", input=f"x\n{options.index(second) + 1}\na\n")
    assert "OPTION" in chosen.stdout
    assert "(2)" in chosen.stdout
    assert "Select the option to approve or decline" in chosen.stdout
    assert context_of(chosen) == second
    assert finished(live_server, second)["data"]["result"] == "pass"
    answer = events_of(live_server, keptnContext=second, type="sh.keptn.event.approval.finished")[0]
    assert answer["source"] == "https://github.com/keptn/keptn/cli#approval.finished"
    assert answer["triggeredid"] in {e["id"] for e in events_of(live_server, keptnContext=second)}
    assert answer["data"]["project"] == project
    assert answer["data"]["stage"] == "qa"
    assert answer["data"]["service"] == "helloservice"
    assert answer["data"]["labels"] == {"approver": "ci"}
    assert (answer["data"]["status"], answer["data"]["result"]) == ("succeeded", "pass")
    monkeypatch.setattr(projects, "interactive", lambda: False)
    (lone,) = [e for e in open_approvals(live_server, project) if e["shkeptncontext"] == first]
    last = cli(*APPROVE, *SERVICE, "--decline")  # no terminal, one open approval: answered, no prompt
    assert context_of(last) == first
    assert last.stdout.splitlines()[0] == (
        f"Declined approval {lone['id']} of service helloservice in stage qa (evaluation pass (100), "
        f"image {IMAGE}:v1)"
    )
    assert finished(live_server, first)["data"]["result"] == "fail"
    listed = json.loads(cli("get", "sequences", "--project", project, "--limit", "50", "-o", "json").stdout)
    (entry,) = [entry for entry in listed if entry["shkeptncontext"] == first]
    assert [(stage["state"], stage["result"]) for stage in entry["stages"]] == [("succeeded", "fail")]
    listing = cli("get", "sequences", "--project", project, "--limit", "50").stdout
    assert listing.count("qa: succeeded/fail") == 2, listing  # this one and the one declined by --id above
    third = send(cli, tmp_path, delivery(project, "v3"))
    wait_for(lambda: any(e["shkeptncontext"] == third for e in open_approvals(live_server, project)), "v3")
    approved = cli(*APPROVE, *SERVICE)
    assert approved.exit_code == 0, approved.output
    assert approved.stdout.startswith("Approved approval "), approved.stdout
    assert "Do you want" not in approved.stdout
    assert context_of(approved) == third
    assert finished(live_server, third)["data"]["result"] == "pass"
    none = cli(*APPROVE, *SERVICE)
    assert none.exit_code == 0, none.output
    assert none.stdout.strip() == "No open approval for service helloservice in stage qa of project gated"


def test_approval_errors(cli: Cli, project: str) -> None:
    base = APPROVE
    assert_one_line_error(cli(*base), "name the approval with --id ID")
    assert_one_line_error(cli(*base, "--id", "no-such-id"), "no open approval no-such-id in stage qa")
    ghost = cli("send", "event", "approval.finished", "--project", "ghost", "--stage", "qa", "--id", "x")
    assert_one_line_error(ghost, "project not found")
    assert_one_line_error(cli(*base, "--id", "x", "--labels", "oops"), "--labels: 'oops' is not key=value")


def test_get_event_evaluation_finished_as_json_yaml_and_table(
    cli: Cli, live_server: LiveServer, project: str, tmp_path: Path
) -> None:
    context = send(cli, tmp_path, delivery(project, "v3"))
    wait_for(
        lambda: any(e["shkeptncontext"] == context for e in open_approvals(live_server, project)), "approval"
    )
    as_json = cli("get", "event", "evaluation.finished", "--keptn-context", context)
    assert as_json.exit_code == 0, as_json.output
    evaluation = json.loads(as_json.stdout)
    assert evaluation["type"] == "sh.keptn.event.evaluation.finished"
    assert evaluation["data"]["evaluation"]["score"] == 100
    full = "sh.keptn.event.evaluation.finished"
    as_yaml = yaml.safe_load(cli("get", "event", full, "--keptn-context", context, "-o", "yaml").stdout)
    assert as_yaml["id"] == evaluation["id"]
    table = cli("get", "event", "evaluation.finished", "--keptn-context", context, "-o", "table")
    assert table.exit_code == 0, table.output
    assert "Objectives" in table.stdout
    assert "HTTP Response Time" in table.stdout
    assert "Result PASS" in table.stdout
    everything = cli("get", "events", "--keptn-context", context, "-o", "table")
    assert "qa.delivery.triggered" in everything.stdout
    assert "deployment.finished" in everything.stdout
    assert "Objectives" in everything.stdout
    approval = next(e for e in open_approvals(live_server, project) if e["shkeptncontext"] == context)
    assert cli(*APPROVE, "--id", approval["id"]).exit_code == 0


def test_get_event_pages_filters_and_errors(cli: Cli, project: str) -> None:
    deployments = ("get", "event", "deployment.triggered", "--project", project, "--page-size", "1")
    paged = cli(*deployments, "--stage", "qa", "--num-of-pages", "2")
    assert paged.exit_code == 0, paged.output
    assert [event["type"] for event in json.loads(paged.stdout)] == [
        "sh.keptn.event.deployment.triggered"
    ] * 2
    one = json.loads(cli(*deployments, "--num-of-pages", "1").stdout)
    assert one["type"] == "sh.keptn.event.deployment.triggered"
    nothing = cli("get", "event", "nothing.happened", "--project", project, "--service", "helloservice")
    assert nothing.exit_code == 0, nothing.output
    assert nothing.stdout == ""
    assert "No event returned" in nothing.stderr
    assert_one_line_error(
        cli("get", "event", "evaluation.finished", "--project", "ghost"), "Project not found: ghost"
    )
    assert_one_line_error(cli("get", "event", "evaluation.finished"), "--project PROJECT or --keptn-context")
    assert_one_line_error(
        cli("get", "event", "approval.triggered", "--keptn-context", "c"), "needs --project"
    )
    assert_one_line_error(cli("get", "event", "x", "--project", project, "--page-size", "500"), "pageSize")


def test_watch_prints_events_as_they_arrive(
    cli: Cli, live_server: LiveServer, project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "POLL_SECONDS", 0.1)
    late: dict[str, Any] = {
        "type": "sh.keptn.event.qa.probe.triggered",
        "source": "test",
        "specversion": "1.0",
    }
    late["data"] = {"project": project, "stage": "qa", "service": "helloservice"}

    answers: list[int] = []

    def send_later() -> None:
        time.sleep(0.3)
        with live_server.client() as client:
            answers.append(client.post("/api/v1/event", json=late).status_code)

    sender = threading.Thread(target=send_later)
    sender.start()
    started = time.monotonic()
    watched = cli("get", "event", "qa.probe.triggered", "--project", project, "--watch", "--watch-time", "1")
    sender.join()
    assert answers == [200]
    assert watched.exit_code == 0, watched.output
    assert 1 <= time.monotonic() - started < 10
    printed = json.loads(watched.stdout)
    assert printed["type"] == "sh.keptn.event.qa.probe.triggered"
    assert printed["data"]["project"] == project


def test_a_keptn_cli_script_runs_with_keptn_replaced_by_slogate(
    cli: Cli, live_server: LiveServer, tmp_path: Path
) -> None:
    (tmp_path / "shipyard.yaml").write_text(SHIPYARD, encoding="utf-8")
    (tmp_path / "executors.yaml").write_text(EXECUTORS, encoding="utf-8")
    (tmp_path / "slo.yaml").write_text(SLO, encoding="utf-8")
    event = write_json(tmp_path / "delivery.json", delivery("script", "v0.1.1"))
    steps = [
        ("create", "project", "script", f"--shipyard={tmp_path / 'shipyard.yaml'}"),
        ("create", "service", "helloservice", "--project=script"),
        ("add-resource", "--project=script", f"--resource={tmp_path / 'executors.yaml'}",
         "--resourceUri=slogate/executors.yaml"),
        ("add-resource", "--project=script", "--stage=qa", "--service=helloservice",
         f"--resource={tmp_path / 'slo.yaml'}", "--resourceUri=slo.yaml"),
    ]  # fmt: skip
    for step in steps:
        result = cli(*step)
        assert result.exit_code == 0, (step, result.output)
    context = context_of(cli("send", "event", "-f", event))
    approval = wait_for(
        lambda: json.loads(
            cli("get", "event", "approval.triggered", "--project=script", "--stage=qa").stdout or "[]"
        ),
        "the approval",
    )
    approved = cli(
        "send", "event", "approval.finished", "--project=script", "--stage=qa", f"--id={approval['id']}"
    )
    assert context_of(approved) == context
    done = wait_for(
        lambda: cli("get", "event", "qa.delivery.finished", f"--keptn-context={context}").stdout,
        "the end of the delivery",
    )
    assert json.loads(done)["data"]["result"] == "pass"
    evaluation = json.loads(cli("get", "event", "evaluation.finished", f"--keptn-context={context}").stdout)
    assert evaluation["data"]["evaluation"]["result"] == "pass"
    services = json.loads(cli("get", "service", "helloservice", "--project=script", "-o", "json").stdout)
    assert services[0]["deployedImage"] == f"{IMAGE}:v0.1.1"


def test_watch_says_that_the_delivery_waits_for_an_approval(
    cli: Cli, live_server: LiveServer, project: str
) -> None:
    """``--watch`` names the open manual approval and the command that answers it (then it is answered,
    so that the module's other tests find no approval left open)."""
    watched = cli(
        "trigger", "delivery", "--project", project, "--stage", "qa", "--service", "helloservice",
        "--image", f"{IMAGE}:watched", "--watch", "--watch-time", "6",
    )  # fmt: skip
    assert watched.exit_code == 0, watched.output
    context = context_of_first_line(watched.stdout)
    (approval,) = [e for e in open_approvals(live_server, project) if e["shkeptncontext"] == context]
    assert (
        f"waiting for approval in qa (slogate send event approval.finished --project {project} --stage qa "
        f"--id {approval['id']} [--decline])"
    ) in " ".join(watched.stdout.split()), watched.stdout
    assert context_of(cli(*APPROVE, "--id", approval["id"])) == context


def context_of_first_line(stdout: str) -> str:
    line = stdout.splitlines()[0]
    assert line.startswith("ID of Keptn context: "), stdout
    return line.removeprefix("ID of Keptn context: ")
