"""Remediation end to end with real parts: a Prometheus evaluating the alert rules that ``slogate configure
monitoring prometheus`` wrote, a Prometheus Alertmanager posting to a ``slogate server``, job commands acting.

The sample service starts slow. Its alert fires, Alertmanager posts it, the problem opens and the stage's
remediation runs: action 1 (``scaling``) does not help, its evaluation fails; action 2 (``rollback``) makes
the service fast, its evaluation passes and the remediation ends. Then the alert resolves, Alertmanager
says so and the problem closes.

Timings: an evaluation's window is at least a minute (Keptn's rule), so each loop waits 65 s before its
evaluation. The alert's 5-minute window averages the response time of all requests since the service
started, so it resolves about as long after the fix as the service had been slow before it (the alert
fires after 30 s, then loop 1 runs): the passing evaluation comes well before the problem closes, which
would otherwise abort the remediation.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from slogate.adapters.executors.deploy_history import write_targets
from slogate.demo.alerting import NO_ALERTMANAGER, find_alertmanager
from slogate.demo.stack import DemoStack, find_prometheus
from tests.support import real_parts
from tests.support.helloapp import HelloApp
from tests.support.prometheus import MISSING, MISSING_REASON

pytestmark = pytest.mark.slow
PROJECT, STAGE, SERVICE = "remedy", "production", "helloservice"
SLI_NAME = "http_response_time_seconds_main_page_sum"
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: remedy}
spec:
  stages:
    - name: production
      sequences:
        - name: remediation
          triggeredOn:
            - event: production.remediation.finished
              selector: {match: {evaluation.result: fail}}
          tasks:
            - {name: get-action}
            - {name: action}
            - {name: evaluation, triggeredAfter: 65s, properties: {timeframe: 1m}}
"""
SLI = f"""\
spec_version: '1.0'
indicators:
  {SLI_NAME}: sum(rate(http_server_request_duration_seconds_sum{{route="/",job="$SERVICE-$PROJECT-$STAGE"}}[$DURATION_SECONDS]))/sum(rate(http_server_request_duration_seconds_count{{route="/",job="$SERVICE-$PROJECT-$STAGE"}}[$DURATION_SECONDS]))
"""  # noqa: E501 - one PromQL line, as sli.yaml files hold them
SLO = f"""\
spec_version: '0.1.0'
comparison: {{compare_with: single_result, include_result_with_score: pass, aggregate_function: avg}}
objectives:
  - sli: {SLI_NAME}
    key_sli: true
    pass: [{{criteria: ["<=0.2"]}}]
total_score: {{pass: "90%", warning: "75%"}}
"""
REMEDIATION = f"""\
apiVersion: spec.keptn.sh/0.1.4
kind: Remediation
metadata: {{name: helloservice-remediation}}
spec:
  remediations:
    - problemType: {SLI_NAME}
      actionsOnOpen:
        - {{name: Scale up, action: scaling, description: one more replica, value: "1"}}
        - {{name: Roll back, action: rollback, description: the previous version}}
"""
# the action's job: notes which action ran (and for which problem), and a rollback makes the service fast
ACT = """\
import sys, urllib.request
record, service, action = sys.argv[1:4]
with open(record, "a", encoding="utf-8") as out:
    out.write(f"{action} {sys.argv[4]}\\n")
if action == "rollback":
    urllib.request.urlopen(urllib.request.Request(service + "delay", data=b"0", method="POST"), timeout=5)
"""


@pytest.fixture(autouse=True)
def _needs_the_real_parts() -> None:
    if MISSING:
        pytest.fail(f"this test needs a real Prometheus: {MISSING_REASON}", pytrace=False)
    if find_alertmanager() is None and os.environ.get("CI"):
        pytest.fail(NO_ALERTMANAGER, pytrace=False)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Load:
    """Five requests a second to the service, from a background thread, until stopped."""

    def __init__(self, url: str) -> None:
        self._url, self._stop = url, threading.Event()
        self._thread = threading.Thread(target=self._run, name="load", daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                threads = [threading.Thread(target=self._get, args=(client,)) for _ in range(5)]
                for each in threads:
                    each.start()
                self._stop.wait(1.0)

    def _get(self, client: httpx.Client) -> None:
        with contextlib.suppress(httpx.HTTPError):
            client.get(self._url)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=15)


