"""The local executor after a killed server: the next deployment stops the stage's orphaned process."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from slogate.adapters.executors import processes
from slogate.adapters.executors.local_deploy import PID_FILE, LocalDeployExecutor
from slogate.ports.executors import SUCCEEDED, ExecutorEnvironment

from .conftest import alive, gone
from .local_service import Setup, request


def test_a_deployment_after_a_killed_server_stops_the_process_that_server_started(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    setup = Setup(service_script, tmp_path)

    async def scenario() -> None:
        killed = LocalDeployExecutor(environment, stop_grace=2.0, poll_interval=0.05)
        assert (await killed.run(request("deployment", "v1"), setup.context)).status == SUCCEEDED
        orphan = (await asyncio.to_thread(setup.answer))["pid"]
        # the server dies without aclose(): the process lives on; a new server's executor takes over
        after = LocalDeployExecutor(environment, stop_grace=2.0, poll_interval=0.05)
        try:
            result = await after.run(request("deployment", "v1"), setup.context)
            assert result.status == SUCCEEDED, result.message
            answer = await asyncio.to_thread(setup.answer)
            assert answer["pid"] != orphan
            assert gone(orphan)
        finally:
            await after.aclose()
            await killed.aclose()

    asyncio.run(scenario())


def test_a_recorded_pid_that_is_another_process_now_is_left_alone(tmp_path: Path) -> None:
    record = tmp_path / PID_FILE
    record.write_text(f"{os.getpid()} 1\n")  # our pid, but not the start time it had then
    assert processes.stop_recorded(record, 0.1) is False
    assert alive(os.getpid())
    assert processes.stop_recorded(tmp_path / "missing.pid", 0.1) is False
    record.write_text("garbage")
    assert processes.stop_recorded(record, 0.1) is False
    assert processes.process_identity(2**22 + 7) == ""
