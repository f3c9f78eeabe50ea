"""Built-in executors chosen by ``slogate/executors.yaml`` run a whole delivery through the API."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from slogate.adapters.plugins import PluginRegistry
from slogate.adapters.yamlfile import load_plain
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import ConfigError
from slogate.ports.executors import ExecutorEnvironment, TaskContext, TaskRequest, TaskResult
from slogate.server_context import ServerContext
from slogate.services.keptn.executor_runner import SOURCE, ExecutorRunner
from tests.fakes import FakeClock
from tests.support.delivery import b64, create_project, delivery_server, events, settle, trigger_delivery

ALL_TASKS = (
    "tasks: {deployment: fake, test: {executor: fake, config: {users: 3}}, release: fake, rollback: fake}\n"
)


class FakeExecutor:
    """Answers every task with ``outcome(request, context)``; may wait on ``gate`` first."""

    def __init__(self, outcome: Callable[[TaskRequest, TaskContext], TaskResult]) -> None:
        self.name = "fake"
        self.outcome = outcome
        self.requests: list[TaskRequest] = []
        self.gate: asyncio.Event | None = None
        self.closed = False

    async def run(self, request: TaskRequest, context: TaskContext) -> TaskResult:
        self.requests.append(request)
        if self.gate is not None:
            await self.gate.wait()
        return self.outcome(request, context)

    async def aclose(self) -> None:
        self.closed = True


def deployed(request: TaskRequest, context: TaskContext) -> TaskResult:
    """Pass; a deployment says where it runs and which deployment.yaml it read."""
    data: dict[str, Any] = {}
    if request.task == "deployment":
        data["deployment"] = {
            "deploymentURIsLocal": ["http://127.0.0.1:9/"],
            "note": context.resource("note.txt"),
        }
    return TaskResult(message=f"{request.task} done", data=data)


Server = tuple[ServerContext, TestClient]


@pytest.fixture
def fake() -> FakeExecutor:
    return FakeExecutor(deployed)


@pytest.fixture
def server(tmp_path: Path, fake: FakeExecutor) -> Iterator[Server]:
    def lookup(name: str) -> FakeExecutor:
        if name != "fake":
            raise ConfigError(f"no plugin '{name}' in slogate.executors (installed: fake)")
        return fake

    with delivery_server(tmp_path / "data", executor_lookup=lookup) as (context, client, _):
        create_project(client)
        yield context, client


def upload(client: TestClient, uri: str, text: str, stage: str = "", service: str = "") -> None:
    path = "/api/resource-service/v1/project/fulltour"
    if stage:
        path += f"/stage/{stage}" + (f"/service/{service}" if service else "")
    response = client.post(
        f"{path}/resource", json={"resources": [{"resourceURI": uri, "resourceContent": b64(text)}]}
    )
    assert response.status_code == 201, response.text


def finished(client: TestClient, context: str, task: str) -> dict[str, Any]:
    (found,) = events(client, context, f"sh.keptn.event.{task}.finished")
    return dict(found["data"])


def test_the_configured_executor_runs_every_task_of_a_delivery(server: Server, fake: FakeExecutor) -> None:
    context, client = server
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    upload(client, "note.txt", "project note")
    upload(client, "note.txt", "service note", "qa", "helloservice")
    delivery = trigger_delivery(client, "v0.1.1")
    settle(context)
    assert finished(client, delivery, "production.delivery")["result"] == "pass"
    tasks = [(request.event.stage, request.task) for request in fake.requests]
    assert tasks == [
        ("qa", "deployment"),
        ("qa", "test"),
        ("qa", "release"),
        ("production", "deployment"),
        ("production", "release"),
    ]
    assert fake.requests[1].config == {"users": 3}
    deployments = events(client, delivery, "sh.keptn.event.deployment.finished")
    notes = sorted(event["data"]["deployment"]["note"] for event in deployments)
    assert notes == ["project note", "service note"]  # the most specific level wins
    test = finished(client, delivery, "test")
    assert (test["status"], test["result"], test["message"]) == ("succeeded", "pass", "test done")
    (started,) = events(client, delivery, "sh.keptn.event.test.started")
    assert started["source"] == SOURCE
    assert started["time"] <= events(client, delivery, "sh.keptn.event.test.finished")[0]["time"]


def test_without_executors_yaml_a_task_errors_at_once_for_want_of_an_executor(server: Server) -> None:
    context, client = server
    delivery = trigger_delivery(client, "v0.1.1")
    settle(context)
    qa = finished(client, delivery, "qa.delivery")
    assert (qa["status"], qa["result"]) == ("errored", "fail")
    assert "no executor takes sh.keptn.event.deployment.triggered" in qa["message"]


def test_a_service_can_turn_a_task_off_again(server: Server) -> None:
    context, client = server
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    upload(client, "slogate/executors.yaml", "tasks: {test: none}", "qa", "helloservice")
    delivery = trigger_delivery(client, "v0.1.1")
    settle(context)
    assert (
        "no executor takes sh.keptn.event.test.triggered"
        in finished(client, delivery, "qa.delivery")["message"]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tasks: [deployment]", "slogate/executors.yaml (project): tasks must be a mapping"),
        ("tasks: {deployment: [", "slogate/executors.yaml (project): not valid YAML"),
        ("tasks: {deployment: helm}", "tasks.deployment: no plugin 'helm' in slogate.executors"),
    ],
)
def test_a_broken_configuration_errors_the_task_with_what_is_wrong(
    server: Server, text: str, message: str
) -> None:
    context, client = server
    upload(client, "slogate/executors.yaml", text)
    delivery = trigger_delivery(client, "v0.1.1")
    settle(context)
    deployment = finished(client, delivery, "deployment")
    assert (deployment["status"], deployment["result"]) == ("errored", "fail")
    assert message in deployment["message"]
    assert finished(client, delivery, "qa.delivery")["status"] == "errored"


def test_an_executor_defect_errors_the_task_and_the_server_goes_on(
    server: Server, fake: FakeExecutor
) -> None:
    def broken(request: TaskRequest, context: TaskContext) -> TaskResult:
        raise RuntimeError("boom")

    context, client = server
    fake.outcome = broken
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")
    settle(context)
    deployment = finished(client, delivery, "deployment")
    assert deployment["message"] == "executor 'fake' failed: RuntimeError: boom"
    assert deployment["status"] == "errored"


def test_stopping_the_server_answers_running_tasks_and_closes_the_executors(
    server: Server, fake: FakeExecutor
) -> None:
    context, client = server
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")

    async def start_then_stop() -> None:
        fake.gate = asyncio.Event()  # the deployment never ends by itself
        while not fake.requests:
            await context.dispatcher.drain()
            await asyncio.sleep(0.01)
        await context.executors.aclose()

    asyncio.run(start_then_stop())
    deployment = finished(client, delivery, "deployment")
    assert deployment["status"] == "errored"
    assert "the server stopped while executor 'fake' ran the task" in deployment["message"]
    assert fake.closed
    settle(context)
    assert finished(client, delivery, "qa.delivery")["status"] == "errored"


def test_a_stopping_replica_leaves_its_running_tasks_to_the_one_that_takes_over(
    server: Server, fake: FakeExecutor
) -> None:
    """With several replicas a clean stop answers nothing: the replica that takes over the executors
    recovers the task (re-runs it once when safe) instead of the delivery ending errored."""
    context, client = server
    context.executors.hand_over = True
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")

    async def start_then_stop() -> None:
        fake.gate = asyncio.Event()
        while not fake.requests:
            await context.dispatcher.drain()
            await asyncio.sleep(0.01)
        await context.executors.aclose()

    asyncio.run(start_then_stop())
    assert events(client, delivery, "sh.keptn.event.deployment.finished") == []
    assert fake.closed


def test_a_host_bound_executors_task_is_not_taken_over_but_ends_naming_why(
    server: Server, fake: FakeExecutor
) -> None:
    """The local executor's processes live on the dead replica's host: the replica taking over ends
    its task errored with the executor's reason instead of re-running it elsewhere."""
    context, client = server
    context.executors.hand_over = True
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")
    fake.host_bound = True  # type: ignore[attr-defined]
    fake.takeover_problem = lambda request, replica: f"{request.task} stayed on the replica {replica}"  # type: ignore[attr-defined]
    fake.rerun_safe = lambda request: True  # type: ignore[attr-defined]

    async def start_stop_then_take_over() -> None:
        fake.gate = asyncio.Event()
        while not fake.requests:
            await context.dispatcher.drain()
            await asyncio.sleep(0.01)
        await context.executors.aclose()
        await context.executors.recover()

    asyncio.run(start_stop_then_take_over())
    deployment = finished(client, delivery, "deployment")
    assert (deployment["status"], deployment["message"]) == (
        "errored",
        "deployment stayed on the replica that ran it",
    )
    assert len(fake.requests) == 1  # not run again


