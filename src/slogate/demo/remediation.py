"""``slogate demo --remediation``: after the release tour, production degrades and slogate remediates it.

The chapter adds Keptn's closed loop to project ``fulltour``: a ``hotfix`` sequence in production
(deployment and release, no gate) and the ``remediation`` sequence, a ``remediation.yaml`` (restart,
then roll back, both carried out by the ``local`` executor) and the alert rules of ``slogate configure
monitoring prometheus``. Users keep calling production. The hotfix v0.1.4 goes straight to production
and is slow there: its alert fires, Alertmanager posts it to slogate, a problem opens and the
remediation runs: the restart does not help (its evaluation fails), the rollback to v0.1.1 does (its
evaluation passes), and when the alert resolves the problem closes.
"""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import yaml
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from slogate.cli.alerting import Timing, alert_rules, rules_file, write_rules
from slogate.cli.client import ApiClient
from slogate.cli.resources import upload
from slogate.cli.trigger import trigger_delivery
from slogate.cli.watch import TaskLines, poll
from slogate.errors import SlogateError

from .fulltour import IMAGE, PROJECT, RULE_WIDTH, SERVICE, data_file, executors_config, running_versions
from .relay import AlertRelay
from .stack import DemoStack

STAGE, HOTFIX, GOOD = "production", "v0.1.4", "v0.1.1"
SLI = "http_response_time_seconds_main_page_sum"
TIMING = Timing(timedelta(seconds=180), "30s")  # Keptn's window; the alert fires after 30 s, not 10 min
LOOP_WAIT = "65s"  # an evaluation judges at least a minute (Keptn's rule): the minute after the action
REMEDIATION = f"""\
apiVersion: spec.keptn.sh/0.1.4
kind: Remediation
metadata:
  name: helloservice-remediation
spec:
  remediations:
    - problemType: {SLI}   # the alert's summary: the SLI's name
      actionsOnOpen:
        - name: Restart
          action: restart
          description: start the running version anew
        - name: Roll back
          action: rollback
          description: back to the last version that was delivered without a rollback
"""
SEQUENCES: list[dict[str, Any]] = [
    {"name": "hotfix", "tasks": [{"name": "deployment", "properties": {"deploymentstrategy": "direct"}}]},
    {
        "name": "remediation",
        "triggeredOn": [
            {"event": "production.remediation.finished", "selector": {"match": {"evaluation.result": "fail"}}}
        ],
        "tasks": [
            {"name": "get-action"},
            {"name": "action"},
            {"name": "evaluation", "triggeredAfter": LOOP_WAIT, "properties": {"timeframe": "1m"}},
        ],
    },
]


@dataclass
class Remediated:
    """How the chapter went: each loop's action and verdicts, the remediation's end, the problem's state."""

    alerts_by: str
    loops: list[dict[str, str]] = field(default_factory=list)  # action, action result, evaluation
    ended: str = ""
    problem: str = ""
    version: str = ""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def prepare(api: ApiClient, stack: DemoStack, console: Console, test_seconds: float) -> None:
    """The hotfix and remediation sequences, remediation.yaml, the local executor for actions, and the
    alert rules (written where Prometheus reads them, which then reloads)."""
    shipyard: dict[str, Any] = yaml.safe_load(data_file("fulltour-shipyard.yaml"))
    for stage in shipyard["spec"]["stages"]:
        if stage["name"] == STAGE:
            stage["sequences"] += SEQUENCES
    api.put("/api/controlPlane/v1/project", {"name": PROJECT, "shipyard": _b64(yaml.safe_dump(shipyard))})
    executors: dict[str, Any] = yaml.safe_load(executors_config(test_seconds))
    executors["tasks"]["action"] = "local"
    upload(api, "slogate/executors.yaml", _b64(yaml.safe_dump(executors, sort_keys=False)), PROJECT)
    upload(api, "remediation.yaml", _b64(REMEDIATION), PROJECT, STAGE, SERVICE)
    found = alert_rules(api, PROJECT, SERVICE, [STAGE], TIMING)
    write_rules(rules_file(stack.data_dir, PROJECT, SERVICE), found)
    stack.reload_prometheus()
    for group in found.groups:
        for rule in group["rules"]:
            console.print(Text(f"alert rule {rule['alert']}: {rule['expr']} for {rule['for']}", style="dim"))


