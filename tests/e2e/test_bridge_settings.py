"""The Bridge's settings pages in a real browser: services and secrets created and deleted, axe-checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from slogate.ports import IntegrationMetadata
from slogate.services.usecases.integrations import Registration, SubscriptionRequest
from tests.support.axe import assert_accessible
from tests.support.browser import needs_chromium
from tests.support.delivery import MANUAL_APPROVAL, b64
from tests.support.live_server import LiveServer

pytestmark = needs_chromium
HOSTILE_KEY = "<script>k</script>"
VALUE = "never-shown-secret-value"


@pytest.fixture(scope="module")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server with the project ``shop``, its service and a registered remote executor."""
    with LiveServer(tmp_path_factory.mktemp("bridge-settings")) as server:
        with server.client() as client:
            answer = client.post(
                "/api/controlPlane/v1/project", json={"name": "shop", "shipyard": b64(MANUAL_APPROVAL)}
            )
            assert answer.status_code == 201, answer.text
            answer = client.post(
                "/api/controlPlane/v1/project/shop/service", json={"serviceName": "helloservice"}
            )
            assert answer.status_code == 200, answer.text
        server.context.integrations.register(
            Registration(
                "job-executor-service",
                IntegrationMetadata(hostname="runner-1", integration_version="0.3.0", location="remote"),
                (SubscriptionRequest("sh.keptn.event.test.triggered", projects=("shop",)),),
            )
        )
        yield server


def test_the_settings_pages_create_and_delete_a_service_and_a_secret(page: Any, bridge: LiveServer) -> None:
    base = f"{bridge.url}/bridge/project/shop/settings"
    page.goto(f"{bridge.url}/bridge/project/shop")
    page.get_by_role("link", name="Settings").click()
    page.wait_for_url(f"{base}/project")
    assert "name: production" in page.get_by_role("textbox", name="Shipyard text").input_value()
    assert_accessible(page, "settings-project")

    page.get_by_role("link", name="Services", exact=True).last.click()
    page.wait_for_url(f"{base}/services")
    page.get_by_label("Service name").fill(HOSTILE_KEY)
    page.get_by_role("button", name="Create service").click()
    assert f"Service '{HOSTILE_KEY}' was not created" in page.get_by_test_id("form-error").inner_text()
    assert page.get_by_label("Service name").input_value() == HOSTILE_KEY  # nothing lost, nothing run
    page.get_by_label("Service name").fill("carts")
    page.get_by_role("button", name="Create service").click()
    assert page.get_by_test_id("notice").inner_text() == "Service 'carts' was created in every stage."
    row = page.locator("tr[data-service=carts]")
    assert_accessible(page, "settings-services")
    row.get_by_text("Delete…").click()
    row.get_by_role("button", name="Yes, delete carts").click()
    assert page.get_by_test_id("notice").inner_text() == "Service 'carts' was deleted from every stage."
    assert page.locator("tr[data-service=carts]").count() == 0

    page.get_by_role("link", name="Secrets").click()
    page.wait_for_url(f"{base}/uniform/secrets")
    page.get_by_text("Add secret").first.click()
    form = page.get_by_test_id("add-secret")
    form.get_by_label("Name").fill("dynatrace")
    form.get_by_label("Scope").select_option("dynatrace-service")
    form.get_by_label("Key 1", exact=True).fill(HOSTILE_KEY)
    form.get_by_label("Value 1", exact=True).fill(VALUE)
    form.get_by_role("button", name="Add secret").click()
    error = page.get_by_test_id("form-error")
    assert "invalid secret key '<script>k</script>'" in error.inner_text()
    assert page.get_by_test_id("add-secret").get_by_label("Key 1", exact=True).input_value() == HOSTILE_KEY
    assert VALUE not in page.content()
    form = page.get_by_test_id("add-secret")
    form.get_by_label("Key 1", exact=True).fill("DT_API_TOKEN")
    form.get_by_label("Value 1", exact=True).fill(VALUE)
    form.get_by_role("button", name="Add secret").click()
    assert page.get_by_test_id("notice").inner_text() == "Secret 'dynatrace' was created."
    row = page.locator("tr[data-secret=dynatrace]")
    assert row.get_by_test_id("secret-keys").inner_text() == "DT_API_TOKEN"
    assert VALUE not in page.content()
    assert bridge.context.secrets.values("dynatrace") == {"DT_API_TOKEN": VALUE}
    assert_accessible(page, "settings-secrets")
    row.get_by_text("Delete…").click()
    row.get_by_role("button", name="Yes, delete dynatrace").click()
    assert page.get_by_test_id("notice").inner_text() == "Secret 'dynatrace' was deleted."
    assert bridge.context.secrets.list() == []

    page.get_by_role("link", name="Integrations").click()
    row = page.locator("tr[data-integration=job-executor-service]")
    assert "sh.keptn.event.test.triggered" in row.inner_text()
    assert "ago" in row.get_by_test_id("last-seen").inner_text()
    assert_accessible(page, "settings-integrations")


def test_a_project_is_deleted_only_after_its_name_is_typed(page: Any, bridge: LiveServer) -> None:
    with bridge.client() as client:
        answer = client.post(
            "/api/controlPlane/v1/project", json={"name": "doomed", "shipyard": b64(MANUAL_APPROVAL)}
        )
        assert answer.status_code == 201, answer.text
    page.goto(f"{bridge.url}/bridge/project/doomed/settings/project")
    page.get_by_text("Delete project…").click()
    page.get_by_label("Type the project's name").fill("doome")
    page.get_by_role("button", name="Delete this project").click()
    assert "Type the project's name, doomed, exactly" in page.get_by_test_id("delete-error").inner_text()
    page.get_by_label("Type the project's name").fill("doomed")
    page.get_by_role("button", name="Delete this project").click()
    page.wait_for_url(f"{bridge.url}/bridge/?done=project-deleted&name=doomed")
    assert (
        page.get_by_test_id("notice").inner_text()
        == "Project 'doomed' was deleted with its stages and services."
    )
    assert page.locator("[data-project=doomed]").count() == 0
