"""Three real ``slogate server`` replicas on one real PostgreSQL; the one running the executors is
SIGKILLed mid-task: every delivery still finishes, no task runs twice except those it was running
(then once more, with the same triggeredid), and the killed replica comes back and takes work again.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.delivery import CONTROL_PLANE, b64
from tests.support.postgres import PostgresServer, needs_postgres
from tests.support.server_process import ServerProcess, shared_key_dir

pytestmark = [pytest.mark.slow, needs_postgres]

TOKEN = "replica-token-" + "0123456789abcdef" * 2
PROJECT = "replicas"
SERVICES = ("svc0", "svc1", "svc2")
DELIVERIES = 9  # three per service, queued behind each other
WORK_SECONDS = 1.0  # how long each task's command runs
TAKEOVER_LIMIT = 30.0  # seconds from the kill until another replica runs the executors
FINISH_TIMEOUT = 180.0  # for every delivery to end (generous: a loaded 2-core machine)
EXECUTORS = "slogate-executors"
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: replicas}
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks: [{name: deployment}, {name: test}]
    - name: prod
      sequences:
        - name: delivery
          triggeredOn: [{event: dev.delivery.finished}]
          tasks: [{name: deployment}, {name: test}]
"""


class Replica(ServerProcess):
    """A ``slogate server`` process with its own port and data dir, on the shared database and keys."""

    def holds(self) -> set[str]:
        """The listeners this replica runs, from its /metrics."""
        with self.client() as api:
            text = api.get("/metrics").text
        return set(re.findall(r'slogate_leases_held\{listener="([^"]+)"\} 1\.0', text))


@pytest.fixture
def replicas(tmp_path: Path, postgres_server: PostgresServer) -> Iterator[list[Replica]]:
    url = postgres_server.url(postgres_server.create_database())
    keys = shared_key_dir(tmp_path)
    started = [Replica(tmp_path, f"replica-{number}", TOKEN, url, keys) for number in range(3)]
    try:
        for replica in started:
            replica.start()
        yield started
    finally:
        for replica in started:
            replica.stop()
        for replica in started:
            if replica.log.exists():
                print(f"--- {replica.name}\n{replica.log.read_text()[-6000:]}")


