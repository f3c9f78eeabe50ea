"""The Bridge's environment, sequence and trigger pages in-process: rendering, 404s, CSRF, escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.domain.protocol.event_types import APPROVAL_TRIGGERED
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.server_context import ServerContext
from slogate.settings import Settings
from tests.support.delivery import TOKEN, Backend, create_project, settle, trigger_delivery
from tests.support.executors import ScriptedExecutor

MANUAL = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: manual}
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks: [{name: deployment}, {name: release}]
        - name: smoke
          tasks: [{name: test}]
    - name: production
      sequences:
        - name: delivery
          triggeredOn: [{event: qa.delivery.finished}]
          tasks: [{name: approval, properties: {pass: manual, warning: manual}}, {name: deployment}]
"""


@dataclass
class Bridge:
    context: ServerContext
    api: TestClient  # the API, with the token
    web: TestClient  # the Bridge, logged in
    csrf: str


def _with_my_routers(context: ServerContext) -> TestClient:
    return TestClient(bootstrap.server_app(context), raise_server_exceptions=True)


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Bridge]:
    config = Settings(
        data_dir=tmp_path,
        api_token=TOKEN,  # type: ignore[arg-type]
        prometheus_url="http://127.0.0.1:9",
    )
    context = bootstrap.server_context(config, Backend().factory)
    context.dispatcher.subscribe(ScriptedExecutor())
    api, web = _with_my_routers(context), _with_my_routers(context)
    api.headers["x-token"] = TOKEN
    login = web.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False)
    assert login.status_code == 303
    page = web.get("/bridge/")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    try:
        yield Bridge(context, api, web, token.group(1))
    finally:
        api.close()
        web.close()
        context.close()


def test_the_environment_shows_stages_in_shipyard_order_with_the_deployed_tag(bridge: Bridge) -> None:
    create_project(bridge.api, MANUAL)
    delivery = trigger_delivery(bridge.api, "v0.1.1")
    settle(bridge.context)
    page = bridge.web.get("/bridge/project/fulltour")
    assert page.status_code == 200
    assert page.text.index('data-stage="qa"') < page.text.index('data-stage="production"')
    qa = page.text[page.text.index('data-stage="qa"') : page.text.index('data-stage="production"')]
    assert 'data-testid="image-tag">v0.1.1<' in qa
    production = page.text[page.text.index('data-stage="production"') :]
    assert 'data-testid="approval"' in production  # the manual approval waits
    assert f"/bridge/project/fulltour/sequence/{delivery}?stage=production" in production
    assert 'href="/bridge/project/fulltour/sequence"' in page.text  # the nav


def test_the_environment_polls_its_stages_and_sees_a_new_deployment(bridge: Bridge) -> None:
    create_project(bridge.api, MANUAL)
    page = bridge.web.get("/bridge/project/fulltour")
    assert 'hx-get="/bridge/project/fulltour/stages"' in page.text
    assert 'hx-trigger="every 5s"' in page.text
    before = bridge.web.get("/bridge/project/fulltour/stages")
    assert before.status_code == 200
    assert "<html" not in before.text  # a fragment, swapped in place
    assert "Not deployed yet." in before.text
    trigger_delivery(bridge.api, "v0.1.1")
    settle(bridge.context)
    after = bridge.web.get("/bridge/project/fulltour/stages")
    assert 'data-testid="image-tag">v0.1.1<' in after.text
    assert bridge.web.get("/bridge/project/nope/stages").status_code == 404


def test_an_unknown_project_is_a_readable_404(bridge: Bridge) -> None:
    for path in (
        "/bridge/project/nope",
        "/bridge/project/nope/sequence",
        "/bridge/project/nope/sequence/abc",
    ):
        answer = bridge.web.get(path)
        assert answer.status_code == 404, path
        assert "Project not found" in answer.text
        assert "<strong>nope</strong>" in answer.text