def test_an_unknown_executor_name_is_a_config_error(tmp_path: Path) -> None:
    environment = ExecutorEnvironment(tmp_path, lambda: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigError, match=r"no plugin .helm. in slogate\.executors"):
        PluginRegistry(environment).executor("helm")


def test_an_executor_may_leave_the_finished_event_to_the_system_it_called(
    server: Server, fake: FakeExecutor
) -> None:
    """Like a webhook with ``sendFinished: false``: slogate sends ``.started``; the called system
    posts ``.finished`` itself."""
    context, client = server
    fake.finished_events = lambda request, task_context, result: 0 if request.task == "deployment" else 1  # type: ignore[attr-defined]
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")
    settle(context)
    assert len(events(client, delivery, "sh.keptn.event.deployment.started")) == 1
    assert events(client, delivery, "sh.keptn.event.deployment.finished") == []
    (triggered,) = events(client, delivery, "sh.keptn.event.deployment.triggered")
    answer = {
        "type": "sh.keptn.event.deployment.finished",
        "source": "the-called-system",
        "shkeptncontext": delivery,
        "triggeredid": triggered["id"],
        "data": {
            "project": "fulltour",
            "stage": "qa",
            "service": "helloservice",
            "result": "pass",
            "status": "succeeded",
        },
    }
    assert client.post("/api/v1/event", json=answer).status_code == 200
    settle(context)
    assert finished(client, delivery, "qa.delivery")["result"] == "pass"