def onboard(api: httpx.Client, runs: Path) -> None:
    response = api.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(SHIPYARD)})
    assert response.status_code == 201, response.text
    for service in SERVICES:
        response = api.post(f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": service})
        assert response.status_code == 200, response.text
    command = f"echo {{keptnContext}} {{stage}} {{task}} {{triggeredId}} $SLOGATE_TRIGGERED_ID >> {runs}"
    job = (
        f'{{executor: job, config: {{command: "{command}; sleep {WORK_SECONDS}", shell: true, rerun: true}}}}'
    )
    executors = f"tasks:\n  deployment: {job}\n  test: {job}\n"
    resource = {"resourceURI": "slogate/executors.yaml", "resourceContent": b64(executors)}
    response = api.post(
        f"/api/resource-service/v1/project/{PROJECT}/resource", json={"resources": [resource]}
    )
    assert response.status_code == 201, response.text


def trigger(api: httpx.Client, service: str, number: int) -> str:
    data = {"project": PROJECT, "stage": "dev", "service": service}
    data["configurationChange"] = {"values": {"image": f"example/{service}:v{number}"}}  # type: ignore[assignment]
    event = {
        "type": "sh.keptn.event.dev.delivery.triggered",
        "source": "e2e",
        "specversion": "1.0",
        "data": data,
    }
    response = api.post("/api/v1/event", json=event)
    assert response.status_code == 200, response.text
    context: str = response.json()["keptnContext"]
    return context


def events_of(api: httpx.Client, context: str) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {"keptnContext": context, "pageSize": 100}
    response = api.get("/api/mongodb-datastore/event", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["events"]
    return found[::-1]


def runs_of(runs: Path) -> list[list[str]]:
    return [line.split() for line in runs.read_text().splitlines()] if runs.exists() else []


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``check()`` held; fails after ``timeout``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.2)
    return time.monotonic() - start


def finished(api: httpx.Client, context: str) -> bool:
    types = [event["type"] for event in events_of(api, context)]
    return "sh.keptn.event.prod.delivery.finished" in types


def open_sequences(api: httpx.Client) -> list[str]:
    response = api.get(f"{CONTROL_PLANE}/sequence/{PROJECT}", params={"pageSize": 100})
    assert response.status_code == 200, response.text
    return [state["shkeptncontext"] for state in response.json()["states"] if state["state"] != "finished"]


def check_context(events: list[dict[str, Any]]) -> None:
    """Both stages passed; every task trigger has a ``.started`` and a ``.finished``."""
    by_type = Counter(event["type"] for event in events)
    for stage in ("dev", "prod"):
        ends = [e for e in events if e["type"] == f"sh.keptn.event.{stage}.delivery.finished"]
        assert len(ends) == 1, by_type
        assert ends[0]["data"]["result"] == "pass", ends[0]
    tasks = [e for e in events if e["type"].endswith(".triggered") and ".delivery." not in e["type"]]
    assert len(tasks) == 4, by_type  # deployment and test in two stages
    for task in tasks:
        answers = [e["type"].rsplit(".", 1)[1] for e in events if e.get("triggeredid") == task["id"]]
        assert "started" in answers, (task, answers)
        assert "finished" in answers, (task, answers)


def test_three_replicas_survive_the_sigkill_of_the_one_running_the_executors(
    replicas: list[Replica], tmp_path: Path
) -> None:
    runs = tmp_path / "runs.txt"
    with replicas[0].client() as api:
        onboard(api, runs)
    contexts = []
    for number in range(DELIVERIES):
        with replicas[number % 3].client() as api:  # deliveries come in through every replica
            contexts.append(trigger(api, SERVICES[number % len(SERVICES)], number))
    wait_for(lambda: len(runs_of(runs)) >= 4, 60, "tasks to run")
    victim = next(replica for replica in replicas if EXECUTORS in replica.holds())
    seen = len(runs_of(runs))
    wait_for(lambda: len(runs_of(runs)) > seen, 30, "a task to start")  # one is surely in flight
    victim.kill()
    survivors = [replica for replica in replicas if replica is not victim]
    takeover = wait_for(
        lambda: any(EXECUTORS in replica.holds() for replica in survivors), TAKEOVER_LIMIT, "a takeover"
    )
    print(f"the executors were taken over {takeover:.1f} s after the kill")
    victim.start()  # the killed replica comes back (its leases are held by the others now)
    with survivors[0].client() as api:
        wait_for(lambda: all(finished(api, context) for context in contexts), FINISH_TIMEOUT, "deliveries")
        assert open_sequences(api) == []
        reruns = set()
        for context in contexts:
            events = events_of(api, context)
            check_context(events)
            reruns |= {e["triggeredid"] for e in events if e["data"].get("recovery") == "rerun"}
    lines = runs_of(runs)
    assert all(line[3] == line[4] for line in lines), "the job got the task's triggeredid"
    counts = Counter(line[3] for line in lines)
    assert len(counts) == DELIVERIES * 4
    assert {task for task, count in counts.items() if count > 1} <= reruns
    assert max(counts.values()) <= 2
    assert {line[0] for line in lines} == set(contexts)

    # the killed replica takes work again: the others stop cleanly, it runs everything
    for replica in survivors:
        replica.stop()
    wait_for(lambda: EXECUTORS in victim.holds(), TAKEOVER_LIMIT, "the restarted replica to take over")
    with victim.client() as api:
        last = trigger(api, SERVICES[0], 99)
        wait_for(lambda: finished(api, last), 60, "a delivery on the restarted replica")
        check_context(events_of(api, last))
    assert Counter(line[0] for line in runs_of(runs))[last] == 4
