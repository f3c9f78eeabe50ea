"""The Bridge, the API and the CLI after the tour's rollback: all three say what production runs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from slogate.demo.fulltour import BUILDS, PROJECT, SERVICE, Tour, run_tour
from slogate.demo.stack import DemoStack, find_prometheus
from tests.support.browser import ARGS, CHROMIUM, log_in, needs_chromium
from tests.support.prometheus import MISSING, MISSING_REASON

pytestmark = [needs_chromium, pytest.mark.slow]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "bridge-screenshots"  # build/ is git-ignored
CONTROL_PLANE = "/api/controlPlane/v1"
TEST_SECONDS = 10.0  # the shortest load test whose window an evaluation accepts
GOOD, REGRESSION = BUILDS[0], BUILDS[2]  # v0.1.1 promoted; v0.1.3 rolled back in production


@dataclass(frozen=True)
class Toured:
    """The stack after the tour (still running) and how the tour went."""

    url: str
    token: str
    tour: Tour
    regression_context: str


@pytest.fixture(scope="module")
def toured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Toured]:
    """The tour with v0.1.1 and v0.1.3 (v0.1.2 changes nothing in production), its server kept up."""
    if MISSING:
        pytest.fail(f"the tour needs a real Prometheus: {MISSING_REASON}", pytrace=False)
    workdir = tmp_path_factory.mktemp("rollback-tour")
    with DemoStack(workdir, find_prometheus()) as stack:
        console = Console(file=io.StringIO(), width=200)
        tour = run_tour(stack, console, TEST_SECONDS, [GOOD, REGRESSION])
        assert tour.versions == {"qa": "v0.1.3", "production": "v0.1.1"}, console.file.getvalue()  # type: ignore[attr-defined]
        headers = {"x-token": stack.token}
        answer = httpx.get(f"{stack.server.url}{CONTROL_PLANE}/sequence/{PROJECT}", headers=headers)
        contexts = [state["shkeptncontext"] for state in answer.json()["states"]]
        yield Toured(stack.server.url, stack.token, tour, contexts[0])  # newest first: v0.1.3's


@pytest.fixture
def page(toured: Toured) -> Iterator[Any]:
    """A logged-in chromium page on the tour's server."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, toured)  # type: ignore[arg-type]
        try:
            yield page
        finally:
            browser.close()


def test_the_api_and_the_cli_say_production_runs_v011_after_the_rollback(toured: Toured) -> None:
    path = f"{CONTROL_PLANE}/project/{PROJECT}/stage/production/service/{SERVICE}"
    answer = httpx.get(toured.url + path, headers={"x-token": toured.token})
    assert answer.json()["deployedImage"].endswith(":v0.1.1"), answer.text
    environment = {**os.environ, "SLOGATE_ENDPOINT": toured.url, "SLOGATE_API_TOKEN": toured.token}
    command = [sys.executable, "-m", "slogate", "get", "service", SERVICE, "--project", PROJECT]
    printed = subprocess.run(
        [*command, "--output", "json"], capture_output=True, text=True, env=environment, check=True
    ).stdout
    images = {service["stageName"]: service["deployedImage"] for service in json.loads(printed)}
    assert (images["production"].split(":")[-1], images["qa"].split(":")[-1]) == ("v0.1.1", "v0.1.3")


def test_the_tours_production_column_shows_v011_after_the_rollback(page: Any, toured: Toured) -> None:
    page.goto(f"{toured.url}/bridge/project/{PROJECT}")
    production = page.locator("[data-stage=production] [data-testid=image-tag]")
    assert production.inner_text() == "v0.1.1"
    assert page.locator("[data-stage=qa] [data-testid=image-tag]").inner_text() == "v0.1.3"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "rollback-environment.png"), full_page=True)


def test_the_v013_delivery_shows_production_once_plus_its_rollback(page: Any, toured: Toured) -> None:
    base = f"{toured.url}/bridge/project/{PROJECT}/sequence/{toured.regression_context}"
    page.goto(base)
    page.locator("#sequence-detail[data-state=finished]").wait_for()
    tabs = page.locator("nav.stage-tabs a").all_inner_texts()
    assert tabs == ["All stages", "qa", "production"]
    cards = page.locator("li.stage-entry")
    shown = [(c.get_attribute("data-stage"), c.get_attribute("data-sequence")) for c in cards.all()]
    assert shown == [("qa", "delivery"), ("production", "delivery"), ("production", "rollback")]
    delivery = page.locator("li.stage-entry[data-stage=production][data-sequence=delivery]")
    rollback = page.locator("li.stage-entry[data-sequence=rollback]")
    assert rollback.locator("h2").inner_text().lower().startswith("rollback in production")
    assert rollback.locator("[data-testid=stage-status]").inner_text() == "pass"
    assert rollback.locator("li.task").evaluate_all("tasks => tasks.map(t => t.dataset.task)") == ["rollback"]
    assert delivery.locator("[data-testid=stage-status]").inner_text() == "fail"
    top = delivery.locator(":scope > ol.tasks > li.task")
    names = top.evaluate_all("tasks => tasks.map(t => t.dataset.task)")
    assert names == ["approval", "deployment", "release", "test", "evaluation"]
    nested = delivery.locator("li.task[data-task=evaluation] ol.subtasks li.task[data-task=get-sli]")
    assert nested.count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "rollback-sequence.png"), full_page=True)
    page.goto(base + "?stage=production")
    assert page.locator("li.stage-entry").count() == 2  # the delivery and its rollback, once each


def test_the_sequence_list_shows_one_production_chip_and_the_rollback_row(page: Any, toured: Toured) -> None:
    page.goto(f"{toured.url}/bridge/project/{PROJECT}/sequence")
    row = page.locator(f"[data-testid=sequence-row][data-context='{toured.regression_context}']")
    chips = [text.split()[0] for text in row.locator(".chips a.chip").all_inner_texts()]
    assert chips == ["qa", "production"]
    rollback = page.locator(f"[data-testid=chained-row][data-context='{toured.regression_context}']")
    assert rollback.get_attribute("data-sequence") == "rollback"
    assert rollback.locator(".chips a.chip").all_inner_texts() == ["production"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "rollback-sequence-list.png"), full_page=True)