def test_an_executor_may_send_no_started_event(server: Server, fake: FakeExecutor) -> None:
    context, client = server
    fake.started_events = lambda request, task_context: 0  # type: ignore[attr-defined]
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")
    settle(context)
    assert events(client, delivery, "sh.keptn.event.deployment.started") == []
    assert finished(client, delivery, "production.delivery")["result"] == "pass"


def test_a_changed_executors_yaml_applies_to_the_next_task(server: Server, fake: FakeExecutor) -> None:
    """The plan is remembered between tasks, and forgotten when any resource changes."""
    context, client = server
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    first = trigger_delivery(client, "v0.1.1")
    settle(context)
    assert finished(client, first, "production.delivery")["result"] == "pass"
    upload(client, "slogate/executors.yaml", "tasks: {test: none}", "qa", "helloservice")
    second = trigger_delivery(client, "v0.1.1")
    settle(context)
    assert (
        "no executor takes sh.keptn.event.test.triggered"
        in finished(client, second, "qa.delivery")["message"]
    )


# --- after a crash --------------------------------------------------------------------------------


@contextmanager
def restarted(data: Path, fake: FakeExecutor) -> Iterator[Server]:
    """The server again on the same data directory, with ``fake`` as its executor, recovered: its
    re-runs have ended, unless ``fake`` has a gate (then they are killed again)."""

    def lookup(name: str) -> FakeExecutor:
        return fake

    async def recover(context: ServerContext) -> None:
        await context.executors.recover()
        if fake.gate is None:
            await context.executors.idle()

    with delivery_server(data, executor_lookup=lookup) as (context, client, _):
        asyncio.run(recover(context))
        yield context, client


def kill_while_running(context: ServerContext, fake: FakeExecutor) -> None:
    """Deliver until ``fake`` runs a task that never ends by itself, then stop everything as a
    SIGKILL would: the task is cancelled and nothing answers it (no ``aclose``)."""
    fake.gate = asyncio.Event()
    already = len(fake.requests)

    async def run_until_started() -> None:
        while len(fake.requests) == already:
            await context.dispatcher.drain()
            await asyncio.sleep(0.01)

    asyncio.run(run_until_started())


def rerun_safe(fake: FakeExecutor) -> FakeExecutor:
    fake.rerun_safe = lambda request: True  # type: ignore[attr-defined]
    return fake


