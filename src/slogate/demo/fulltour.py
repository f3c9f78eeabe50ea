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

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from slogate.errors import SlogateError

from .api import DemoApi
from .stack import DemoStack, free_port
from .watch import DeliveryWatch

PROJECT, SERVICE, IMAGE = "fulltour", "helloservice", "ghcr.io/podtato-head/podtatoserver"
STAGES = ("qa", "production")
VERSION = re.compile(r"\bv?(\d+\.\d+\.\d+)\b")


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


def set_up(api: DemoApi, ports: dict[str, int], test_seconds: float) -> None:
    """The tutorial's project, service and files, as ``keptn create``/``add-resource`` would."""
    api.create_project(PROJECT, data_file("fulltour-shipyard.yaml"))
    api.create_service(PROJECT, SERVICE)
    api.add_resource(PROJECT, "slogate/executors.yaml", executors_config(test_seconds))
    api.add_resource(PROJECT, "slogate/deployment.yaml", deployment_config(ports))
    api.add_resource(PROJECT, "prometheus/sli.yaml", data_file("sli.yaml"))
    for stage in STAGES:
        api.add_resource(PROJECT, "slo.yaml", data_file("slo.yaml"), stage, SERVICE)


def deliver(api: DemoApi, watch: DeliveryWatch, console: Console, build: Build, timeout: float) -> Outcome:
    """Trigger the delivery of ``build`` in qa and follow it to its end."""
    console.rule(Text(f"{build.version}: {build.story}", style="bold"))
    labels = {"image": IMAGE, "version": build.version, "buildId": build.version}
    keptn_context = api.trigger_delivery(PROJECT, "qa", SERVICE, f"{IMAGE}:{build.version}", labels)
    outcome = Outcome(build)
    for event in watch.follow(keptn_context, timeout):
        kind = str(event["type"]).split(".")
        data = event.get("data") or {}
        verdict = "errored" if data.get("status") == "errored" else str(data.get("result"))
        if len(kind) == 6 and kind[5] == "finished":
            outcome.results[f"{kind[3]}.{kind[4]}"] = verdict
        elif len(kind) == 5 and kind[4] == "finished" and kind[3] != "get-sli":
            outcome.tasks.append((str(data.get("stage")), kind[3], verdict, str(data.get("message", ""))))
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
    api = DemoApi(stack.server.url, stack.token)
    try:
        set_up(api, ports, test_seconds)
        console.print(Text(f"project {PROJECT}: stages qa (port {ports['qa']}) and production "
                           f"(port {ports['production']}), service {SERVICE}", style="dim"))  # fmt: skip
        watch = DeliveryWatch(api, console, PROJECT)
        timeout = 12 * test_seconds + 120
        outcomes = [deliver(api, watch, console, build, timeout) for build in builds]
    finally:
        api.close()
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
