"""A delivery through a real ``slogate server`` with a remote executor, SIGKILLed at points along the way."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_server import TOKEN, Server
from tests.support.delivery import CONTROL_PLANE, SHIPYARD, b64
from tests.support.remote_executor import RemoteExecutor

pytestmark = pytest.mark.slow

EVALUATION_TASK = "            - {name: evaluation, properties: {timeframe: 2m}}\n"
# The tutorial delivery without qa's evaluation: the remote executor runs every task but the approval.
NO_EVALUATION = SHIPYARD.replace(EVALUATION_TASK, "")
PROJECT, SERVICE, VERSION = "fulltour", "helloservice", "v0.1.1"
IMAGE = f"ghcr.io/podtato-head/podtatoserver:{VERSION}"
TASKS = ("deployment", "test", "release", "rollback")
NO_PROMETHEUS = "http://127.0.0.1:9"  # never asked: the shipyard has no evaluation
TIMEOUT = 60.0
WORK = 0.3  # seconds from a task's .started to its .finished: a kill after .started lands in between

# Every event of the delivery's context, once each (types without ``sh.keptn.event.``).
EXPECTED = Counter(
    [
        "qa.delivery.triggered",
        *(
            f"{task}.{kind}"
            for task in ("deployment", "test", "release")
            for kind in ("triggered", "started", "finished")
        ),
        "qa.delivery.finished",
        "production.delivery.triggered",
        *(
            f"{task}.{kind}"
            for task in ("approval", "deployment", "release")
            for kind in ("triggered", "started", "finished")
        ),
        "production.delivery.finished",
    ]
)


def test_the_shipyard_has_no_evaluation_task() -> None:
    """The built-in lighthouse would answer evaluation.triggered: the shipyard leaves it out."""
    assert EVALUATION_TASK in SHIPYARD
    assert "evaluation" not in NO_EVALUATION


# --- observing the server ------------------------------------------------------------------------


def context_events(api: httpx.Client, context: str, event_type: str = "") -> list[dict[str, Any]]:
    """The context's events (of ``event_type`` if given) from the datastore, oldest first."""
    params: dict[str, str | int] = {"keptnContext": context, "pageSize": 100}
    if event_type:
        params["type"] = f"sh.keptn.event.{event_type}"
    response = api.get("/api/mongodb-datastore/event", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["events"]
    return found[::-1]


def history(events: list[dict[str, Any]]) -> str:
    """Events in order, one a line: what to read when a wait or an assertion fails."""
    lines = []
    for event in events:
        data = event.get("data", {})
        lines.append(
            f"  {event['time']} {event['type'].removeprefix('sh.keptn.event.')} stage={data.get('stage')}"
            f" result={data.get('result')} status={data.get('status')} source={event.get('source')}"
            f" id={event['id']} triggeredid={event.get('triggeredid', '')}"
            + (f" message={data['message']!r}" if data.get("message") else "")
        )
    return "\n".join(lines) or "  (none)"


def wait_for(
    api: httpx.Client, context: str, event_type: str, timeout: float = TIMEOUT, heading: str = ""
) -> list[dict[str, Any]]:
    """Poll the datastore until the context has an event of ``event_type``; the context's events then
    (``heading`` opens the failure message)."""
    deadline = time.monotonic() + timeout
    wanted = f"sh.keptn.event.{event_type}"
    while time.monotonic() < deadline:
        found = context_events(api, context)
        if any(event["type"] == wanted for event in found):
            return found
        time.sleep(0.01)
    found = context_events(api, context)
    raise AssertionError(
        f"{heading}no {event_type} within {timeout} s; the context's events:\n{history(found)}"
    )


# --- the delivery ---------------------------------------------------------------------------------


def create_project(api: httpx.Client) -> None:
    """The project from the delivery shipyard without evaluation, and its service."""
    response = api.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(NO_EVALUATION)})
    assert response.status_code == 201, response.text
    response = api.post(f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": SERVICE})
    assert response.status_code == 200, response.text


def trigger_delivery(api: httpx.Client) -> str:
    """``qa.delivery.triggered`` as ``keptn trigger delivery`` sends it; the Keptn context."""
    response = api.post(
        "/api/v1/event",
        json={
            "type": "sh.keptn.event.qa.delivery.triggered",
            "source": "https://github.com/keptn/keptn/cli#configuration-change",
            "specversion": "1.0",
            "data": {
                "project": PROJECT,
                "stage": "qa",
                "service": SERVICE,
                "configurationChange": {"values": {"image": IMAGE}},
                "labels": {"version": VERSION},
            },
        },
    )
    assert response.status_code == 200, response.text
    context: str = response.json()["keptnContext"]
    return context


def deployed_image(api: httpx.Client, stage: str) -> str:
    """What the catalog says runs in ``stage``."""
    response = api.get(f"{CONTROL_PLANE}/project/{PROJECT}/stage/{stage}/service/{SERVICE}")
    assert response.status_code == 200, response.text
    image: str = response.json()["deployedImage"]
    return image


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A running server on ``tmp_path/data``; stopped at the end, whichever process it is by then."""
    started = Server(tmp_path / "data", NO_PROMETHEUS).start()
    try:
        yield started
    finally:
        started.stop()
        log = tmp_path / "server.log"
        if log.exists():
            print(log.read_text())  # pytest shows it for a failing test only


def client(server: Server) -> httpx.Client:
    """A client with the API token, as a CI script has."""
    return httpx.Client(base_url=server.url, headers={"x-token": TOKEN}, timeout=10)


# Where to kill: nothing to wait for (right after the trigger was accepted), or the event to see first.
KILL_POINTS = {
    "trigger-accepted": "",
    "deployment-started": "deployment.started",
    "qa-finished": "qa.delivery.finished",
    "approval-triggered": "approval.triggered",
}


@pytest.mark.parametrize("kill_after", [None, *KILL_POINTS], ids=["no-kill", *KILL_POINTS])
def test_a_delivery_ends_the_same_after_a_sigkill(server: Server, kill_after: str | None) -> None:
    """Killed at ``kill_after`` and restarted on the same data and port, the delivery finishes once, as
    it does without the kill: one pass per stage, every task triggered once, the image in production."""
    with client(server) as api:
        create_project(api)
    with RemoteExecutor(server.url, TOKEN, TASKS, work=WORK) as executor, client(server) as api:
        context = trigger_delivery(api)
        seen: list[dict[str, Any]] = []
        if kill_after is not None:
            if KILL_POINTS[kill_after]:
                seen = wait_for(api, context, KILL_POINTS[kill_after])
            server.kill()
            server.start()
        before = f"seen before the kill:\n{history(seen)}\n" if kill_after else ""
        wait_for(api, context, "production.delivery.finished", heading=before)
        time.sleep(0.5)  # anything still to come (a duplicate) arrives now
        check_delivery(api, context, f"{before}in the end:")
        assert executor.errors == [], executor.errors


def check_delivery(api: httpx.Client, context: str, heading: str) -> None:
    """One pass per stage, every event of the delivery exactly once, the image deployed in production."""
    story = f"{heading}\n{history(context_events(api, context))}"
    for stage in ("qa", "production"):
        finished = context_events(api, context, f"{stage}.delivery.finished")
        assert len(finished) == 1, f"{len(finished)} × {stage}.delivery.finished:\n{story}"
        assert finished[0]["data"]["result"] == "pass", f"{stage} did not pass:\n{story}"
    triggered = [
        (event["type"], event["data"].get("stage"))
        for event in context_events(api, context)
        if event["type"].endswith(".triggered")
    ]
    duplicates = [pair for pair, count in Counter(triggered).items() if count > 1]
    assert duplicates == [], f"triggered more than once: {duplicates}\n{story}"
    types = Counter(event["type"].removeprefix("sh.keptn.event.") for event in context_events(api, context))
    assert types == EXPECTED, f"missing {EXPECTED - types}, extra {types - EXPECTED}:\n{story}"
    for stage in ("qa", "production"):
        assert deployed_image(api, stage) == IMAGE, f"{stage} runs {deployed_image(api, stage)!r}:\n{story}"


def test_the_executor_is_registered_with_its_subscriptions(server: Server) -> None:
    """The executor appears in the uniform list with a subscription per task, and is gone after it stops."""
    with client(server) as api:
        with RemoteExecutor(server.url, TOKEN, TASKS) as executor:
            listed = api.get(f"{CONTROL_PLANE}/uniform/registration", params={"name": executor.name}).json()
            assert [integration["id"] for integration in listed] == [executor.integration_id]
            events = [subscription["event"] for subscription in listed[0]["subscriptions"]]
            assert events == [f"sh.keptn.event.{task}.triggered" for task in TASKS]
        assert api.get(f"{CONTROL_PLANE}/uniform/registration", params={"name": executor.name}).json() == []