def test_a_task_running_when_the_server_was_killed_runs_once_more_and_the_sequence_ends(
    tmp_path: Path, server: Server, fake: FakeExecutor
) -> None:
    context, client = server
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")
    kill_while_running(context, rerun_safe(fake))
    assert [request.task for request in fake.requests] == ["deployment"]
    after = rerun_safe(FakeExecutor(deployed))
    with restarted(tmp_path / "data", after) as (context, client):
        settle(context)
        assert finished(client, delivery, "production.delivery")["result"] == "pass"
        trigger = events(client, delivery, "sh.keptn.event.deployment.triggered")[-1]  # oldest last
        assert trigger["data"]["stage"] == "qa"
        assert after.requests[0].event.id == trigger["id"]  # the same task, not a new one
        tasks = [(request.event.stage, request.task) for request in after.requests]
        assert tasks.count(("qa", "deployment")) == 1
        assert len(events(client, delivery, "sh.keptn.event.deployment.started")) == 2  # qa, production
        (record,) = events(client, delivery, "sh.keptn.log.error")
        assert record["triggeredid"] == trigger["id"]
        assert record["data"]["message"] == (
            "the server was killed while executor 'fake' ran task deployment; running it once more "
            "(it is safe to repeat)"
        )
        assert asyncio.run(context.executors.recover()) == []  # finished: nothing to recover


def test_a_task_killed_again_during_its_rerun_is_not_run_a_third_time(
    tmp_path: Path, server: Server, fake: FakeExecutor
) -> None:
    context, client = server
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")
    kill_while_running(context, rerun_safe(fake))
    second = rerun_safe(FakeExecutor(deployed))
    second.gate = asyncio.Event()  # the re-run hangs too: the server is killed again
    with restarted(tmp_path / "data", second) as (context, client):
        assert [request.task for request in second.requests] == ["deployment"]
    third = rerun_safe(FakeExecutor(deployed))
    with restarted(tmp_path / "data", third) as (context, client):
        settle(context)
        assert third.requests == []
        deployment = finished(client, delivery, "deployment")
        assert (deployment["status"], deployment["result"]) == ("errored", "fail")
        assert deployment["message"] == (
            "the server was killed while executor 'fake' ran task deployment, and again while it ran "
            "the task once more; it is not run a third time: trigger the sequence again"
        )
        assert finished(client, delivery, "qa.delivery")["status"] == "errored"


def test_a_task_not_safe_to_repeat_ends_errored_after_the_restart_and_the_queue_moves_on(
    tmp_path: Path, server: Server, fake: FakeExecutor
) -> None:
    context, client = server
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    first = trigger_delivery(client, "v0.1.1")
    kill_while_running(context, fake)  # FakeExecutor has no rerun_safe: not safe
    second = trigger_delivery(client, "v0.1.2")  # queued behind the first
    after = FakeExecutor(deployed)
    with restarted(tmp_path / "data", after) as (context, client):
        settle(context)
        deployment = finished(client, first, "deployment")
        assert (deployment["status"], deployment["result"]) == ("errored", "fail")
        assert deployment["message"] == (
            "the server was killed while executor 'fake' ran task deployment; it is not run again "
            "because repeating it is not known to be safe: check what it did, then trigger the "
            "sequence again"
        )
        assert finished(client, first, "qa.delivery")["status"] == "errored"
        assert finished(client, second, "production.delivery")["result"] == "pass"
        assert all(request.event.shkeptncontext == second for request in after.requests)


def test_a_task_whose_called_system_finishes_it_keeps_waiting_after_the_restart(
    tmp_path: Path, server: Server, fake: FakeExecutor
) -> None:
    """Like a webhook with ``sendFinished: false``: whether the call was made is unknown, and the
    called system may still answer; the started-task timeout bounds the wait."""
    context, client = server
    fake.finished_events = lambda request, task_context, result: 0  # type: ignore[attr-defined]
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")
    kill_while_running(context, fake)
    after = FakeExecutor(deployed)
    after.finished_events = fake.finished_events  # type: ignore[attr-defined]
    with restarted(tmp_path / "data", after) as (context, client):
        settle(context)
        assert after.requests == []
        assert events(client, delivery, "sh.keptn.event.deployment.finished") == []
        assert events(client, delivery, "sh.keptn.event.qa.delivery.finished") == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("tasks: {deployment: [", "slogate/executors.yaml (project): not valid YAML"),
        (
            "tasks: {deployment: none}",
            "slogate/executors.yaml no longer gives the task to a built-in executor",
        ),
    ],
)
def test_a_task_whose_executor_is_no_longer_configured_ends_errored_after_the_restart(
    tmp_path: Path, server: Server, fake: FakeExecutor, text: str, problem: str
) -> None:
    context, client = server
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")
    kill_while_running(context, rerun_safe(fake))
    upload(client, "slogate/executors.yaml", text)
    after = rerun_safe(FakeExecutor(deployed))
    with restarted(tmp_path / "data", after) as (context, client):
        settle(context)
        assert after.requests == []
        message = finished(client, delivery, "deployment")["message"]
        assert message.startswith(
            "the server was killed while a built-in executor ran task deployment; it is not run "
            f"again because {problem}"
        )
        assert finished(client, delivery, "qa.delivery")["status"] == "errored"


