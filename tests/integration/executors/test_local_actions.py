"""The local executor carrying out a remediation's ``action`` task: ``restart`` on a real tiny service,
and any other action refused with the known ones named (the ``rollback`` action: test_local_deploy)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from slogate.adapters.executors.local_deploy import LocalDeployExecutor
from slogate.ports.executors import ERRORED, PASS, SUCCEEDED, ExecutorEnvironment

from .conftest import IMAGE, Context, alive, gone, pids_in
from .local_service import Setup, action, history, request, run


def test_restart_starts_the_running_version_anew(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    setup = Setup(service_script, tmp_path)

    async def scenario(executor: LocalDeployExecutor) -> None:
        await executor.run(request("deployment", "v1"), setup.context)
        await executor.run(request("deployment", "v2"), setup.context)
        before = (await asyncio.to_thread(setup.answer))["pid"]
        result = await executor.run(action("restart"), setup.context)
        assert (result.status, result.result) == (SUCCEEDED, PASS), result.message
        assert result.message == f"Restarted {IMAGE.format(version='v2')} of hello in qa"
        assert result.data["deployment"]["deploymentURIsLocal"] == [f"http://127.0.0.1:{setup.port}"]
        answer = await asyncio.to_thread(setup.answer)
        assert (answer["version"], answer["pid"] != before) == ("v2", True)
        assert gone(before)
        # a restart is no deployment to roll back to: the rollback still goes to v1
        rolled = await executor.run(action("rollback"), setup.context)
        assert rolled.message.endswith(f"to {IMAGE.format(version='v1')}"), rolled.message

    run(environment, scenario)
    outcomes = [(entry["outcome"], entry["version"]) for entry in history(environment)]
    assert outcomes == [("deployed", "v1"), ("deployed", "v2"), ("restarted", "v2"), ("rolled back", "v1")]


def test_restart_brings_back_a_process_that_died(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    setup = Setup(service_script, tmp_path)

    async def scenario(executor: LocalDeployExecutor) -> None:
        await executor.run(request("deployment", "v1"), setup.context)
        [dead] = pids_in(setup.pid_log)
        os.kill(dead, signal.SIGKILL)
        assert gone(dead)
        result = await executor.run(action("restart"), setup.context)
        assert result.status == SUCCEEDED, result.message
        answer = await asyncio.to_thread(setup.answer)
        assert answer["version"] == "v1"
        assert alive(answer["pid"])

    run(environment, scenario)


def test_restart_without_a_deployment_is_errored(environment: ExecutorEnvironment) -> None:
    async def scenario(executor: LocalDeployExecutor) -> None:
        result = await executor.run(action("restart"), Context())
        assert result.status == ERRORED
        assert result.message == "nothing to restart: hello in qa has no deployment"

    run(environment, scenario)


@pytest.mark.parametrize("verb", ["scaling", "", "Restart", "restart; rm -rf /"])
def test_an_unknown_action_is_errored_naming_the_known_ones_and_touches_nothing(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path, verb: str
) -> None:
    setup = Setup(service_script, tmp_path)

    async def scenario(executor: LocalDeployExecutor) -> None:
        await executor.run(request("deployment", "v1"), setup.context)
        before = (await asyncio.to_thread(setup.answer))["pid"]
        result = await executor.run(action(verb), setup.context)
        assert result.status == ERRORED
        assert result.message == (
            f"the local executor cannot carry out the action {verb!r}: it knows the actions restart, "
            "rollback; give other actions to the job or webhook executor in slogate/executors.yaml"
        )
        assert (await asyncio.to_thread(setup.answer))["pid"] == before

    run(environment, scenario)
