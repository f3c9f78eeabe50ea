"""Whole deliveries through the API alone, with scripted executors and the real lighthouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.server_context import ServerContext
from tests.support.delivery import (
    CONTROL_PLANE,
    SLOW,
    Backend,
    create_project,
    delivery_server,
    deployed_image,
    events,
    settle,
    trigger_delivery,
)
from tests.support.executors import ScriptedExecutor, passing
from tests.support.postgres import needs_postgres

Server = tuple[ServerContext, TestClient, Backend]


def fails_in_production_for_v013(event: KeptnEvent) -> dict[str, object]:
    """Production's deployment of v0.1.3 fails (a post-release failure); everything else passes."""
    data = dict(passing(event))
    version = event.data.get("labels", {}).get("version")
    if event.stage == "production" and version == "v0.1.3" and event.type.endswith(".deployment.triggered"):
        data["result"] = "fail"
    return data


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=needs_postgres),
    ]
)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A fresh server with the tutorial project, on SQLite or on a throwaway PostgreSQL database."""
    database_url, postgres, name = "", None, ""
    if request.param == "postgresql":
        postgres = request.getfixturevalue("postgres_server")
        name = postgres.create_database("template0")
        database_url = postgres.url(name)
    executor = ScriptedExecutor(script=fails_in_production_for_v013)
    try:
        with delivery_server(tmp_path / "data", database_url, executor) as built:
            create_project(built[1])
            yield built
    finally:
        if postgres is not None:
            postgres.drop_database(name)


def only(client: TestClient, context: str, event_type: str) -> dict[str, object]:
    found = events(client, context, event_type)
    assert len(found) == 1, f"{len(found)} × {event_type}"
    return dict(found[0]["data"])


def test_a_good_build_is_promoted_and_a_slow_one_is_stopped_in_qa(server: Server) -> None:
    context, client, backend = server
    good = trigger_delivery(client, "v0.1.1")
    settle(context)
    assert only(client, good, "sh.keptn.event.qa.delivery.finished")["result"] == "pass"
    evaluation = only(client, good, "sh.keptn.event.evaluation.finished")
    assert (evaluation["result"], evaluation["stage"]) == ("pass", "qa")
    assert only(client, good, "sh.keptn.event.approval.finished")["result"] == "pass"
    assert only(client, good, "sh.keptn.event.production.delivery.finished")["result"] == "pass"
    assert deployed_image(client, "production").endswith(":v0.1.1")

    backend.values = dict(SLOW)
    slow = trigger_delivery(client, "v0.1.2")
    settle(context)
    qa = only(client, slow, "sh.keptn.event.qa.delivery.finished")
    assert (qa["result"], qa["status"]) == ("fail", "succeeded")
    assert events(client, slow, "sh.keptn.event.release.triggered") == []
    assert events(client, slow, "sh.keptn.event.production.delivery.triggered") == []
    assert deployed_image(client, "qa").endswith(":v0.1.2")
    assert deployed_image(client, "production").endswith(":v0.1.1")


def test_a_production_failure_starts_the_rollback(server: Server) -> None:
    context, client, _ = server
    delivery = trigger_delivery(client, "v0.1.3")
    settle(context)
    assert only(client, delivery, "sh.keptn.event.production.delivery.finished")["result"] == "fail"
    assert only(client, delivery, "sh.keptn.event.production.rollback.triggered")["stage"] == "production"
    assert only(client, delivery, "sh.keptn.event.rollback.finished")["result"] == "pass"
    assert only(client, delivery, "sh.keptn.event.production.rollback.finished")["result"] == "pass"


def test_after_a_rollback_the_catalog_shows_the_restored_image(server: Server) -> None:
    """Keptn's rollback.finished carries common fields only: the image restored is the stage's last
    good deployment from another delivery, not the one the failed delivery deployed."""
    context, client, _ = server
    trigger_delivery(client, "v0.1.1")
    settle(context)
    delivery = trigger_delivery(client, "v0.1.3")
    settle(context)
    assert only(client, delivery, "sh.keptn.event.rollback.finished")["result"] == "pass"
    assert deployed_image(client, "production").endswith(":v0.1.1")
    assert deployed_image(client, "qa").endswith(":v0.1.3")


def test_a_rollback_that_reports_its_image_is_taken_at_its_word(tmp_path: Path) -> None:
    def reporting(event: KeptnEvent) -> dict[str, object]:
        data = fails_in_production_for_v013(event)
        if event.type.endswith(".rollback.triggered"):
            data["deployment"] = {"image": "registry.example/restored:v0.0.9"}
        return data

    with delivery_server(tmp_path / "data", executor=ScriptedExecutor(script=reporting)) as built:
        context, client, _ = built
        create_project(client)
        trigger_delivery(client, "v0.1.3")  # nothing earlier to find: only the report can say
        settle(context)
        assert deployed_image(client, "production") == "registry.example/restored:v0.0.9"


def test_a_failed_rollback_changes_no_deployed_image(tmp_path: Path) -> None:
    def failing(event: KeptnEvent) -> dict[str, object]:
        data = fails_in_production_for_v013(event)
        if event.type.endswith(".rollback.triggered"):
            data |= {"status": "errored", "result": "fail", "deployment": {"image": "x:never"}}
        return data

    with delivery_server(tmp_path / "data", executor=ScriptedExecutor(script=failing)) as built:
        context, client, _ = built
        create_project(client)
        trigger_delivery(client, "v0.1.1")
        settle(context)
        trigger_delivery(client, "v0.1.3")
        settle(context)
        assert deployed_image(client, "production").endswith(":v0.1.3")


def test_the_sequence_views_follow_the_delivery(server: Server) -> None:
    context, client, _ = server
    delivery = trigger_delivery(client, "v0.1.1")
    states = client.get(f"{CONTROL_PLANE}/sequence/fulltour").json()
    assert [state["state"] for state in states["states"]] == ["waiting"] or states["states"] == []
    settle(context)
    response = client.get(f"{CONTROL_PLANE}/sequence/fulltour", params={"keptnContext": delivery})
    assert response.status_code == 200, response.text
    (state,) = response.json()["states"]
    assert (state["name"], state["state"], state["service"]) == ("delivery", "finished", "helloservice")
    assert [(stage["name"], stage["state"]) for stage in state["stages"]] == [
        ("qa", "succeeded"),
        ("production", "succeeded"),
    ]
    assert state["stages"][0]["latestEvaluation"]["result"] == "pass"
    assert state["stages"][1]["image"].endswith(":v0.1.1")
    executions = client.get(f"{CONTROL_PLANE}/sequence-execution", params={"project": "fulltour"}).json()
    assert executions["totalCount"] == 2
    newest = executions["sequenceExecutions"][0]
    assert newest["scope"]["stage"] == "production"
    assert [task["name"] for task in newest["status"]["previousTasks"]] == [
        "approval",
        "deployment",
        "release",
    ]
    assert "slogate" not in newest
    assert client.get(f"{CONTROL_PLANE}/sequence-execution").status_code == 400
    assert client.get(f"{CONTROL_PLANE}/sequence/nowhere").status_code == 404


def test_a_second_delivery_waits_for_the_first(server: Server) -> None:
    context, client, _ = server
    first = trigger_delivery(client, "v0.1.1")
    second = trigger_delivery(client, "v0.1.1")
    settle(context)
    assert only(client, first, "sh.keptn.event.qa.delivery.finished")["result"] == "pass"
    assert only(client, second, "sh.keptn.event.qa.delivery.finished")["result"] == "pass"
    qa_done = events(client, first, "sh.keptn.event.qa.delivery.finished")[0]["time"]
    second_started = events(client, second, "sh.keptn.event.deployment.triggered")
    assert min(event["time"] for event in second_started) >= qa_done  # at once: no dispatcher tick


def test_the_deployed_image_and_last_event_types_are_kept_in_the_catalog(server: Server) -> None:
    context, client, _ = server
    trigger_delivery(client, "v0.1.1")
    settle(context)
    service = client.get(f"{CONTROL_PLANE}/project/fulltour/stage/production/service/helloservice").json()
    assert "sh.keptn.event.deployment.finished" in service["lastEventTypes"]
    assert "sh.keptn.event.production.delivery.finished" in service["lastEventTypes"]


def test_an_aborted_sequences_task_is_no_longer_open_for_executors(tmp_path: Path) -> None:
    silent = ScriptedExecutor(tasks=("test",), name="silent")  # nobody answers deployment.triggered
    with delivery_server(tmp_path / "data", executor=silent) as (context, client, _):
        create_project(client)
        register = {
            "name": "remote",
            "metadata": {"hostname": "h"},
            "subscriptions": [{"event": "sh.keptn.event.deployment.triggered"}],
        }
        assert client.post(f"{CONTROL_PLANE}/uniform/registration", json=register).status_code == 201
        delivery = trigger_delivery(client, "v0.1.1")
        settle(context)
        url = f"{CONTROL_PLANE}/event/triggered/sh.keptn.event.deployment.triggered"
        (task,) = client.get(url, params={"project": "fulltour"}).json()["events"]
        assert task["shkeptncontext"] == delivery
        control = client.post(
            f"{CONTROL_PLANE}/sequence/fulltour/{delivery}/control", json={"state": "abort"}
        )
        assert (control.status_code, control.json()) == (200, {})
        assert client.get(url, params={"project": "fulltour"}).json()["events"] == []
        finished = only(client, delivery, "sh.keptn.event.qa.delivery.finished")
        assert (finished["status"], finished["result"]) == ("aborted", "pass")
