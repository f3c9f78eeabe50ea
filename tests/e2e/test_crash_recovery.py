"""Deliveries through a real ``slogate server`` SIGKILLed again and again mid-task: every sequence ends."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_server import TOKEN, Server
from tests.support.delivery import CONTROL_PLANE, b64

pytestmark = pytest.mark.slow

PROJECT = "crashes"
SERVICES = tuple(f"svc{number}" for number in range(4))
DELIVERIES = 48  # twelve queued per service: a kill may end a running sequence of every service, so
# fewer could all be over before the eighth kill
KILLS = 8
WORK_SECONDS = 0.8  # how long each task's command runs
TIMEOUT = 90.0  # for every sequence to end once the kills are over (generous: a loaded 2-core machine)
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: crashes}
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks: [{name: deployment}, {name: test}, {name: release}]
"""
KILLED = "the server was killed while executor 'job' ran task "
TIMEOUT_MARK = "SLOGATE_STARTED_TASK_TIMEOUT"


def executors_yaml(runs: Path) -> str:
    """Every task is a ``job`` that notes its trigger id in ``runs`` and works a while; deployment and
    release are marked safe to run again, the test is not."""
    command = f"echo {{triggeredId}} {{task}} >> {runs}; sleep {WORK_SECONDS}"
    job = f'{{executor: job, config: {{command: "{command}", shell: true, rerun: %s}}}}'
    return f"tasks:\n  deployment: {job % 'true'}\n  test: {job % 'false'}\n  release: {job % 'true'}\n"


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A server on ``tmp_path/data`` whose started tasks end after 30 s (a backstop: recovery must
    end them first); stopped at the end, whichever process it is by then."""
    monkeypatch.setenv("SLOGATE_STARTED_TASK_TIMEOUT", "30")
    started = Server(tmp_path / "data", "http://127.0.0.1:9").start()
    try:
        yield started
    finally:
        started.stop()
        log = tmp_path / "server.log"
        if log.exists():
            print(log.read_text())  # pytest shows it for a failing test only


def api_client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"x-token": TOKEN}, timeout=10)


def onboard(api: httpx.Client, runs: Path) -> None:
    response = api.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(SHIPYARD)})
    assert response.status_code == 201, response.text
    for service in SERVICES:
        response = api.post(f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": service})
        assert response.status_code == 200, response.text
    resource = {"resourceURI": "slogate/executors.yaml", "resourceContent": b64(executors_yaml(runs))}
    response = api.post(
        f"/api/resource-service/v1/project/{PROJECT}/resource", json={"resources": [resource]}
    )
    assert response.status_code == 201, response.text


def trigger(api: httpx.Client, service: str, number: int) -> str:
    response = api.post(
        "/api/v1/event",
        json={
            "type": "sh.keptn.event.qa.delivery.triggered",
            "source": "e2e",
            "specversion": "1.0",
            "data": {
                "project": PROJECT,
                "stage": "qa",
                "service": service,
                "configurationChange": {"values": {"image": f"example/{service}:v{number}"}},
            },
        },
    )
    assert response.status_code == 200, response.text
    context: str = response.json()["keptnContext"]
    return context


def context_events(api: httpx.Client, context: str) -> list[dict[str, Any]]:
    """Every event of a context, oldest first."""
    params: dict[str, str | int] = {"keptnContext": context, "pageSize": 100}
    response = api.get("/api/mongodb-datastore/event", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["events"]
    return found[::-1]


def story(events: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {event['type'].removeprefix('sh.keptn.')} source={event.get('source')} id={event['id']}"
        f" triggeredid={event.get('triggeredid', '')} {event['data'].get('message', '')!r}"
        for event in events
    )


def run_lines(runs: Path) -> int:
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def kill_mid_task(server: Server, runs: Path, rng: random.Random) -> bool:
    """Wait for a task's command to start, let it work a moment, SIGKILL the server and start it
    again; False when no task started within 20 s (the deliveries ran out)."""
    seen = run_lines(runs)
    deadline = time.monotonic() + 20
    while run_lines(runs) == seen:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, WORK_SECONDS / 2))
    server.kill()
    restart = time.monotonic()
    server.start()
    print(f"restart took {time.monotonic() - restart:.1f} s")
    return True


def test_every_sequence_ends_through_repeated_sigkills_and_no_task_runs_twice_unless_rerun(
    server: Server, tmp_path: Path
) -> None:
    runs = tmp_path / "runs.log"
    rng = random.Random(14)
    begun = time.monotonic()
    with api_client(server) as api:
        onboard(api, runs)
        contexts = [trigger(api, SERVICES[n % len(SERVICES)], n) for n in range(DELIVERIES)]
    kills = sum(kill_mid_task(server, runs, rng) for _ in range(KILLS))
    assert kills == KILLS, f"only {kills} kills landed on a running task"
    with api_client(server) as api:
        deadline = time.monotonic() + TIMEOUT
        unfinished = list(contexts)
        while unfinished and time.monotonic() < deadline:
            unfinished = [
                context
                for context in unfinished
                if not any(e["type"].endswith("qa.delivery.finished") for e in context_events(api, context))
            ]
            time.sleep(0.2)
        stories = {context: context_events(api, context) for context in contexts}
    for context in unfinished:
        pytest.fail(f"sequence {context} never ended:\n{story(stories[context])}")
    check(stories, runs)
    took = time.monotonic() - begun
    print(f"{DELIVERIES} deliveries through {KILLS} SIGKILLs in {took:.0f} s")
    assert took < 240, "bounded: most of it is 8 server start-ups (about 2 s of CPU each)"


def check(stories: dict[str, list[dict[str, Any]]], runs: Path) -> None:
    """Each sequence ended once, by its tasks or by recovery (never by a timeout); every task answered
    as often as it was started; no command ran twice unless recorded as the one re-run."""
    ran = Counter(line.split()[0] for line in runs.read_text().splitlines())
    reruns, ended_by_recovery = 0, 0
    for context, events in stories.items():
        text = story(events)
        (finished,) = [e for e in events if e["type"] == "sh.keptn.event.qa.delivery.finished"]
        message = str(finished["data"].get("message", ""))
        assert TIMEOUT_MARK not in message, text
        assert "timed out" not in message, text
        if finished["data"]["status"] == "errored":
            assert message.startswith(KILLED), f"{context} errored otherwise:\n{text}"
            ended_by_recovery += 1
        else:
            assert finished["data"]["result"] == "pass", text
        for trigger in [e for e in events if e["type"].endswith(".triggered") and e["source"] != "e2e"]:
            answers = [e for e in events if e.get("triggeredid") == trigger["id"]]
            kinds = Counter(e["type"].rsplit(".", 1)[1] for e in answers if e["type"] != "sh.keptn.log.error")
            assert kinds["started"] == kinds["finished"] == 1, f"{trigger['type']}:\n{text}"
            rerun = [e for e in answers if e["type"] == "sh.keptn.log.error"]
            assert len(rerun) <= 1, text
            reruns += len(rerun)
            task = trigger["type"].split(".")[3]
            allowed = 2 if rerun else 1
            assert ran[trigger["id"]] <= allowed, f"{task} ran {ran[trigger['id']]} times:\n{text}"
            if rerun:
                assert task in ("deployment", "release"), f"the {task} was re-run:\n{text}"
    print(f"{reruns} task(s) re-run, {ended_by_recovery} sequence(s) ended errored by recovery")
    assert reruns + ended_by_recovery >= 1