def slogate(stack: DemoStack, *args: str) -> str:
    """Run the CLI as a program against the stack's server; its standard output."""
    env = {**os.environ, "SLOGATE_ENDPOINT": stack.server.url, "SLOGATE_API_TOKEN": stack.token}
    done = subprocess.run(
        [sys.executable, "-m", "slogate", *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_for(
    what: str, found: Callable[[], Any], stack: DemoStack, timeout: float = 120.0, context: str = ""
) -> Any:
    """Poll ``found`` until it returns something truthy; fail naming ``what``, the context's events and
    the logs' ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.5)
    logs = "\n".join(f"--- {s.name}\n{s.log_tail(30)}" for s in (stack.server, stack.prometheus))
    story = "\n".join(
        f"{e['time']} {e['type']} {e['data'].get('status', '')} {e['data'].get('result', '')} "
        f"{e['data'].get('message', '')}"
        for e in (events(stack, context) if context else [])
    )
    raise AssertionError(f"{what}: not within {timeout:g} s\n{story}\n{logs}")


def set_up(stack: DemoStack, tmp_path: Path, app: HelloApp) -> Path:
    """The project, its files, the scrape target and the alert rules (loaded); the record file."""
    record, act = tmp_path / "actions.log", tmp_path / "act.py"
    act.write_text(ACT, encoding="utf-8")
    executors = {
        "apiVersion": "slogate/v1",
        "kind": "Executors",
        "tasks": {
            "action": {
                "executor": "job",
                "config": {
                    "command": [
                        sys.executable,
                        str(act),
                        str(record),
                        app.url,
                        "{action.action}",
                        "{problem.title}",
                    ],
                    "timeout": "30s",
                },
            }
        },
    }
    with stack.api() as api:
        api.post("/api/controlPlane/v1/project", {"name": PROJECT, "shipyard": b64(SHIPYARD)})
        api.post(f"/api/controlPlane/v1/project/{PROJECT}/service", {"serviceName": SERVICE})
        files = {
            "slo.yaml": SLO,
            "remediation.yaml": REMEDIATION,
            "prometheus/sli.yaml": SLI,
            "slogate/executors.yaml": json.dumps(executors),
        }
        resources = [{"resourceURI": uri, "resourceContent": b64(text)} for uri, text in files.items()]
        api.post(
            f"/api/resource-service/v1/project/{PROJECT}/stage/{STAGE}/service/{SERVICE}/resource",
            {"resources": resources},
        )
    write_targets(stack.data_dir, PROJECT, STAGE, SERVICE, app.port)
    stack.await_scraping({f"{SERVICE}-{PROJECT}-{STAGE}"})
    printed = slogate(
        stack, "configure", "monitoring", "prometheus", "--project", PROJECT, "--service", SERVICE,
        "--data-dir", str(stack.data_dir), "--alert-window", "5m", "--alert-for", "30s", "-o", "json",
    )  # fmt: skip
    alerting = json.loads(printed)["alerting"]
    assert [rule["alert"] for group in alerting["groups"] for rule in group["rules"]] == [SLI_NAME]
    stack.reload_prometheus()
    return record


def events(stack: DemoStack, context: str) -> list[Mapping[str, Any]]:
    """Every event of the context, oldest first."""
    with stack.api() as api:
        found = api.get("/api/mongodb-datastore/event", {"keptnContext": context, "pageSize": 100})
    return list(reversed(found["events"]))


def problems(stack: DemoStack) -> list[Mapping[str, Any]]:
    with stack.api() as api:
        found = api.get(f"/api/slogate/v1/project/{PROJECT}/problem")
    listed: list[Mapping[str, Any]] = found["problems"]
    return listed


def finished(found: list[Mapping[str, Any]], kind: str) -> list[tuple[str, str]]:
    return [
        (str(e["data"].get("status")), str(e["data"].get("result")))
        for e in found
        if e["type"] == f"sh.keptn.event.{kind}.finished"
    ]


def test_an_alert_opens_a_problem_two_actions_fix_it_and_its_resolution_closes_it(tmp_path: Path) -> None:
    alertmanager = real_parts.alertmanager()
    started = time.monotonic()
    with (
        HelloApp(delay=0.4) as app,
        DemoStack(tmp_path / "stack", find_prometheus(), alertmanager=alertmanager) as stack,
    ):
        record = set_up(stack, tmp_path, app)
        with Load(app.url):
            (problem,) = wait_for("the alert opened a problem", lambda: problems(stack), stack)
            assert (problem["state"], problem["source"], problem["title"]) == ("open", "prometheus", SLI_NAME)
            assert (problem["stage"], problem["service"]) == (STAGE, SERVICE)
            context = problem["keptnContext"]

            def remediation_ended() -> list[Mapping[str, Any]]:
                found = events(stack, context)
                return (
                    found if finished(found, "production.remediation")[-1:] == [("succeeded", "pass")] else []
                )

            found = wait_for(
                "the remediation ended with a passing evaluation", remediation_ended, stack, 180, context
            )
            closed = wait_for(
                "the resolved alert closed the problem",
                lambda: [p for p in problems(stack) if p["state"] == "closed"],
                stack,
                180,
                context,
            )
        took = time.monotonic() - started
        after = events(stack, context)
    types = [str(e["type"]) for e in found]
    assert types[0] == "sh.keptn.events.problem"
    assert found[0]["data"]["State"] == "OPEN"
    assert types[1] == "sh.keptn.event.production.remediation.triggered"
    assert found[1]["source"] == "prometheus"
    assert found[1]["data"]["problem"]["ProblemTitle"] == SLI_NAME
    # event by event: two loops, each get-action → action → evaluation, in this order
    steps = [t.removeprefix("sh.keptn.event.") for t in types if t.endswith((".triggered", ".finished"))]
    loop = ["get-action.triggered", "get-action.finished", "action.triggered", "action.finished"]
    loop += ["evaluation.triggered", "evaluation.finished", "production.remediation.finished"]
    expected = ["production.remediation.triggered", *loop, "production.remediation.triggered", *loop]
    assert [s for s in steps if s in expected] == expected, steps
    assert finished(found, "get-action") == [("succeeded", "pass"), ("succeeded", "pass")]
    chosen = [e["data"]["action"]["action"] for e in found if e["type"] == "sh.keptn.event.action.triggered"]
    assert chosen == ["scaling", "rollback"]
    assert record.read_text().splitlines() == [f"scaling {SLI_NAME}", f"rollback {SLI_NAME}"]
    assert finished(found, "action") == [("succeeded", "pass"), ("succeeded", "pass")]
    assert [r for _, r in finished(found, "evaluation")] == ["fail", "pass"]
    assert finished(found, "production.remediation") == [("succeeded", "fail"), ("succeeded", "pass")]
    # the resolved alert: the problem closed in the remediation's context, after it ended
    assert [p["keptnContext"] for p in closed] == [context]
    closing = [
        e for e in after if e["type"] == "sh.keptn.events.problem" and e["data"].get("State") == "CLOSED"
    ]
    assert len(closing) == 1, [e["type"] for e in after]
    assert len([e for e in after if e["type"] == "sh.keptn.events.problem"]) == 2  # repeats added nothing
    assert len(record.read_text().splitlines()) == 2  # no action after the fix
    print(f"remediation end to end took {took:.0f} s")
