"""The Bridge in a real browser: versions, badge colours, approvals, sequence controls, triggers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import needs_chromium
from tests.support.delivery import FAST, MANUAL_APPROVAL, SLO, SLOW, b64
from tests.support.live_server import LiveServer

pytestmark = needs_chromium
CONTROL_PLANE = "/api/controlPlane/v1"
GREEN, RED = "rgb(125, 197, 64)", "rgb(220, 23, 42)"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "bridge-screenshots"  # build/ is git-ignored
JOB = '{executor: job, config: {command: ["true"]}}'
EXECUTORS = f"tasks: {{deployment: {JOB}, test: {JOB}, release: {JOB}}}\n"


@pytest.fixture(scope="module")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server for this module."""
    with LiveServer(tmp_path_factory.mktemp("bridge-sequences")) as server:
        yield server


def create_project(client: httpx.Client, project: str) -> None:
    """The project, its service, the qa SLO and the job executor answering every task with ``true``."""
    answer = client.post(f"{CONTROL_PLANE}/project", json={"name": project, "shipyard": b64(MANUAL_APPROVAL)})
    assert answer.status_code == 201, answer.text
    answer = client.post(f"{CONTROL_PLANE}/project/{project}/service", json={"serviceName": "helloservice"})
    assert answer.status_code == 200, answer.text
    base = f"/api/resource-service/v1/project/{project}"
    for path, uri, text in (
        (f"{base}/stage/qa/service/helloservice", "slo.yaml", SLO),
        (base, "slogate/executors.yaml", EXECUTORS),
    ):
        answer = client.post(
            f"{path}/resource", json={"resources": [{"resourceURI": uri, "resourceContent": b64(text)}]}
        )
        assert answer.status_code == 201, answer.text


def deliver(client: httpx.Client, project: str, version: str) -> str:
    """Trigger a qa delivery of the podtato image ``version``; its Keptn context."""
    answer = client.post(
        "/api/v1/event",
        json={
            "type": "sh.keptn.event.qa.delivery.triggered",
            "source": "test",
            "specversion": "1.0",
            "data": {
                "project": project,
                "stage": "qa",
                "service": "helloservice",
                "configurationChange": {"values": {"image": f"ghcr.io/podtato-head/podtatoserver:{version}"}},
            },
        },
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["keptnContext"])


def wait_for(client: httpx.Client, project: str, context: str, wanted: set[str]) -> dict[str, Any]:
    """Poll the sequence state until it is one of ``wanted``."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = client.get(f"{CONTROL_PLANE}/sequence/{project}", params={"keptnContext": context})
        states = answer.json()["states"]
        if states and states[0]["state"] in wanted:
            return dict(states[0])
        time.sleep(0.05)
    raise AssertionError(f"sequence {context} did not reach {wanted}: {answer.text}")


def wait_for_approval(client: httpx.Client, project: str) -> None:
    """Poll until an approval is open in ``project``."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = client.get(
            f"{CONTROL_PLANE}/event/triggered/sh.keptn.event.approval.triggered", params={"project": project}
        )
        if answer.json()["events"]:
            return
        time.sleep(0.05)
    raise AssertionError(f"no approval opened in {project}")


