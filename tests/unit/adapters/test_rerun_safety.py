"""Which built-in executors run a task again after a server crash (docs/executors.md, "After a crash")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slogate.adapters.executors.job import JobExecutor, prepare
from slogate.adapters.executors.load_test import LoadTestExecutor
from slogate.adapters.executors.local_deploy import LocalDeployExecutor
from slogate.adapters.executors.webhook import WebhookExecutor
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import InputError
from slogate.ports.executors import TaskRequest

EVENT = KeptnEvent(
    id="t-1",
    type="sh.keptn.event.deployment.triggered",
    source="shipyard-controller",
    time=datetime(2026, 12, 6, tzinfo=UTC),
    shkeptncontext="ctx",
    data={"project": "p", "stage": "qa", "service": "s"},
)


def request(task: str = "deployment", **config: Any) -> TaskRequest:
    return TaskRequest(EVENT, task, config)


@pytest.mark.parametrize("task", ["deployment", "release", "rollback"])
def test_local_tasks_are_rerun(task: str) -> None:
    assert LocalDeployExecutor.rerun_safe(request(task)) is True


def test_a_load_test_is_rerun() -> None:
    assert LoadTestExecutor.rerun_safe(request("test", users=2)) is True


def test_a_webhook_is_never_rerun() -> None:
    assert WebhookExecutor.rerun_safe(request("test", subscriptionID="x")) is False


def test_a_job_is_rerun_only_when_its_config_says_so() -> None:
    command = ["true"]
    assert JobExecutor.rerun_safe(request(command=command)) is False
    assert JobExecutor.rerun_safe(request(command=command, rerun=False)) is False
    assert JobExecutor.rerun_safe(request(command=command, rerun=True)) is True
    assert prepare(request(command=command, rerun=True)).argv == ("true",)


@pytest.mark.parametrize("flag", ["rerun", "shell"])
def test_a_job_flag_that_is_not_a_boolean_is_named(flag: str) -> None:
    with pytest.raises(InputError) as raised:
        prepare(request(command=["true"], **{flag: "yes"}))
    assert raised.value.message == (
        f"slogate/executors.yaml tasks.deployment.config `{flag}`: 'yes' is not true or false"
    )
