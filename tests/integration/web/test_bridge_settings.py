"""The Bridge's settings pages in-process: shipyard, project deletion, services, integrations, secrets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slogate.ports import IntegrationMetadata
from slogate.services.usecases.integrations import Registration, SubscriptionRequest
from tests.support.bridge_client import Bridge, bridge_client
from tests.support.delivery import SHIPYARD, create_project

SETTINGS = "/bridge/project/fulltour/settings"
HOSTILE = "<script>alert(1)</script>\"'"
SECRET_VALUE = "s3cr3t-value-never-shown"


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Bridge]:
    with bridge_client(tmp_path) as bridge:
        create_project(bridge.api, SHIPYARD)
        yield bridge


def test_the_project_page_shows_the_shipyard_and_replaces_it_from_an_upload(bridge: Bridge) -> None:
    page = bridge.web.get(f"{SETTINGS}/project")
    assert page.status_code == 200
    assert "name: production" in page.text  # the stored shipyard, shown
    reordered = SHIPYARD + "\n# replaced from the Bridge\n"
    answer = bridge.web.post(
        f"{SETTINGS}/project/shipyard",
        data={"csrf": bridge.csrf, "shipyard": "ignored: the file wins"},
        files={"file": ("shipyard.yaml", reordered.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert bridge.context.catalog.project("fulltour").shipyard == reordered
    assert "The shipyard was replaced." in bridge.web.get(answer.headers["location"]).text


def test_a_bad_shipyard_is_explained_and_the_text_kept(bridge: Bridge) -> None:
    broken = SHIPYARD.replace("name: production", "name: prod")  # a stage renamed: refused
    answer = bridge.web.post(f"{SETTINGS}/project/shipyard", data={"csrf": bridge.csrf, "shipyard": broken})
    assert answer.status_code == 422
    assert 'data-testid="form-error"' in answer.text
    assert "was not replaced" in answer.text
    assert "name: prod\n" in answer.text  # what was typed is still in the textarea
    assert "name: production" in bridge.context.catalog.project("fulltour").shipyard
    binary = bridge.web.post(
        f"{SETTINGS}/project/shipyard",
        data={"csrf": bridge.csrf, "shipyard": ""},
        files={"file": ("shipyard.yaml", b"\xff\xfe\x00", "application/yaml")},
    )
    assert binary.status_code == 422
    assert "is not UTF-8 text" in binary.text
    empty = bridge.web.post(f"{SETTINGS}/project/shipyard", data={"csrf": bridge.csrf, "shipyard": " "})
    assert empty.status_code == 422
    assert "The shipyard is empty" in empty.text


def test_deleting_the_project_needs_its_name_typed(bridge: Bridge) -> None:
    wrong = bridge.web.post(f"{SETTINGS}/project/delete", data={"csrf": bridge.csrf, "confirm": "fulltou"})
    assert wrong.status_code == 422
    assert "Type the project" in wrong.text
    assert bridge.context.catalog.project("fulltour")
    answer = bridge.web.post(
        f"{SETTINGS}/project/delete",
        data={"csrf": bridge.csrf, "confirm": "fulltour"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/bridge/?done=project-deleted")
    assert bridge.api.get("/api/controlPlane/v1/project/fulltour").status_code == 404
    assert "Project &#39;fulltour&#39; was deleted" in bridge.web.get(answer.headers["location"]).text


def test_services_are_created_and_deleted_and_bad_names_explained(bridge: Bridge) -> None:
    answer = bridge.web.post(
        f"{SETTINGS}/services", data={"csrf": bridge.csrf, "name": "carts"}, follow_redirects=False
    )
    assert answer.status_code == 303
    stage = bridge.api.get("/api/controlPlane/v1/project/fulltour/stage/qa/service/carts")
    assert stage.status_code == 200
    page = bridge.web.get(answer.headers["location"])
    assert "Service &#39;carts&#39; was created in every stage." in page.text
    assert 'data-service="carts"' in page.text
    again = bridge.web.post(f"{SETTINGS}/services", data={"csrf": bridge.csrf, "name": "carts"})
    assert again.status_code == 422
    assert "was not created" in again.text
    hostile = bridge.web.post(f"{SETTINGS}/services", data={"csrf": bridge.csrf, "name": HOSTILE})
    assert hostile.status_code == 422
    assert "<script>alert" not in hostile.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.text
    deleted = bridge.web.post(
        f"{SETTINGS}/services/delete", data={"csrf": bridge.csrf, "name": "carts"}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert bridge.api.get("/api/controlPlane/v1/project/fulltour/stage/qa/service/carts").status_code == 404
    missing = bridge.web.post(f"{SETTINGS}/services/delete", data={"csrf": bridge.csrf, "name": HOSTILE})
    assert missing.status_code == 422
    assert "was not deleted" in missing.text
    assert "<script>alert" not in missing.text


def test_secrets_show_names_scopes_and_keys_but_never_values(bridge: Bridge) -> None:
    answer = bridge.web.post(
        f"{SETTINGS}/uniform/secrets",
        data={
            "csrf": bridge.csrf,
            "action": "create",
            "name": "dynatrace",
            "scope": "dynatrace-service",
            "key": ["DT_API_TOKEN", "DT_TENANT", ""],
            "value": [SECRET_VALUE, "tenant.example", ""],
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert bridge.context.secrets.values("dynatrace") == {
        "DT_API_TOKEN": SECRET_VALUE,
        "DT_TENANT": "tenant.example",
    }
    page = bridge.web.get(answer.headers["location"])
    assert "DT_API_TOKEN, DT_TENANT" in page.text
    assert "dynatrace-service" in page.text
    assert SECRET_VALUE not in page.text
    assert "tenant.example" not in page.text
    updated = bridge.web.post(
        f"{SETTINGS}/uniform/secrets",
        data={"csrf": bridge.csrf, "action": "update", "name": "dynatrace", "scope": "dynatrace-service",
              "key": ["DT_API_TOKEN"], "value": ["rotated-" + SECRET_VALUE]},
        follow_redirects=False,
    )  # fmt: skip
    assert updated.status_code == 303
    assert bridge.context.secrets.values("dynatrace") == {"DT_API_TOKEN": "rotated-" + SECRET_VALUE}
    page = bridge.web.get(updated.headers["location"])
    assert "Secret &#39;dynatrace&#39; was updated." in page.text
    assert SECRET_VALUE not in page.text


def test_a_bad_secret_is_explained_keeping_name_and_keys_but_not_values(bridge: Bridge) -> None:
    hostile_key = '<script>k</script>"'
    answer = bridge.web.post(
        f"{SETTINGS}/uniform/secrets",
        data={"csrf": bridge.csrf, "action": "create", "name": "ok-name", "scope": "keptn-default",
              "key": [hostile_key], "value": [SECRET_VALUE]},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "invalid secret key" in answer.text
    assert SECRET_VALUE not in answer.text
    assert "<script>k" not in answer.text
    assert 'value="&lt;script&gt;k&lt;/script&gt;&#34;"' in answer.text
    assert 'value="ok-name"' in answer.text  # the name is kept
    for data, message in (
        ({"name": HOSTILE, "key": ["K"], "value": ["v"]}, "invalid secret name"),
        ({"name": "n", "key": ["K", "K"], "value": ["v", "w"]}, "is given twice"),
        ({"name": "n", "key": ["", ""], "value": ["v", ""]}, "has a value but no key"),
        ({"name": "n", "key": ["K"], "value": [""]}, "has no value"),
        ({"name": "n", "key": [""], "value": [""]}, "at least one key"),
        (
            {"name": "n", "scope": "nope", "key": ["K"], "value": ["v"]},
            "scope &#39;nope&#39; is not available",
        ),
    ):
        answer = bridge.web.post(
            f"{SETTINGS}/uniform/secrets", data={"csrf": bridge.csrf, "action": "create", **data}
        )
        assert answer.status_code == 422, data
        assert message in answer.text, (data, answer.text[-2000:])
        assert "<script>alert" not in answer.text
    missing = bridge.web.post(
        f"{SETTINGS}/uniform/secrets",
        data={"csrf": bridge.csrf, "action": "update", "name": "nope", "key": ["K"], "value": ["v"]},
    )
    assert missing.status_code == 422
    assert "not found" in missing.text


def test_secrets_are_deleted_with_a_confirmation_and_a_missing_one_explained(bridge: Bridge) -> None:
    bridge.context.secrets.create("gone", "keptn-default", {"K": SECRET_VALUE})
    page = bridge.web.get(f"{SETTINGS}/uniform/secrets")
    assert "Yes, delete gone" in page.text
    assert SECRET_VALUE not in page.text
    answer = bridge.web.post(
        f"{SETTINGS}/uniform/secrets/delete",
        data={"csrf": bridge.csrf, "name": "gone", "scope": "keptn-default"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert bridge.context.secrets.list() == []
    again = bridge.web.post(
        f"{SETTINGS}/uniform/secrets/delete",
        data={"csrf": bridge.csrf, "name": "gone", "scope": "keptn-default"},
    )
    assert again.status_code == 422
    assert "not found in project" in again.text


def test_integrations_list_registrations_with_subscriptions_and_last_seen(bridge: Bridge) -> None:
    empty = bridge.web.get(f"{SETTINGS}/uniform/integrations")
    assert empty.status_code == 200
    assert 'data-testid="no-integrations"' in empty.text
    metadata = IntegrationMetadata(hostname="runner-1", integration_version="0.3.0", location="remote")
    bridge.context.integrations.register(
        Registration(
            "job-executor-service",
            metadata,
            (SubscriptionRequest("sh.keptn.event.test.triggered", projects=("fulltour",), stages=("qa",)),),
        )
    )
    bridge.context.integrations.register(
        Registration(
            HOSTILE, metadata, (SubscriptionRequest("sh.keptn.event.x.triggered", projects=("other",)),)
        )
    )
    page = bridge.web.get(f"{SETTINGS}/uniform/integrations")
    assert page.status_code == 200
    assert "job-executor-service" in page.text
    assert "sh.keptn.event.test.triggered" in page.text
    assert "runner-1" in page.text
    assert "0.3.0" in page.text
    assert "stages: qa" in page.text
    assert datetime.now(UTC).strftime("%Y-%m-%d") in page.text  # last seen
    assert page.text.index("job-executor-service") < page.text.index("&lt;script&gt;")  # active first
    assert "<script>alert" not in page.text
    assert 'class="inactive"' in page.text  # the other project's integration is greyed


def test_every_settings_form_refuses_a_request_without_the_csrf_token(bridge: Bridge) -> None:
    for path in ("/project/shipyard", "/project/delete", "/services", "/services/delete",
                 "/uniform/secrets", "/uniform/secrets/delete"):  # fmt: skip
        answer = bridge.web.post(SETTINGS + path, data={"csrf": "forged", "confirm": "fulltour", "name": "x"})
        assert answer.status_code == 403, path
    assert bridge.context.catalog.project("fulltour")


def test_the_settings_of_an_unknown_project_are_a_readable_404(bridge: Bridge) -> None:
    for path in ("/project", "/services", "/uniform/integrations", "/uniform/secrets"):
        answer = bridge.web.get(f"/bridge/project/nope/settings{path}")
        assert answer.status_code == 404, path
        assert 'data-testid="not-found"' in answer.text, path
    answer = bridge.web.post(
        "/bridge/project/nope/settings/services", data={"csrf": bridge.csrf, "name": "a"}
    )
    assert answer.status_code == 404
    redirect = bridge.web.get("/bridge/project/fulltour/settings", follow_redirects=False)
    assert redirect.headers["location"] == f"{SETTINGS}/project"
