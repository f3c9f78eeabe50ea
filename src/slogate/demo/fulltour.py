"""``slogate demo``: the Keptn tutorial's quality-gated release, end to end on this machine.

A slogate server, a Prometheus and the sample helloservice (one local process per stage) run in a
temporary directory. Project ``fulltour`` gets the tutorial's shipyard with a production post-release
evaluation and a rollback, and three builds are delivered:

1. v0.1.1 passes qa and production;
2. v0.1.2, the slow build, fails its qa evaluation on the key SLI: production is untouched;
3. v0.1.3 passes qa but is slow in production only: the post-release evaluation fails and the
   rollback restores v0.1.1.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import yaml
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from slogate.adapters.executors.deploy_history import job_name, write_targets
from slogate.cli.client import ApiClient
from slogate.cli.projects import post_project, post_service
from slogate.cli.resources import upload
from slogate.cli.trigger import trigger_delivery
from slogate.cli.watch import TaskLines, follow
from slogate.domain.protocol.event_types import parse_event_type
from slogate.errors import SlogateError

from .stack import DemoStack, free_port

PROJECT, SERVICE, IMAGE = "fulltour", "helloservice", "ghcr.io/podtato-head/podtatoserver"
STAGES = ("qa", "production")
VERSION = re.compile(r"\bv?(\d+\.\d+\.\d+)\b")

RULE_WIDTH = 100


@dataclass(frozen=True)
class Build:
    """One build to deliver, what it is, and what the gate should make of it."""

    version: str
    story: str
    expected: str


BUILDS = (
    Build("v0.1.1", "the first build", "promoted to production"),
    Build("v0.1.2", "the slow build: every request takes 400 ms", "blocked in qa"),
    Build("v0.1.3", "fast in qa, slow in production only", "rolled back in production"),
)


@dataclass
class Outcome:
    """What happened to one build: each sequence's result, and the story in one phrase."""

    build: Build
    results: dict[str, str] = field(default_factory=dict)
    tasks: list[tuple[str, str, str, str]] = field(default_factory=list)  # stage, task, verdict, message

    @property
    def verdict(self) -> str:
        """``promoted to production``, ``blocked in qa``, ``rolled back in production`` or what else."""
        qa, production = self.results.get("qa.delivery"), self.results.get("production.delivery")
        if self.results.get("production.rollback") == "pass":
            return "rolled back in production"
        if qa in ("fail", "errored") and production is None:
            return "blocked in qa"
        if production in ("pass", "warning"):
            return "promoted to production"
        return "unexpected: " + ", ".join(f"{name} {result}" for name, result in self.results.items())


def data_file(name: str) -> str:
    """A file of the demo's data (the tutorial's SLO, SLIs, shipyard…)."""
    return (resources.files("slogate.demo") / "data" / name).read_text(encoding="utf-8")


def deployment_config(ports: dict[str, int]) -> str:
    """``slogate/deployment.yaml``: run the sample service with the build's version, one port per stage."""
    config = {
        "command": [
            "{python}", "-m", "slogate.demo.helloservice",
            "--version", "{version}", "--port", "{port}", "--stage", "{stage}",
        ],
        "ports": ports,
        "health": "/health",
        "startTimeout": "20s",
    }  # fmt: skip
    return yaml.safe_dump(config, sort_keys=False)


def executors_config(test_seconds: float) -> str:
    """``slogate/executors.yaml`` with the load test lasting ``test_seconds``."""
    config: dict[str, Any] = yaml.safe_load(data_file("executors.yaml"))
    config["tasks"]["test"]["config"]["duration"] = f"{test_seconds:g}s"
    return yaml.safe_dump(config, sort_keys=False)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def set_up(api: ApiClient, ports: dict[str, int], test_seconds: float) -> None:
    """The tutorial's project, service and files, as ``slogate create``/``add-resource`` make them."""
    post_project(api, PROJECT, _b64(data_file("fulltour-shipyard.yaml")))
    post_service(api, PROJECT, SERVICE)
    upload(api, "slogate/executors.yaml", _b64(executors_config(test_seconds)), PROJECT)
    upload(api, "slogate/deployment.yaml", _b64(deployment_config(ports)), PROJECT)
    upload(api, "prometheus/sli.yaml", _b64(data_file("sli.yaml")), PROJECT)
    for stage in STAGES:
        upload(api, "slo.yaml", _b64(data_file("slo.yaml")), PROJECT, stage, SERVICE)


def monitor(stack: DemoStack, ports: dict[str, int]) -> None:
    """The tutorial's configure-monitoring step: each stage's deployment is scraped before it first runs,
    so the first load test is measured from its first second."""
    for stage in STAGES:
        write_targets(stack.data_dir, PROJECT, stage, SERVICE, ports[stage])
    stack.await_scraping({job_name(PROJECT, stage, SERVICE) for stage in STAGES})


