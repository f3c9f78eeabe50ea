"""The Bridge's approve/decline and pause/resume/abort: refused requests answer an HTML page saying why."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from slogate.web.sequence_actions import redirect_back
from tests.support.bridge_client import Bridge, bridge_client
from tests.support.delivery import MANUAL_APPROVAL, create_project, settle, trigger_delivery


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Bridge]:
    with bridge_client(tmp_path) as bridge:
        create_project(bridge.api, MANUAL_APPROVAL)
        yield bridge


def waiting_delivery(bridge: Bridge) -> tuple[str, str]:
    """A delivery waiting for its production approval: its context and the approval's triggered id."""
    delivery = trigger_delivery(bridge.api, "v0.1.1")
    settle(bridge.context)
    view = bridge.web.get(f"/bridge/project/fulltour/sequence/{delivery}")
    found = re.search(r'name="triggered_id" value="([^"]+)"', view.text)
    assert found is not None
    return delivery, found.group(1)


def assert_html_error(answer: object, status: int, words: str) -> None:
    assert getattr(answer, "status_code", None) == status
    text = getattr(answer, "text", "")
    assert getattr(answer, "headers", {})["content-type"].startswith("text/html")
    assert 'data-testid="action-error"' in text
    assert words in text, text[-1500:]


def test_a_decided_or_forged_approval_answers_an_html_page(bridge: Bridge) -> None:
    delivery, triggered_id = waiting_delivery(bridge)
    path = f"/bridge/project/fulltour/sequence/{delivery}/approval"
    forged = bridge.web.post(
        path, data={"csrf": bridge.csrf, "triggered_id": triggered_id, "decision": "maybe"}
    )
    assert_html_error(forged, 400, "The decision must be approve or decline, not &#39;maybe&#39;.")
    first = bridge.web.post(
        path,
        data={"csrf": bridge.csrf, "triggered_id": triggered_id, "decision": "decline"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    settle(bridge.context)
    again = bridge.web.post(
        path, data={"csrf": bridge.csrf, "triggered_id": triggered_id, "decision": "approve"}
    )
    assert_html_error(again, 404, "This approval is not open any more")
    assert f'href="/bridge/project/fulltour/sequence/{delivery}"' in again.text
    unknown = bridge.web.post(
        "/bridge/project/nope/sequence/x/approval",
        data={"csrf": bridge.csrf, "triggered_id": "x", "decision": "approve"},
    )
    assert_html_error(unknown, 404, "There is no project &#39;nope&#39;.")


def test_an_approval_from_the_stage_pane_goes_back_to_it_and_never_elsewhere(bridge: Bridge) -> None:
    delivery, triggered_id = waiting_delivery(bridge)
    path = f"/bridge/project/fulltour/sequence/{delivery}/approval"
    back = "/bridge/project/fulltour?stage=production"
    answer = bridge.web.post(
        path,
        data={"csrf": bridge.csrf, "triggered_id": triggered_id, "decision": "approve", "back": back},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == back


@pytest.mark.parametrize(
    "evil", ["//evil.example/x", "https://evil.example/", "/bridge//evil.example", "/bridge/\\evil", "/api/x"]
)
def test_back_never_leads_out_of_the_bridge(evil: str) -> None:
    assert (
        redirect_back("p", "ctx", "qa", evil).headers["location"] == "/bridge/project/p/sequence/ctx?stage=qa"
    )
    assert redirect_back("p", "ctx", "", "/bridge/project/p").headers["location"] == "/bridge/project/p"


def test_a_redirect_back_elsewhere_is_replaced_by_the_sequence_view(bridge: Bridge) -> None:
    delivery, triggered_id = waiting_delivery(bridge)
    answer = bridge.web.post(
        f"/bridge/project/fulltour/sequence/{delivery}/approval",
        data={
            "csrf": bridge.csrf,
            "triggered_id": triggered_id,
            "decision": "approve",
            "back": "//evil.example",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/bridge/project/fulltour/sequence/{delivery}?stage=production"


def test_controls_a_sequence_cannot_take_answer_an_html_page(bridge: Bridge) -> None:
    delivery, _ = waiting_delivery(bridge)
    path = f"/bridge/project/fulltour/sequence/{delivery}/control"
    forged = bridge.web.post(path, data={"csrf": bridge.csrf, "state": "explode"})
    assert_html_error(forged, 400, "The state must be pause, resume or abort, not &#39;explode&#39;.")
    resume = bridge.web.post(path, data={"csrf": bridge.csrf, "state": "resume"})
    assert_html_error(resume, 409, "it cannot be resumed now")
    in_stage = bridge.web.post(
        path, data={"csrf": bridge.csrf, "state": "resume", "stage": "qa"}, follow_redirects=False
    )
    assert (
        in_stage.status_code == 303
    )  # a stage's own state may differ from the sequence's: the engine decides
    abort = bridge.web.post(path, data={"csrf": bridge.csrf, "state": "abort"}, follow_redirects=False)
    assert abort.status_code == 303
    settle(bridge.context)
    pause = bridge.web.post(path, data={"csrf": bridge.csrf, "state": "pause"})
    assert_html_error(pause, 409, "The sequence has ended (aborted): there is nothing to pause any more.")
    unknown = bridge.web.post(
        "/bridge/project/fulltour/sequence/no-such-context/control",
        data={"csrf": bridge.csrf, "state": "abort"},
    )
    assert_html_error(unknown, 404, "has no sequence with the context &#39;no-such-context&#39;")
