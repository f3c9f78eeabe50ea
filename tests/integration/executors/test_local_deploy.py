"""The local executor with a real tiny HTTP service: deploy, redeploy, failures, rollback, cleanup."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from slogate.adapters.executors import local_deploy
from slogate.adapters.executors.local_deploy import (
    DeploymentConfig,
    LocalDeployExecutor,
    create,
    load_config,
    prometheus_scrape_config,
)
from slogate.errors import InputError
from slogate.ports.executors import ERRORED, FAIL, PASS, SUCCEEDED, WARNING, ExecutorEnvironment, TaskRequest
from tests.support.yaml_bombs import billion_laughs

from .conftest import IMAGE, Context, alive, event, free_port, gone, pids_in
from .local_service import Setup, action, deployment_yaml, history, request, run


def test_deploy_starts_the_service_and_reports_keptns_deployment_block(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    setup = Setup(service_script, tmp_path)

    async def scenario(executor: LocalDeployExecutor) -> None:
        result = await executor.run(request("deployment"), setup.context)
        url = f"http://127.0.0.1:{setup.port}"
        assert (result.status, result.result) == (SUCCEEDED, PASS), result.message
        assert result.message == f"Successfully deployed {IMAGE.format(version='v1')} to {url}"
        assert result.data == {
            "deployment": {
                "deploymentstrategy": "direct",
                "deploymentNames": ["direct"],
                "deploymentURIsLocal": [url],
                "deploymentURIsPublic": [url],
                "gitCommit": "abc123",
                "image": IMAGE.format(version="v1"),
            }
        }
        answer = await asyncio.to_thread(setup.answer)
        assert answer["version"] == "v1"
        assert answer["greeting"] == "hello qa"

    run(environment, scenario)


def test_a_redeploy_replaces_the_process(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    setup = Setup(service_script, tmp_path)

    async def scenario(executor: LocalDeployExecutor) -> None:
        assert (await executor.run(request("deployment", "v1"), setup.context)).status == SUCCEEDED
        first = (await asyncio.to_thread(setup.answer))["pid"]
        assert (await executor.run(request("deployment", "v2"), setup.context)).status == SUCCEEDED
        answer = await asyncio.to_thread(setup.answer)
        assert answer["version"] == "v2"
        assert answer["pid"] != first
        assert gone(first)

    run(environment, scenario)


def test_a_crash_at_start_is_errored_with_the_tail_of_its_output(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    setup = Setup(service_script, tmp_path, env={"CRASH_AT_START": "1"})

    async def scenario(executor: LocalDeployExecutor) -> None:
        result = await executor.run(request("deployment"), setup.context)
        assert (result.status, result.result) == (ERRORED, FAIL)
        assert "exited with code 3 before" in result.message
        assert "boom: crashing at start as asked" in result.message
        assert "starting v1 on" in result.message

    run(environment, scenario)
    assert [entry["outcome"] for entry in history(environment)] == ["failed"]


def test_a_service_that_never_gets_healthy_is_stopped(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    setup = Setup(service_script, tmp_path, env={"NEVER_HEALTHY": "1"}, startTimeout="0.5s")

    async def scenario(executor: LocalDeployExecutor) -> None:
        result = await executor.run(request("deployment"), setup.context)
        assert result.status == ERRORED
        assert f"http://127.0.0.1:{setup.port}/health did not answer 2xx within 0.5s" in result.message
        assert "the process was stopped" in result.message
        [pid] = pids_in(setup.pid_log)
        assert gone(pid)

    run(environment, scenario)


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        ("rolling", "The deployment strategy rolling is invalid"),
        ("user_managed", "The deployment strategy user_managed is not supported by the local executor"),
        ("blue_green_service", "only the direct strategy"),
    ],
)
def test_strategies_other_than_direct_are_errored(
    environment: ExecutorEnvironment, strategy: str, message: str
) -> None:
    async def scenario(executor: LocalDeployExecutor) -> None:
        result = await executor.run(
            request("deployment", deployment={"deploymentstrategy": strategy}), Context()
        )
        assert result.status == ERRORED
        assert message in result.message

    run(environment, scenario)


def test_a_missing_deployment_yaml_says_what_to_add(environment: ExecutorEnvironment) -> None:
    async def scenario(executor: LocalDeployExecutor) -> None:
        result = await executor.run(request("deployment"), Context())
        assert result.status == ERRORED
        assert result.message == (
            "no slogate/deployment.yaml for service hello in stage qa: "
            "add one with `command` and `port` (see docs/executors.md)"
        )

    run(environment, scenario)


def test_an_unknown_template_name_is_errored_with_the_known_names(environment: ExecutorEnvironment) -> None:
    context = Context({"slogate/deployment.yaml": "command: [app, --colour, '{colour}']\nport: 9\n"})

    async def scenario(executor: LocalDeployExecutor) -> None:
        result = await executor.run(request("deployment"), context)
        assert result.status == ERRORED
        assert "slogate/deployment.yaml `command`: unknown template name {colour}" in result.message
        assert all(name in result.message for name in ("{port}", "{python}", "{service}", "{version}"))

    run(environment, scenario)


def test_deployment_without_an_image_and_unknown_tasks_are_errored(environment: ExecutorEnvironment) -> None:
    async def scenario(executor: LocalDeployExecutor) -> None:
        result = await executor.run(request("deployment", version=""), Context())
        assert result.message == "deployment.triggered carries no configurationChange.values.image"
        other = await executor.run(request("test"), Context())
        assert other.status == ERRORED
        assert "cannot run the task 'test'" in other.message

    run(environment, scenario)


def test_a_missing_command_and_a_busy_port_are_errored(environment: ExecutorEnvironment) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        busy = listener.getsockname()[1]
        missing = Context(
            {"slogate/deployment.yaml": f"command: [no-such-program-here]\nport: {free_port()}\n"}
        )
        taken = Context({"slogate/deployment.yaml": f"command: ['{{python}}', '-V']\nport: {busy}\n"})

        async def scenario(executor: LocalDeployExecutor) -> None:
            not_found = await executor.run(request("deployment"), missing)
            assert not_found.message.startswith("command not found: no-such-program-here")
            in_use = await executor.run(request("deployment"), taken)
            assert in_use.status == ERRORED
            assert f"port {busy} on 127.0.0.1 is in use" in in_use.message

        run(environment, scenario)


@pytest.mark.parametrize(
    "rollback", [request("rollback", "v2"), action("rollback")], ids=["rollback task", "rollback action"]
)
def test_rollback_restores_the_previous_version(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path, rollback: TaskRequest
) -> None:
    setup = Setup(service_script, tmp_path)

    async def scenario(executor: LocalDeployExecutor) -> None:
        await executor.run(request("deployment", "v1"), setup.context)
        await executor.run(request("deployment", "v2"), setup.context)
        result = await executor.run(rollback, setup.context)
        old, new = IMAGE.format(version="v1"), IMAGE.format(version="v2")
        assert (result.status, result.result) == (SUCCEEDED, PASS), result.message
        assert result.message == f"Rolled back hello in qa from {new} to {old}"
        assert result.data["deployment"]["deploymentURIsLocal"] == [f"http://127.0.0.1:{setup.port}"]
        assert result.data["deployment"]["image"] == old  # what runs now, for the catalog
        assert (await asyncio.to_thread(setup.answer))["version"] == "v1"

    run(environment, scenario)
    entries = history(environment)
    assert [entry["outcome"] for entry in entries] == ["deployed", "deployed", "rolled back"]
    last = entries[-1]
    assert (last["outcome"], last["version"], last["rolledBackFrom"]) == (
        "rolled back",
        "v1",
        IMAGE.format(version="v2"),
    )


def test_rollback_with_nothing_earlier_is_errored(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    setup = Setup(service_script, tmp_path)

    async def scenario(executor: LocalDeployExecutor) -> None:
        await executor.run(request("deployment", "v1"), setup.context)
        result = await executor.run(request("rollback", "v1"), setup.context)
        assert result.status == ERRORED
        assert result.message == "nothing to roll back to: hello in qa has no earlier successful deployment"
        assert (await asyncio.to_thread(setup.answer))["version"] == "v1"

    run(environment, scenario)


def test_history_records_deploys_releases_failures_and_rollback_skips_the_failed_build(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    good = Setup(service_script, tmp_path)
    crashing = Context(
        {
            "slogate/deployment.yaml": deployment_yaml(
                service_script, good.port, good.pid_log, env={"CRASH_AT_START": "1"}
            )
        }
    )

    async def scenario(executor: LocalDeployExecutor) -> None:
        await executor.run(request("deployment", "v1"), good.context)
        released = await executor.run(request("release", "v1", result=WARNING), good.context)
        assert (released.status, released.result) == (SUCCEEDED, WARNING)
        assert (
            released.message
            == f"release of {IMAGE.format(version='v1')}: nothing to do for the direct strategy"
        )
        assert (await executor.run(request("deployment", "v2"), crashing)).status == ERRORED
        restored = await executor.run(request("rollback", "v2"), good.context)
        assert restored.status == SUCCEEDED, restored.message
        assert (await asyncio.to_thread(good.answer))["version"] == "v1"

    run(environment, scenario)
    entries = history(environment)
    assert [(entry["version"], entry["outcome"]) for entry in entries] == [
        ("v1", "deployed"),
        ("v1", "released"),
        ("v2", "failed"),
        ("v1", "rolled back"),
    ]
    assert entries[0]["image"] == IMAGE.format(version="v1")
    assert entries[0]["keptnContext"] == "ctx-1"
    assert entries[0]["triggeredId"] == "deployment-v1-qa"
    assert entries[0]["time"].endswith("Z")


def test_prometheus_targets_file_and_scrape_config(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    setup = Setup(service_script, tmp_path)

    async def scenario(executor: LocalDeployExecutor) -> None:
        assert (await executor.run(request("deployment"), setup.context)).status == SUCCEEDED

    run(environment, scenario)
    targets_dir = environment.data_dir / "prometheus" / "targets"
    assert json.loads((targets_dir / "hello-demo-qa.json").read_text()) == [
        {"targets": [f"127.0.0.1:{setup.port}"], "labels": {"job": "hello-demo-qa"}}
    ]
    assert prometheus_scrape_config(targets_dir) == {
        "job_name": "slogate-deployments",
        "scrape_interval": "5s",
        "scrape_timeout": "3s",
        "metrics_path": "/metrics",
        "file_sd_configs": [{"files": [str(targets_dir / "*.json")], "refresh_interval": "1s"}],
    }
    assert prometheus_scrape_config(targets_dir, "1s")["scrape_timeout"] == "1s"


def test_the_target_is_announced_to_prometheus_before_the_service_starts(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    """Prometheus acts on discovery files every 5 s: announced only once healthy, a stage's first load test
    would go unscraped for seconds."""
    setup = Setup(service_script, tmp_path, env={"NEVER_HEALTHY": "1"}, startTimeout="0.3s")

    async def scenario(executor: LocalDeployExecutor) -> None:
        assert (await executor.run(request("deployment"), setup.context)).status == ERRORED

    run(environment, scenario)
    targets = environment.data_dir / "prometheus" / "targets" / "hello-demo-qa.json"
    assert json.loads(targets.read_text())[0]["targets"] == [f"127.0.0.1:{setup.port}"]


def test_aclose_stops_every_process_even_one_that_ignores_sigterm(
    environment: ExecutorEnvironment, service_script: Path, tmp_path: Path
) -> None:
    pid_log = tmp_path / "pids.txt"
    qa, production = free_port(), free_port()
    text = deployment_yaml(service_script, qa, pid_log, env={"IGNORE_TERM": "1"})
    document = yaml.safe_load(text)
    document["ports"] = {"production": production}
    context = Context({"slogate/deployment.yaml": yaml.safe_dump(document)})

    async def scenario(executor: LocalDeployExecutor) -> None:
        for stage in ("qa", "production"):
            result = await executor.run(TaskRequest(event("deployment", stage=stage), "deployment"), context)
            assert result.status == SUCCEEDED, result.message
        assert result.message.endswith(f"127.0.0.1:{production}")
        assert all(alive(pid) for pid in pids_in(pid_log))

    run(environment, scenario, stop_grace=0.3)
    pids = pids_in(pid_log)
    assert len(pids) == 2
    assert all(gone(pid) for pid in pids)


def test_config_defaults_come_from_the_task_config_and_the_file_overrides_them() -> None:
    defaults = {
        "command": ["{python}", "app.py"],
        "ports": {"qa": 9001},
        "health": "/ready",
        "startTimeout": 5,
    }
    inherited = load_config(defaults, "env: {A: b}\n", "qa", "hello")
    assert (inherited.command, inherited.port, inherited.health, inherited.start_timeout) == (
        ("{python}", "app.py"),
        9001,
        "/ready",
        5.0,
    )
    assert inherited.env == (("A", "b"),)
    assert load_config(defaults, "port: 9100\n", "qa", "hello").port == 9100  # the file's port wins


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port: 9000\n", "slogate/deployment.yaml: `command` is missing"),
        ("command: [a]\nport: 70000\n", "slogate/deployment.yaml `port`: 70000 is not a TCP port"),
        ("command: [a]\nports: {production: 1}\n", "no port for stage qa"),
        ("command: [a]\nport: 1\nhealth: ready\n", "slogate/deployment.yaml `health`: 'ready' is not a path"),
        ("command: [a]\nport: 1\nstartTimeout: soon\n", "`startTimeout`: 'soon' is not a positive duration"),
        ("command: [a]\nport: 1\nreplicas: 2\n", "unknown field `replicas`"),
        ("command: a\nport: 1\n", "`command`: expected a non-empty list"),
        ("[1, 2]\n", "expected a mapping"),
        ("command: [\n", "is not valid YAML"),
    ],
)
def test_invalid_deployment_files_name_the_file_and_field(text: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        load_config({}, text, "qa", "hello")
    assert message in raised.value.message


def test_create_builds_the_local_executor(environment: ExecutorEnvironment) -> None:
    executor = create(environment)
    assert executor.name == "local"
    assert isinstance(executor, LocalDeployExecutor)


def test_deployment_yaml_is_parsed_off_the_event_loop(
    environment: ExecutorEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop: list[bool] = []

    def spying(defaults: Any, text: str | None, stage: str, service: str) -> DeploymentConfig:
        on_loop.append(threading.current_thread() is threading.main_thread())
        return load_config(defaults, text, stage, service)

    monkeypatch.setattr(local_deploy, "load_config", spying)

    async def scenario(executor: LocalDeployExecutor) -> None:
        result = await executor.run(
            request("deployment"), Context({"slogate/deployment.yaml": billion_laughs()})
        )
        assert result.status == ERRORED
        assert "is not valid YAML: more than the limit of 250000 nodes" in result.message

    run(environment, scenario)
    assert on_loop == [False]