def test_a_failing_recovery_is_logged_and_the_server_serves_anyway(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    context, client = server

    def lost() -> frozenset[str]:
        raise ConnectionError("database away")

    context.executors._open_tasks = lost
    assert asyncio.run(context.executors.recover()) == []
    assert "recovering the tasks running when the server stopped failed" in caplog.text
    assert client.get("/health").status_code == 200


def test_executors_yaml_is_parsed_off_the_event_loop() -> None:
    """Reading and parsing a project's executors.yaml never blocks the loop."""
    on_loop: list[bool] = []

    def spying(text: str, source: str) -> object:
        on_loop.append(threading.current_thread() is threading.main_thread())
        return load_plain(text, source)

    class Files:
        def read(self, project: str, stage: str, service: str, uri: str, revision: str = "") -> str | None:
            return "tasks: {deployment: fake}\n" if not stage else None

    def lookup(name: str) -> FakeExecutor:
        raise ConfigError(f"no plugin '{name}'")

    runner = ExecutorRunner(cast(Any, None), Files(), cast(Any, None), lookup, spying, FakeClock())
    event = KeptnEvent(
        id="t1",
        type="sh.keptn.event.deployment.triggered",
        source="test",
        time=datetime(2026, 11, 26, tzinfo=UTC),
        shkeptncontext="c1",
        data={"project": "fulltour", "stage": "qa", "service": "helloservice"},
    )
    _started, errored = asyncio.run(runner.handle(event))
    assert errored.data["message"].endswith("no plugin 'fake'")
    assert on_loop == [False]


def test_an_executor_may_split_a_task_into_deliveries_each_answered(
    server: Server, fake: FakeExecutor
) -> None:
    """As Keptn delivered an event once per matching subscription: each delivery runs with its own
    config, ``.started`` and ``.finished``; stopping the server answers each one still running."""
    context, client = server

    def two(request: TaskRequest, task_context: TaskContext) -> list[TaskRequest]:
        if request.task != "deployment":
            return [request]
        return [TaskRequest(request.event, request.task, {"part": part}) for part in (1, 2)]

    fake.deliveries = two  # type: ignore[attr-defined]
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    delivery = trigger_delivery(client, "v0.1.1")

    async def start_then_stop() -> None:
        fake.gate = asyncio.Event()  # neither deployment ends by itself
        for _ in range(500):  # until both run (a bound, not a timing assertion: the check follows)
            if len(fake.requests) >= 2:
                break
            await context.dispatcher.drain()
            await asyncio.sleep(0.01)
        await context.executors.aclose()

    asyncio.run(start_then_stop())
    assert sorted(request.config["part"] for request in fake.requests) == [1, 2]
    assert len(events(client, delivery, "sh.keptn.event.deployment.started")) == 2
    answers = events(client, delivery, "sh.keptn.event.deployment.finished")
    assert [answer["data"]["status"] for answer in answers] == ["errored", "errored"]


def test_recovery_passes_over_the_tasks_this_replica_is_still_running(
    server: Server, fake: FakeExecutor
) -> None:
    """A replica that takes the executors' lease again (e.g. after a database outage longer than the
    lease) runs recovery: its own tasks still running are not interrupted ones and do not run twice."""
    context, client = server
    upload(client, "slogate/executors.yaml", ALL_TASKS)
    trigger_delivery(client, "v0.1.1")
    rerun_safe(fake).gate = asyncio.Event()

    async def recover_while_running() -> list[str]:
        while not fake.requests:
            await context.dispatcher.drain()
            await asyncio.sleep(0.01)
        recovered = await context.executors.recover()
        assert fake.gate is not None
        fake.gate.set()
        await context.executors.idle()
        return recovered

    assert asyncio.run(recover_while_running()) == []
    assert [request.task for request in fake.requests] == ["deployment"]