class Users:
    """Production's users: ``rate`` requests a second from a background thread, until stopped."""

    def __init__(self, url: str, rate: float = 12.0) -> None:
        self._url, self._pause, self._stop = url, 1.0 / rate, threading.Event()
        self._thread = threading.Thread(target=self._run, name="users", daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.wait(self._pause):
                threading.Thread(target=self._call, args=(client,), daemon=True).start()

    def _call(self, client: httpx.Client) -> None:
        with contextlib.suppress(httpx.HTTPError):  # a restart or rollback in progress: users retry
            client.get(self._url)

    def __enter__(self) -> Users:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def wait_for_problem(api: ApiClient, state: str, timeout: float, context: str = "") -> dict[str, Any]:
    """The project's newest problem in ``state`` (of ``context`` when given); ``SlogateError`` after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for problem in api.get(f"/api/slogate/v1/project/{PROJECT}/problem", {"state": state})["problems"]:
            if not context or problem["keptnContext"] == context:
                return dict(problem)
        time.sleep(0.5)
    raise SlogateError(f"no {state} problem in project {PROJECT} within {timeout:.0f} s")


def follow_loops(
    api: ApiClient, console: Console, context: str, timeout: float, sequence: str = "remediation"
) -> list[Any]:
    """Print each finished task of the context's sequence (each loop of a remediation) until the last
    one ended and no new loop began for 3 s; the context's events."""
    deadline, quiet_since = time.monotonic() + timeout, None
    with TaskLines(console) as view:
        while time.monotonic() < deadline:
            snapshot = poll(api, PROJECT, context)
            view.show(snapshot)
            types = [str(event["type"]) for event in snapshot.events]
            prefix = f"sh.keptn.event.{STAGE}.{sequence}."
            balanced = types.count(prefix + "triggered") == types.count(prefix + "finished") > 0
            if snapshot.ended and balanced:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= 3:
                    return list(snapshot.events)
            else:
                quiet_since = None
            time.sleep(0.5)
    raise SlogateError(f"the remediation {context} did not end within {timeout:.0f} s")


def loops_of(events: list[Any]) -> list[dict[str, str]]:
    """Each loop's chosen action, the action's verdict and the evaluation's, from the context's events."""
    loops: list[dict[str, str]] = []
    for event in events:
        kind, data = str(event["type"]), event.get("data") or {}
        verdict = "errored" if data.get("status") == "errored" else str(data.get("result", ""))
        if kind == "sh.keptn.event.action.triggered":
            loops.append(
                {"action": str(data.get("action", {}).get("action", "")), "result": "", "evaluation": ""}
            )
        elif kind == "sh.keptn.event.action.finished" and loops:
            loops[-1]["result"] = verdict
        elif kind == "sh.keptn.event.evaluation.finished" and loops:
            loops[-1]["evaluation"] = verdict
    return loops


def run_remediation(
    stack: DemoStack, console: Console, production_port: int, test_seconds: float = 12.0
) -> Remediated:
    """Break production with the hotfix and follow the alert, the problem and the remediation to the end."""
    relay = (
        None
        if stack.alertmanager is not None
        else AlertRelay(stack.prometheus.url, stack.server.url, stack.token)
    )
    result = Remediated("Alertmanager" if relay is None else "the demo itself (no Alertmanager)")
    heading = Rule(Text(f"{HOTFIX}: a hotfix pushed straight to production, past the gate", style="bold"))
    console.print(heading, width=min(console.width, RULE_WIDTH))
    with stack.api() as api, Users(f"http://127.0.0.1:{production_port}/"):
        prepare(api, stack, console, test_seconds)
        hotfix = trigger_delivery(api, PROJECT, SERVICE, f"{IMAGE}:{HOTFIX}", stage=STAGE, sequence="hotfix")
        follow_loops(api, console, hotfix, 120, "hotfix")
        console.print(
            Text(f"  → production runs {HOTFIX}, which is slow there; users call it 12 times a second")
        )
        with relay or contextlib.nullcontext():
            problem = wait_for_problem(api, "open", 180)
            console.print(Text(
                f"  → alert {problem['title']} fired; {result.alerts_by} posted it to /api/v1/alertmanager: "
                f"problem open (Keptn context {problem['keptnContext']})", style="bold"))  # fmt: skip
            events = follow_loops(api, console, problem["keptnContext"], 600)
            result.loops = loops_of(events)
            last = [e for e in events if e["type"] == f"sh.keptn.event.{STAGE}.remediation.finished"][-1][
                "data"
            ]
            result.ended = str(last.get("result"))
            result.version = running_versions({STAGE: production_port})[STAGE]
            console.print(Text(f"  → remediation ended: {result.ended}; production runs {result.version}"))
            closed = wait_for_problem(api, "closed", 300, problem["keptnContext"])
            result.problem = str(closed["state"])
            console.print(Text(f"  → the alert resolved: problem {result.problem}", style="bold"))
    return result


def remediation_summary(result: Remediated) -> Table:
    """One row per loop: the action, its verdict, the evaluation after it."""
    table = Table(title="The remediation", title_justify="left")
    for column in ("Loop", "Action", "Action result", "Evaluation"):
        table.add_column(column)
    for number, loop in enumerate(result.loops, 1):
        table.add_row(str(number), loop["action"], loop["result"], loop["evaluation"] or "–")
    table.caption = (
        f"Alerts posted by {result.alerts_by} · remediation {result.ended} · problem {result.problem} · "
        f"production runs {result.version}"
    )
    return table


def check_remediation(result: Remediated) -> None:
    """``SlogateError`` when the chapter did not end as the story says."""
    actions = [(loop["action"], loop["evaluation"]) for loop in result.loops]
    wrong = []
    if actions != [("restart", "fail"), ("rollback", "pass")]:
        wrong.append(
            "the loops were "
            + (", ".join(f"{a} then evaluation {e or 'none'}" for a, e in actions) or "none")
        )
    if result.version != GOOD:
        wrong.append(f"production runs {result.version}, not {GOOD}")
    if result.problem != "closed":
        wrong.append(f"the problem is {result.problem or 'not closed'}")
    if wrong:
        raise SlogateError("the remediation did not end as expected: " + "; ".join(wrong))
