"""The ``local`` executor with several replicas: its processes live on one host, so a task whose
replica died is not taken over by another replica; it ends with a message naming the dead one."""

from __future__ import annotations

from slogate.adapters.executors.local_deploy import LocalDeployExecutor
from tests.integration.executors.local_service import request


def test_a_task_of_a_dead_replica_is_not_taken_over_and_the_message_names_the_replica() -> None:
    assert LocalDeployExecutor.host_bound is True
    message = LocalDeployExecutor.takeover_problem(request("deployment", "v2"), "host-a:8080")
    assert message.startswith("the replica host-a:8080 died while the local executor ran task deployment")
    assert "job, webhook or a remote executor" in message
    assert "docs/executors.md" in message