def test_the_sequence_view_shows_tasks_events_and_approves(bridge: Bridge) -> None:
    create_project(bridge.api, MANUAL)
    delivery = trigger_delivery(bridge.api, "v0.1.1")
    settle(bridge.context)
    view = bridge.web.get(f"/bridge/project/fulltour/sequence/{delivery}")
    assert view.status_code == 200
    assert 'data-task="deployment"' in view.text
    assert 'data-task="release"' in view.text
    assert "sh.keptn.event.deployment.finished" in view.text  # a raw payload
    assert '<span class="muted">ghcr.io/podtato-head/podtatoserver:v0.1.1</span>' in view.text  # qa's image
    assert 'hx-trigger="every 2s"' in view.text  # waiting for the approval: it polls
    triggered_id = re.search(r'name="triggered_id" value="([^"]+)"', view.text)
    assert triggered_id is not None
    answer = bridge.web.post(
        f"/bridge/project/fulltour/sequence/{delivery}/approval",
        data={"csrf": bridge.csrf, "triggered_id": triggered_id.group(1), "decision": "approve"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    settle(bridge.context)
    done = bridge.web.get(answer.headers["location"])
    assert 'data-state="finished"' in done.text
    assert 'hx-trigger="every 2s"' not in done.text  # finished: polling stops
    assert 'data-testid="open-approval"' not in done.text


def test_posts_without_the_csrf_token_are_refused(bridge: Bridge) -> None:
    create_project(bridge.api, MANUAL)
    for path, data in (
        (
            "/bridge/project/fulltour/trigger/delivery",
            {"service": "helloservice", "stage": "qa", "image": "a:1"},
        ),
        ("/bridge/project/fulltour/sequence/ctx/control", {"state": "abort"}),
        ("/bridge/project/fulltour/sequence/ctx/approval", {"triggered_id": "x", "decision": "approve"}),
    ):
        assert bridge.web.post(path, data=data).status_code == 403, path
        assert bridge.web.post(path, data={**data, "csrf": "forged"}).status_code == 403, path
    listed = bridge.web.get("/bridge/project/fulltour/sequence")
    assert 'data-testid="sequence-row"' not in listed.text  # nothing was triggered


def test_a_trigger_with_errors_shows_them_on_the_form(bridge: Bridge) -> None:
    create_project(bridge.api, MANUAL)
    answer = bridge.web.post(
        "/bridge/project/fulltour/trigger/delivery",
        data={"csrf": bridge.csrf, "service": "helloservice", "stage": "staging", "image": "", "labels": "x"},
    )
    assert answer.status_code == 422
    assert "stage &#39;staging&#39; is not a stage of project &#39;fulltour&#39;" in answer.text
    assert "image is missing" in answer.text
    assert "label &#39;x&#39; is not key=value" in answer.text
    evaluation = bridge.web.post(
        "/bridge/project/fulltour/trigger/evaluation",
        data={"csrf": bridge.csrf, "service": "helloservice", "stage": "qa", "mode": "range", "start": "x"},
    )
    assert evaluation.status_code == 422
    assert "start and end are both needed" in evaluation.text


def test_triggers_land_on_the_new_sequence(bridge: Bridge) -> None:
    create_project(bridge.api, MANUAL)
    delivery = bridge.web.post(
        "/bridge/project/fulltour/trigger/delivery",
        data={"csrf": bridge.csrf, "service": "helloservice", "stage": "qa", "image": "repo/hello:v9"},
        follow_redirects=False,
    )
    assert delivery.status_code == 303
    custom = bridge.web.post(
        "/bridge/project/fulltour/trigger/custom",
        data={"csrf": bridge.csrf, "service": "helloservice", "stage": "qa", "sequence": "smoke"},
        follow_redirects=False,
    )
    assert custom.status_code == 303
    evaluation = bridge.web.post(
        "/bridge/project/fulltour/trigger/evaluation",
        data={
            "csrf": bridge.csrf,
            "service": "helloservice",
            "stage": "qa",
            "timeframe": "5m",
            "labels": "buildId=7",
        },
        follow_redirects=False,
    )
    assert evaluation.status_code == 303
    settle(bridge.context)
    view = bridge.web.get(delivery.headers["location"] + "?stage=qa")
    assert "repo/hello:v9" in view.text
    assert 'data-task="deployment"' in view.text
    listed = bridge.web.get("/bridge/project/fulltour/sequence", params={"sequence": "smoke"})
    assert listed.text.count('data-testid="sequence-row"') == 1
    assert (
        bridge.web.get("/bridge/project/fulltour/sequence", params={"status": "aborted"}).text.count(
            'data-testid="sequence-row"'
        )
        == 0
    )


def test_a_malicious_label_is_escaped(bridge: Bridge) -> None:
    create_project(bridge.api, MANUAL)
    evil = "<script>alert(1)</script>"
    answer = bridge.web.post(
        "/bridge/project/fulltour/trigger/delivery",
        data={
            "csrf": bridge.csrf,
            "service": "helloservice",
            "stage": "qa",
            "image": f"img:{evil}",
            "labels": f"k={evil}",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    settle(bridge.context)
    for path in (answer.headers["location"], "/bridge/project/fulltour", "/bridge/project/fulltour/sequence"):
        page = bridge.web.get(path)
        assert evil not in page.text, path
    assert "&lt;script&gt;" in bridge.web.get(answer.headers["location"]).text


def test_pause_resume_and_abort_change_the_state(bridge: Bridge) -> None:
    create_project(bridge.api, MANUAL)
    delivery = trigger_delivery(bridge.api, "v0.1.1")
    settle(bridge.context)  # waits for the production approval
    base = f"/bridge/project/fulltour/sequence/{delivery}"
    for state, shown in (("pause", "paused"), ("resume", "started"), ("abort", "aborted")):
        answer = bridge.web.post(
            f"{base}/control", data={"csrf": bridge.csrf, "state": state}, follow_redirects=False
        )
        assert answer.status_code == 303
        settle(bridge.context)
        assert f'data-state="{shown}"' in bridge.web.get(base).text, state


def _accepted(bridge: Bridge, event_type: str) -> float:
    counted = bridge.context.metrics.registry.get_sample_value("slogate_events_total", {"type": event_type})
    return counted or 0.0


def test_events_sent_from_the_bridge_are_ingested_and_counted_like_the_apis(bridge: Bridge) -> None:
    """A delivery triggered and an approval given in the Bridge go through the server's event intake
    (group commit, the events counter), as a POST /api/v1/event does."""
    create_project(bridge.api, MANUAL)
    delivery = bridge.web.post(
        "/bridge/project/fulltour/trigger/delivery",
        data={"csrf": bridge.csrf, "service": "helloservice", "stage": "qa", "image": "repo/hello:v9"},
        follow_redirects=False,
    )
    assert delivery.status_code == 303, delivery.text
    assert _accepted(bridge, "sh.keptn.event.qa.delivery.triggered") == 1
    keptn_context = delivery.headers["location"].rsplit("/", 1)[-1]
    settle(bridge.context)
    view = bridge.web.get(f"/bridge/project/fulltour/sequence/{keptn_context}")
    triggered_id = re.search(r'name="triggered_id" value="([^"]+)"', view.text)
    assert triggered_id is not None
    answer = bridge.web.post(
        f"/bridge/project/fulltour/sequence/{keptn_context}/approval",
        data={"csrf": bridge.csrf, "triggered_id": triggered_id.group(1), "decision": "approve"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert _accepted(bridge, "sh.keptn.event.approval.finished") == 1
    metrics = bridge.api.get("/metrics").text
    assert 'slogate_events_total{type="sh.keptn.event.approval.finished"} 1.0' in metrics


def test_the_environment_shows_problems_of_uploaded_files(bridge: Bridge) -> None:
    """A broken webhook.yaml uploaded (stored, as Keptn stores it) shows in the environment view with
    its level and problem, escaped; a clean version replaces the panel with nothing."""
    import base64

    create_project(bridge.api, MANUAL)
    assert 'data-testid="file-problems"' not in bridge.web.get("/bridge/project/fulltour").text
    hostile = "apiVersion: '<script>alert(1)</script>'\n"
    body = {
        "resources": [
            {
                "resourceURI": "webhook/webhook.yaml",
                "resourceContent": base64.b64encode(hostile.encode()).decode(),
            }
        ]
    }
    stored = bridge.api.post("/api/resource-service/v1/project/fulltour/stage/qa/resource", json=body)
    assert stored.status_code == 201, stored.text
    page = bridge.web.get("/bridge/project/fulltour").text
    panel = page[page.index('data-testid="file-problems"') :]
    assert 'data-uri="webhook/webhook.yaml"' in panel
    assert "stage &#39;qa&#39; of project &#39;fulltour&#39;" in panel
    assert "error: Webhook configuration invalid: unsupported apiVersion" in panel
    assert "<script>alert(1)" not in page
    clean = (Path(__file__).resolve().parents[2] / "data" / "keptn" / "webhook.yaml").read_text()
    body["resources"][0]["resourceContent"] = base64.b64encode(clean.encode()).decode()
    bridge.api.post("/api/resource-service/v1/project/fulltour/stage/qa/resource", json=body)
    assert 'data-testid="file-problems"' not in bridge.web.get("/bridge/project/fulltour").text


def test_the_pending_approvals_counter_counts_every_approval_chip(bridge: Bridge) -> None:
    """Two approvals of one service (two contexts) are 2 pending approvals, not 1; one is singular."""
    create_project(bridge.api, MANUAL)
    for number in (1, 2):
        data = {"project": "fulltour", "stage": "production", "service": "helloservice"}
        waiting = KeptnEvent(
            f"approval-{number}",
            APPROVAL_TRIGGERED,
            "test",
            datetime.now(UTC),
            f"ctx-{number}",
            data,
        )
        bridge.context.store.add([waiting])  # as two contexts waiting for a person would
        settle(bridge.context)
        stages = bridge.web.get("/bridge/project/fulltour/stages").text
        production = stages[stages.index('data-stage="production"') :]
        assert production.count('data-testid="approval"') == number
        word = "approval" if number == 1 else "approvals"
        assert f">{number} pending {word}<" in production