def wait_for_image(client: httpx.Client, project: str, stage: str, version: str) -> None:
    """Poll until the catalog (updated in batches) says ``version`` runs in ``stage``."""
    path = f"{CONTROL_PLANE}/project/{project}/stage/{stage}/service/helloservice"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if client.get(path).json().get("deployedImage", "").endswith(f":{version}"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{version} was not deployed in {stage} of {project}")


def bridge_artifacts() -> Path:
    """Where screenshots go (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def badge_colour(page: Any, stage: str) -> str:
    badge = page.locator(f"[data-stage={stage}] [data-testid=evaluation-badge]")
    return str(badge.evaluate("element => getComputedStyle(element).backgroundColor"))


@pytest.mark.slow
def test_versions_badges_and_a_manual_approval(page: Any, bridge: LiveServer) -> None:
    with bridge.client() as client:
        create_project(client, "shop")
        bridge.backend.values = dict(FAST)
        first = deliver(client, "shop", "v0.1.1")
        wait_for_approval(client, "shop")
        wait_for_image(client, "shop", "qa", "v0.1.1")
    page.goto(f"{bridge.url}/bridge/project/shop")
    assert page.locator("[data-stage=qa] [data-testid=image-tag]").inner_text() == "v0.1.1"
    assert badge_colour(page, "qa") == GREEN
    page.locator("[data-stage=production] [data-testid=approval]").click()
    page.wait_for_url(f"**/sequence/{first}?stage=production")
    page.get_by_role("button", name="Approve").click()
    page.locator("#sequence-detail[data-state=finished]").wait_for()  # polling shows the end
    with bridge.client() as client:
        bridge.backend.values = dict(SLOW)
        second = deliver(client, "shop", "v0.2.0")
        wait_for(client, "shop", second, {"finished"})
        wait_for_image(client, "shop", "qa", "v0.2.0")
        wait_for_image(client, "shop", "production", "v0.1.1")
    page.goto(f"{bridge.url}/bridge/project/shop")
    assert page.locator("[data-stage=qa] [data-testid=image-tag]").inner_text() == "v0.2.0"
    assert page.locator("[data-stage=production] [data-testid=image-tag]").inner_text() == "v0.1.1"
    assert badge_colour(page, "qa") == RED
    page.screenshot(path=str(bridge_artifacts() / "environment.png"), full_page=True)
    page.get_by_role("link", name="Sequences").click()
    page.wait_for_url("**/bridge/project/shop/sequence")
    rows = page.locator("[data-testid=sequence-row]")
    rows.first.wait_for()
    assert rows.count() == 2
    assert rows.nth(0).locator("[data-testid=sequence-status]").inner_text() == "fail"
    page.get_by_label("Status").select_option("fail")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**status=fail")
    page.locator("#sequence-list").wait_for()
    assert page.locator("[data-testid=sequence-row]").count() == 1
    page.screenshot(path=str(bridge_artifacts() / "sequences.png"))


def test_pause_resume_and_abort_from_the_sequence_view(page: Any, bridge: LiveServer) -> None:
    with bridge.client() as client:
        create_project(client, "ctrl")
        bridge.backend.values = dict(FAST)
        context = deliver(client, "ctrl", "v1.0.0")
        wait_for_approval(client, "ctrl")
    page.goto(f"{bridge.url}/bridge/project/ctrl/sequence/{context}")
    detail = page.locator("#sequence-detail")
    page.get_by_role("button", name="Pause").click()
    page.locator("#sequence-detail[data-state=paused]").wait_for()
    page.get_by_role("button", name="Resume").click()
    page.locator("#sequence-detail[data-state=started]").wait_for()
    page.get_by_text("Abort…").click()
    page.get_by_role("button", name="Yes, abort").click()
    page.locator("#sequence-detail[data-state=aborted]").wait_for()
    assert detail.locator("[data-testid=controls]").count() == 0


@pytest.mark.slow
def test_a_delivery_triggered_from_the_dialog_runs_in_its_sequence_view(
    page: Any, bridge: LiveServer
) -> None:
    with bridge.client() as client:
        create_project(client, "dialog")
    bridge.backend.values = dict(FAST)
    page.goto(f"{bridge.url}/bridge/project/dialog")
    page.get_by_text("Trigger a new sequence").click()
    page.locator("[data-testid=trigger-delivery] summary").click()
    dialog = page.locator("[data-testid=trigger-delivery]")
    dialog.get_by_label("Stage").select_option("qa")
    dialog.get_by_role("button", name="Trigger delivery").click()
    assert "image is missing" in page.locator("[data-testid=trigger-errors]").inner_text()
    dialog = page.locator("[data-testid=trigger-delivery]")
    dialog.get_by_label("Image").fill("ghcr.io/podtato-head/podtatoserver:v0.3.0")
    dialog.get_by_label("Labels").fill("buildId=303")
    dialog.get_by_role("button", name="Trigger delivery").click()
    page.wait_for_url("**/bridge/project/dialog/sequence/*")
    page.locator(
        "[data-stage=qa] [data-task=evaluation] > .task-head [data-testid=task-status]", has_text="pass"
    ).wait_for()
    page.locator("details.event", has_text="triggered by bridge").first.locator("summary").click()
    assert '"buildId": "303"' in page.locator("details.event[open] pre").first.inner_text()
    page.screenshot(path=str(bridge_artifacts() / "sequence.png"))
