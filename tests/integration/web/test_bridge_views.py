"""The Bridge's service view, the environment's evaluation strips and its stage details pane, in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.bridge_client import Bridge, bridge_client
from tests.support.delivery import MANUAL_APPROVAL, create_project, settle, trigger_delivery

HOSTILE = "<script>alert(1)</script>\"'"


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Bridge]:
    with bridge_client(tmp_path) as bridge:
        create_project(bridge.api, MANUAL_APPROVAL)
        yield bridge


def section(text: str, start: str, end: str = "</section>") -> str:
    """The part of ``text`` from ``start`` to the next ``end``."""
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


def test_the_service_view_shows_each_stage_with_its_sequences_and_evaluations(bridge: Bridge) -> None:
    first = trigger_delivery(bridge.api, "v0.1.1", labels={"buildId": "101"})
    settle(bridge.context)
    page = bridge.web.get("/bridge/project/fulltour/service/helloservice")
    assert page.status_code == 200
    qa = section(page.text, 'data-stage="qa"')
    assert 'data-testid="stage-image" title="ghcr.io/podtato-head/podtatoserver:v0.1.1">v0.1.1<' in qa
    assert f"/bridge/project/fulltour/sequence/{first}?stage=qa" in qa
    assert "ghcr.io/podtato-head/podtatoserver:v0.1.1" in qa
    assert "buildId: 101" in qa
    assert qa.count('data-testid="sequence-evaluation"') == 1  # the delivery's evaluation, beside it
    assert f'href="/bridge/evaluation/{first}/qa"' in qa
    production = section(page.text, 'data-stage="production"')
    assert "not deployed" in production  # waits for the approval
    assert "waitingForApproval" in production
    listing = bridge.web.get("/bridge/project/fulltour/service")
    assert listing.status_code == 200
    assert 'data-service="helloservice"' in listing.text
    assert "qa: <strong>v0.1.1</strong>" in listing.text


def test_the_service_view_of_an_unknown_or_hostile_service_is_a_readable_404(bridge: Bridge) -> None:
    page = bridge.web.get("/bridge/project/fulltour/service/%3Cscript%3Ealert(1)%22'")
    assert page.status_code == 404
    assert 'data-testid="not-found"' in page.text
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(1)&#34;&#39;" in page.text
    assert bridge.web.get("/bridge/project/nope/service").status_code == 404


def test_a_hostile_service_name_is_escaped_on_every_page(bridge: Bridge) -> None:
    name = "q\"' onmouseover=alert(1) x"  # Keptn refuses / > < | : & in service names, not quotes
    answer = bridge.api.post("/api/controlPlane/v1/project/fulltour/service", json={"serviceName": name})
    assert answer.status_code == 200, answer.text
    bridge.api.post(
        "/api/v1/event",
        json={
            "type": "sh.keptn.event.qa.evaluation.triggered", "source": "test", "specversion": "1.0",
            "data": {"project": "fulltour", "stage": "qa", "service": name},
        },
    )  # fmt: skip
    settle(bridge.context)
    escaped = "q&#34;&#39; onmouseover=alert(1) x"
    for path in (
        "/bridge/project/fulltour",
        "/bridge/project/fulltour?stage=qa",
        "/bridge/project/fulltour/stages",
        "/bridge/project/fulltour/service",
        "/bridge/project/fulltour/service/q%22%27%20onmouseover%3Dalert%281%29%20x",
        "/bridge/project/fulltour/settings/services",
    ):
        page = bridge.web.get(path)
        assert page.status_code == 200, path
        assert name not in page.text, path
        assert escaped in page.text, path


def invalidate(bridge: Bridge, keptn_context: str) -> None:
    """Store ``evaluation.invalidated`` for the qa evaluation of ``keptn_context``."""
    found = bridge.api.get(
        "/api/mongodb-datastore/event",
        params={"keptnContext": keptn_context, "type": "sh.keptn.event.evaluation.finished"},
    ).json()["events"]
    finished = found[0]
    answer = bridge.api.post(
        "/api/v1/event",
        json={
            "type": "sh.keptn.event.evaluation.invalidated",
            "source": "test",
            "specversion": "1.0",
            "shkeptncontext": keptn_context,
            "triggeredid": finished["triggeredid"],
            "data": {"project": "fulltour", "stage": "qa", "service": "helloservice"},
        },
    )
    assert answer.status_code == 200, answer.text


def test_the_environment_shows_the_five_evaluations_before_the_latest_without_invalidated_ones(
    bridge: Bridge,
) -> None:
    contexts = []
    for build in range(8):
        contexts.append(
            trigger_delivery(bridge.api, f"v0.{build}.0", stage="qa", labels={"buildId": str(build)})
        )
        settle(bridge.context)
    invalidate(bridge, contexts[5])
    settle(bridge.context)
    page = bridge.web.get("/bridge/project/fulltour")
    qa = section(page.text, 'data-stage="qa"')
    strip = section(qa, 'data-testid="evaluation-strip"', "</div>")
    hrefs = [f"/bridge/evaluation/{c}/qa" for c in contexts]
    assert hrefs[7] not in strip  # the latest is the badge, not in the strip
    assert f'data-testid="evaluation-badge" href="{hrefs[7]}"' in qa
    shown = [index for index, href in enumerate(hrefs) if href in strip]
    assert shown == [1, 2, 3, 4, 6]  # five, oldest first, the invalidated one left out
    assert strip.index(hrefs[1]) < strip.index(hrefs[6])


def test_the_stage_pane_filters_services_and_offers_the_approval(bridge: Bridge) -> None:
    answer = bridge.api.post("/api/controlPlane/v1/project/fulltour/service", json={"serviceName": "quiet"})
    assert answer.status_code == 200
    delivery = trigger_delivery(bridge.api, "v0.1.1")
    settle(bridge.context)
    plain = bridge.web.get("/bridge/project/fulltour")
    assert 'data-testid="stage-pane"' not in plain.text
    assert 'href="/bridge/project/fulltour?stage=production&amp;filter=approval"' in plain.text
    page = bridge.web.get("/bridge/project/fulltour?stage=production")
    pane = section(page.text, 'data-testid="stage-pane"', "</aside>")
    assert 'data-service="helloservice"' in pane
    assert 'data-service="quiet"' in pane
    assert "1 Services out-of-sync" in pane
    assert 'aria-disabled="true">0 Quality gates failed' in pane
    filtered = bridge.web.get("/bridge/project/fulltour?stage=production&filter=approval")
    pane = section(filtered.text, 'data-testid="stage-pane"', "</aside>")
    assert 'data-service="helloservice"' in pane
    assert 'data-service="quiet"' not in pane
    assert 'aria-pressed="true"' in pane
    assert f'action="/bridge/project/fulltour/sequence/{delivery}/approval"' in pane
    assert "podtatoserver:v0.1.1" in pane
    for odd in ("stage=nope", "stage=production&filter=nope", f"stage={HOSTILE}"):
        answer = bridge.web.get(f"/bridge/project/fulltour?{odd}")
        assert answer.status_code == 200, odd
        assert "<script>alert" not in answer.text
    unknown = bridge.web.get("/bridge/project/fulltour?stage=production&filter=nope")
    assert "Services out-of-sync" in unknown.text
    assert 'aria-pressed="true"' not in unknown.text
    polled = bridge.web.get("/bridge/project/fulltour/stages?stage=production")
    assert 'hx-get="/bridge/project/fulltour/stages?stage=production"' in polled.text
    assert 'class="card stage selected" data-stage="production"' in polled.text


def test_the_delivery_dialog_sends_labels_and_helm_values_with_the_image(bridge: Bridge) -> None:
    answer = bridge.web.post(
        "/bridge/project/fulltour/trigger/delivery",
        data={
            "csrf": bridge.csrf, "service": "helloservice", "stage": "qa", "image": "repo/hello:v9",
            "labels": "buildId=9", "values": '{"replicaCount": 2, "image": "ignored", "env": {"A": "b"}}',
        },
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    keptn_context = answer.headers["location"].rsplit("/", 1)[-1]
    found = bridge.api.get(
        "/api/mongodb-datastore/event",
        params={"keptnContext": keptn_context, "type": "sh.keptn.event.qa.delivery.triggered"},
    ).json()["events"]
    data = found[0]["data"]
    assert data["configurationChange"]["values"] == {
        "replicaCount": 2,
        "image": "repo/hello:v9",
        "env": {"A": "b"},
    }
    assert data["labels"] == {"buildId": "9"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"replicaCount": 2,}',
            "values must be valid JSON: Expecting property name enclosed in double quotes at line 1, "
            "column 20",
        ),
        ('["a"]', "values must be a JSON object of Helm values"),
        (f'{{"x": "{HOSTILE}', "values must be valid JSON"),
    ],
)
def test_bad_helm_values_are_explained_on_the_dialog_and_kept(
    bridge: Bridge, text: str, message: str
) -> None:
    answer = bridge.web.post(
        "/bridge/project/fulltour/trigger/delivery",
        data={
            "csrf": bridge.csrf,
            "service": "helloservice",
            "stage": "qa",
            "image": "repo/hello:v9",
            "values": text,
        },
    )
    assert answer.status_code == 422
    errors = section(answer.text, 'data-testid="trigger-errors"', "</ul>")
    assert message in errors
    assert "<script>alert" not in answer.text
    assert 'value="repo/hello:v9"' in answer.text  # the image is kept
    assert (
        ">" + text.replace('"', "&#34;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
        in answer.text
    )


def test_a_stage_tile_lists_the_twenty_most_recently_active_services_and_shows_all_in_the_pane(
    bridge: Bridge,
) -> None:
    for index in range(24):
        answer = bridge.api.post(
            "/api/controlPlane/v1/project/fulltour/service", json={"serviceName": f"svc-{index:02d}"}
        )
        assert answer.status_code == 200
    trigger_delivery(bridge.api, "v0.1.1")  # helloservice, created first, is the most recently active
    settle(bridge.context)
    page = bridge.web.get("/bridge/project/fulltour")
    qa = section(page.text, 'data-stage="qa"')
    assert qa.count('<li class="service') == 20
    assert qa.index('data-service="helloservice"') < qa.index('data-service="svc-23"')
    assert 'data-service="svc-00"' not in qa  # among the least recently active
    assert "Show all 25 services" in qa
    pane = section(
        bridge.web.get("/bridge/project/fulltour?stage=qa").text, 'data-testid="stage-pane"', "</aside>"
    )
    assert pane.count('class="pane-service"') == 25


def test_the_stage_counters_count_each_approval_in_words_that_agree(bridge: Bridge) -> None:
    first = trigger_delivery(bridge.api, "v0.1.1")
    settle(bridge.context)
    page = bridge.web.get("/bridge/project/fulltour")
    production = section(page.text, 'data-stage="production"')
    assert ">1 pending approval</a>" in production
    assert production.count('data-testid="approval"') == 1
    second = trigger_delivery(bridge.api, "v0.1.2")  # a second delivery waits behind the same service
    settle(bridge.context)
    production = section(bridge.web.get("/bridge/project/fulltour").text, 'data-stage="production"')
    chips = production.count('data-testid="approval"')
    assert f">{chips} pending approval{'' if chips == 1 else 's'}</a>" in production
    assert first != second
