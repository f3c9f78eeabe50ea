"""The local executor tests' service: its deployment.yaml, a per-test setup, and running a scenario."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from slogate.adapters.executors.local_deploy import LocalDeployExecutor
from slogate.ports.executors import ExecutorEnvironment, TaskRequest

from .conftest import Context, event, free_port

Scenario = Callable[[LocalDeployExecutor], Awaitable[None]]


def deployment_yaml(script: Path, port: int, pid_log: Path, **extra: Any) -> str:
    """The service's slogate/deployment.yaml starting ``script`` (extra keys and env entries merged in)."""
    env = {"PID_LOG": str(pid_log), "GREETING": "hello {stage}", **extra.pop("env", {})}
    document = {
        "command": ["{python}", str(script), "--port", "{port}", "--version", "{version}"],
        "port": port,
        "health": "/health",
        "startTimeout": "10s",
        "env": env,
        **extra,
    }
    return yaml.safe_dump(document)


class Setup:
    """One test's service: its port, pid log and task context."""

    def __init__(self, script: Path, tmp_path: Path, **extra: Any) -> None:
        self.port = free_port()
        self.pid_log = tmp_path / "pids.txt"
        self.context = Context(
            {"slogate/deployment.yaml": deployment_yaml(script, self.port, self.pid_log, **extra)}
        )

    def answer(self) -> dict[str, Any]:
        """What the running service answers on ``/``."""
        response = httpx.get(f"http://127.0.0.1:{self.port}/", timeout=2, trust_env=False)
        return dict(response.json())


def run(environment: ExecutorEnvironment, scenario: Scenario, stop_grace: float = 2.0) -> None:
    """Run ``scenario`` with a fresh executor, closing it in any case."""

    async def main() -> None:
        executor = LocalDeployExecutor(environment, stop_grace=stop_grace, poll_interval=0.05)
        try:
            await scenario(executor)
        finally:
            await executor.aclose()

    asyncio.run(main())


def request(task: str, version: str = "v1", **data: Any) -> TaskRequest:
    """A ``task`` request for ``version`` of the service (``data`` merged into the event)."""
    return TaskRequest(event(task, version, **data), task)


def history(environment: ExecutorEnvironment, stage: str = "qa") -> list[dict[str, str]]:
    """The service's deployment history in ``stage`` as the executor wrote it."""
    path = environment.data_dir / "deployments" / "demo" / stage / "hello" / "history.json"
    return list(json.loads(path.read_text()))


def action(verb: str, value: Any = "") -> TaskRequest:
    """An ``action.triggered`` of a remediation as the sequence sends it (no image, a problem)."""
    data: dict[str, Any] = {
        "action": {"name": f"do {verb}", "action": verb, "description": "", "value": value},
        "problem": {"ProblemTitle": "response_time_p95", "State": "OPEN"},
        "deployment": {"deploymentNames": ["primary"]},
    }
    return TaskRequest(event("action", "", **data), "action")
