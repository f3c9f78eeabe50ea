"""The Bridge with OpenID users (a fake provider behind the port): groups mapped to roles by the access
file, hidden projects answering 404, buttons and their handlers following the roles, the token login
staying admin."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from tests.support.bridge_users import World, approvals_finished, csrf_of, make_world, triggered_id
from tests.support.delivery import TOKEN


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def test_the_login_page_offers_the_provider_only_when_configured(world: World) -> None:
    page = world.browser().get("/bridge/login")
    assert "Log in with Example ID" in page.text
    plain = TestClient(bootstrap.server_app(world.context))
    world.clients.append(plain)
    assert "Log in with" not in plain.get("/bridge/login").text
    assert plain.get("/bridge/oidc/login", follow_redirects=False).status_code == 404


def test_an_operator_sees_only_the_mapped_project_and_approves_in_production(world: World) -> None:
    olivia = world.log_in("olivia")
    dashboard = olivia.get("/bridge/")
    assert 'data-project="fulltour"' in dashboard.text
    assert "secret" not in dashboard.text
    assert 'data-testid="user">olivia<' in dashboard.text
    for path in (
        "/bridge/project/secret",
        "/bridge/project/secret/sequence",
        f"/bridge/project/secret/sequence/{world.secret_delivery}",  # type: ignore[attr-defined]
        f"/bridge/evaluation/{world.secret_delivery}",  # type: ignore[attr-defined]
    ):
        hidden = olivia.get(path)
        assert hidden.status_code == 404, path
        assert "Not allowed" not in hidden.text
    missing = olivia.get("/bridge/project/does-not-exist")
    assert missing.status_code == 404
    assert "Project not found" in missing.text
    assert "Project not found" in olivia.get("/bridge/project/secret").text  # the same page: no leak
    view = olivia.get(f"/bridge/project/fulltour/sequence/{world.delivery}")
    assert ">Approve</button>" in view.text
    answer = olivia.post(
        f"/bridge/project/fulltour/sequence/{world.delivery}/approval",
        data={
            "csrf": csrf_of(view.text),
            "triggered_id": triggered_id(world, "fulltour", world.delivery),
            "decision": "approve",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert approvals_finished(world, "fulltour") == 1
    recorded = world.context.audit.query(action="approval.decide")
    assert [(entry.actor, entry.actor_kind, entry.outcome) for entry in recorded] == [
        ("olivia", "user", "allowed")
    ]


def test_a_stage_narrowed_operator_may_not_trigger_in_another_stage(world: World) -> None:
    olivia = world.log_in("olivia")
    page = olivia.get("/bridge/project/fulltour")
    assert 'data-testid="trigger-delivery"' in page.text  # production is hers
    form = {"csrf": csrf_of(page.text), "service": "helloservice", "image": "repo/app:1"}
    refused = olivia.post("/bridge/project/fulltour/trigger/delivery", data={**form, "stage": "qa"})
    assert refused.status_code == 403
    assert "may not sequence.trigger" in refused.text
    assert "in stage 'qa'" in html.unescape(refused.text)
    hidden = olivia.post("/bridge/project/secret/trigger/delivery", data={**form, "stage": "qa"})
    assert hidden.status_code == 404


def test_a_viewer_has_no_buttons_and_a_forged_post_is_refused(world: World) -> None:
    victor = world.log_in("victor")
    view = victor.get(f"/bridge/project/fulltour/sequence/{world.delivery}")
    assert view.status_code == 200
    assert ">Approve</button>" not in view.text
    assert 'data-testid="controls"' not in view.text
    assert 'data-testid="approval-not-allowed"' in view.text
    assert 'data-testid="trigger-delivery"' not in victor.get("/bridge/project/fulltour").text
    csrf = csrf_of(view.text)
    forged = victor.post(
        f"/bridge/project/fulltour/sequence/{world.delivery}/approval",
        data={
            "csrf": csrf,
            "triggered_id": triggered_id(world, "fulltour", world.delivery),
            "decision": "approve",
        },
    )
    assert forged.status_code == 403
    reason = "user 'victor' may not approval.decide: it needs role operator or higher on project 'fulltour'"
    assert reason in html.unescape(forged.text)
    assert approvals_finished(world, "fulltour") == 0
    control = victor.post(
        f"/bridge/project/fulltour/sequence/{world.delivery}/control", data={"csrf": csrf, "state": "abort"}
    )
    assert control.status_code == 403
    evaluations = world.api.get(
        "/api/mongodb-datastore/event",
        params={"project": "fulltour", "type": "sh.keptn.event.evaluation.finished"},
    ).json()["events"]
    event = evaluations[0]
    board = victor.get(f"/bridge/evaluation/{event['shkeptncontext']}/{event['id']}")
    assert board.status_code == 200
    assert "Ignore for comparison" not in board.text
    invalidate = victor.post(
        f"/bridge/evaluation/{event['shkeptncontext']}/{event['id']}/invalidate", data={"csrf": csrf}
    )
    assert invalidate.status_code == 403


def test_a_user_without_a_grant_sees_a_page_saying_so(world: World) -> None:
    nobody = world.log_in("nobody")
    page = nobody.get("/bridge/")
    assert page.status_code == 200
    assert 'data-testid="no-access"' in page.text
    assert "fulltour" not in page.text
    assert nobody.get("/bridge/project/fulltour").status_code == 404


def test_the_token_login_stays_admin(world: World) -> None:
    admin = world.browser()
    assert admin.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
    page = admin.get("/bridge/")
    assert 'data-project="fulltour"' in page.text
    assert 'data-project="secret"' in page.text
    view = admin.get(f"/bridge/project/secret/sequence/{world.secret_delivery}")  # type: ignore[attr-defined]
    assert ">Approve</button>" in view.text


def _evaluation_ids(world: World, project: str) -> list[str]:
    answer = world.api.get(
        "/api/mongodb-datastore/event",
        params={"project": project, "type": "sh.keptn.event.evaluation.finished"},
    )
    return [str(event["id"]) for event in answer.json()["events"]]


def test_the_compare_page_does_not_show_another_projects_evaluation(world: World) -> None:
    mine, theirs = _evaluation_ids(world, "fulltour"), _evaluation_ids(world, "secret")
    assert mine
    assert theirs
    olivia = world.log_in("olivia")
    hidden = olivia.get("/bridge/compare", params={"e": [mine[0], theirs[0]]})
    assert hidden.status_code == 404
    assert "Project not found" in hidden.text
    assert theirs[0] not in hidden.text


def test_settings_follow_roles_and_a_projects_secrets_stay_in_it(world: World) -> None:
    secrets = world.context.secrets
    secrets.create("fulltour-creds", None, {"token": "t1"}, "fulltour")
    secrets.create("secret-creds", None, {"token": "t2"}, "secret")
    secrets.create("global-creds", None, {"token": "t3"})
    base = "/bridge/project/fulltour/settings"
    olivia = world.log_in("olivia")  # an operator: no configuration, no secrets
    page = olivia.get(f"{base}/services")
    assert page.status_code == 200
    refused = olivia.post(f"{base}/services", data={"csrf": csrf_of(page.text), "name": "carts"})
    assert refused.status_code == 403
    assert "maintainer" in refused.text
    assert olivia.get(f"{base}/uniform/secrets").status_code == 403
    deleted = olivia.post(f"{base}/project/delete", data={"csrf": csrf_of(page.text), "confirm": "fulltour"})
    assert deleted.status_code == 403
    assert "fulltour" in [
        project["projectName"] for project in world.api.get("/api/controlPlane/v1/project").json()["projects"]
    ]
    admin = world.browser()
    assert admin.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
    listed = admin.get(f"{base}/uniform/secrets")
    assert 'data-secret="fulltour-creds"' in listed.text
    assert 'data-secret="global-creds"' in listed.text
    assert "secret-creds" not in listed.text  # another project's
    forged = admin.post(
        f"{base}/uniform/secrets/delete",
        data={"csrf": csrf_of(listed.text), "name": "secret-creds", "scope": "keptn-default"},
    )
    assert forged.status_code == 422
    assert secrets.info("secret-creds") is not None
    created = admin.post(
        f"{base}/uniform/secrets",
        data={
            "csrf": csrf_of(listed.text),
            "action": "create",
            "name": "new-creds",
            "scope": "keptn-default",
            "key": ["k"],
            "value": ["v"],
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert secrets.owner("new-creds") == "fulltour"
    assert [entry.action for entry in world.context.audit.query(project="fulltour", outcome="allowed")][
        :1
    ] == ["secret.create"]