def deliver(api: ApiClient, console: Console, build: Build, timeout: float) -> Outcome:
    """Trigger the delivery of ``build`` in qa as ``slogate trigger delivery`` does, and follow it to its
    end, printing each task's verdict and each evaluation's table."""
    heading = Rule(Text(f"{build.version}: {build.story}", style="bold"))
    console.print(heading, width=min(console.width, RULE_WIDTH))  # off a terminal the console has no width
    labels = {"image": IMAGE, "version": build.version, "buildId": build.version}
    keptn_context = trigger_delivery(
        api, PROJECT, SERVICE, f"{IMAGE}:{build.version}", stage="qa", labels=labels
    )
    with TaskLines(console) as view:
        snapshot = follow(api, PROJECT, keptn_context, timeout, view)
    if not snapshot.ended:
        raise SlogateError(
            f"the delivery {keptn_context} did not end within {timeout:.0f} s; "
            f"still running: {snapshot.running() or 'nothing (waiting in a queue)'}"
        )
    outcome = Outcome(build)
    for event in snapshot.events:
        kind = parse_event_type(str(event["type"]))
        data = event.get("data") or {}
        verdict = "errored" if data.get("status") == "errored" else str(data.get("result"))
        if kind.is_sequence and kind.kind == "finished":
            outcome.results[f"{kind.stage}.{kind.sequence}"] = verdict
        elif kind.is_task and kind.kind == "finished" and kind.task != "get-sli":
            outcome.tasks.append((str(data.get("stage")), kind.task, verdict, str(data.get("message", ""))))
    console.print(Text(f"  → {build.version} {outcome.verdict}", style="bold"))
    return outcome


def running_versions(ports: dict[str, int]) -> dict[str, str]:
    """The version each stage's process says it runs (asked over HTTP, not taken from slogate)."""
    versions: dict[str, str] = {}
    for stage, port in ports.items():
        try:
            page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
        except httpx.HTTPError:
            versions[stage] = "not running"
            continue
        found = VERSION.search(page)
        versions[stage] = "v" + found.group(1) if found else "unknown"
    return versions


def summary(tour: Tour) -> Table:
    """One row per build: what each sequence ended with, and what became of the build."""
    outcomes, versions = tour.outcomes, tour.versions
    table = Table(title="What happened", title_justify="left")
    for column in ("Build", "qa", "production", "rollback", "Outcome"):
        table.add_column(column)
    for outcome in outcomes:
        results = outcome.results
        table.add_row(
            outcome.build.version,
            results.get("qa.delivery", "–"),
            results.get("production.delivery", "not started"),
            results.get("production.rollback", "–"),
            Text(
                outcome.verdict,
                style="bold green" if outcome.verdict == outcome.build.expected else "bold red",
            ),
        )
    table.caption = "Running now: " + ", ".join(f"{stage} {version}" for stage, version in versions.items())
    return table


@dataclass(frozen=True)
class Tour:
    """How the tour went: each build's outcome, the version running per stage, and their ports."""

    outcomes: list[Outcome]
    versions: dict[str, str]
    ports: dict[str, int]


def run_tour(
    stack: DemoStack, console: Console, test_seconds: float = 12.0, builds: Sequence[Build] = BUILDS
) -> Tour:
    """Set up the project and deliver each build, printing progress to ``console``."""
    ports = {stage: free_port() for stage in STAGES}
    with stack.api() as api:
        set_up(api, ports, test_seconds)
        monitor(stack, ports)
        console.print(Text(f"project {PROJECT}: stages qa (port {ports['qa']}) and production "
                           f"(port {ports['production']}), service {SERVICE}", style="dim"))  # fmt: skip
        timeout = 12 * test_seconds + 120
        outcomes = [deliver(api, console, build, timeout) for build in builds]
    return Tour(outcomes, running_versions(ports), ports)


def check(tour: Tour) -> None:
    """``SlogateError`` when the tour did not end as the tutorial says it must."""
    outcomes, versions = tour.outcomes, tour.versions
    wrong = [f"{o.build.version} was {o.verdict}" for o in outcomes if o.verdict != o.build.expected]
    if versions.get("production") != "v0.1.1":
        wrong.append(f"production runs {versions.get('production')}, not v0.1.1")
    if wrong:
        raise SlogateError("the tour did not end as expected: " + "; ".join(wrong))


def workdir_note(workdir: Path) -> str:
    """Where the logs are, for when something went wrong."""
    return f"logs: {workdir}/server.log, {workdir}/prometheus/prometheus.log, {workdir}/slogate/deployments/"
