"""The Bridge's What if… page in-process: prefilled SLO, CSRF, old and new verdicts side by side, errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.server_context import ServerContext
from slogate.services.usecases.quality_gate import GateOutcome
from slogate.settings import Settings
from tests.support.delivery import TOKEN
from tests.support.replay_history import TIGHTER_SLO, TUTORIAL_SLO, write_history

Site = tuple[ServerContext, TestClient, list[GateOutcome]]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    context = bootstrap.server_context(Settings(data_dir=tmp_path / "data", api_token=TOKEN))  # type: ignore[arg-type]
    try:
        outcomes = write_history(context.store)
        web = TestClient(
            bootstrap.server_app(context)
        )  # no lifespan: lighthouse must not answer the gate's events
        answer = web.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        yield context, web, outcomes
        web.close()
    finally:
        context.close()


def _url(outcome: GateOutcome) -> str:
    return f"/bridge/evaluation/{outcome.keptn_context}/{outcome.finished_id}/whatif"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _row(html: str, row: str) -> list[str]:
    start = html.index(f'data-row="{row}"')
    return re.findall(r'data-status="([a-z ]*)"', html[start : html.index("</tr>", start)])


def test_the_evaluation_page_links_to_a_form_prefilled_with_its_slo(site: Site) -> None:
    _, web, outcomes = site
    board = web.get(f"/bridge/evaluation/{outcomes[-1].keptn_context}/qa").text
    assert f'href="{_url(outcomes[-1])}"' in board
    form = web.get(_url(outcomes[-1]))
    assert form.status_code == 200, form.text
    textarea = re.search(r'data-testid="whatif-slo">(.*?)</textarea>', form.text, re.DOTALL)
    assert textarea is not None
    assert unescape(textarea.group(1)) == TUTORIAL_SLO
    assert "<script" not in form.text.split("</head>")[1]  # no inline script (CSP)


def test_replaying_a_tighter_slo_shows_old_and_new_side_by_side(site: Site) -> None:
    context, web, outcomes = site
    before = len(context.store.find(limit=1000))
    url = _url(outcomes[-1])
    page = web.post(url, data={"csrf": _csrf(web.get(url).text), "slo": TIGHTER_SLO, "last": "50"})
    assert page.status_code == 200, page.text
    assert len(context.store.find(limit=1000)) == before
    html = page.text
    assert "2 of 5 builds would change verdict" in html
    labels = re.findall(r'<th scope="col" class="([^"]*)" data-event-id="[^"]+"[^>]*>([^<]+)</th>', html)
    assert [label for _, label in labels] == [f"buildId={n}" for n in "12345"]  # oldest on the left
    assert [cls.strip() for cls, _ in labels] == ["", "", "changed", "", "changed"]
    assert _row(html, "old") == ["pass", "fail", "pass", "pass", "pass"]
    assert _row(html, "new") == ["pass", "fail", "fail", "pass", "fail"]
    assert "HTTP Response Time: pass → fail (0.15 violates pass &lt;=0.1, warning &lt;=0.1)" in html
    scores = re.findall(r'<span class="score">([^<]+)</span>', html)
    assert "100" in scores  # scores as every page writes them: "100", "66.67", never "100.00"
    assert not [score for score in scores if score.endswith(".00") or len(score.partition(".")[2]) > 2]
    textarea = re.search(r'data-testid="whatif-slo">(.*?)</textarea>', html, re.DOTALL)
    assert textarea is not None
    assert unescape(textarea.group(1)) == TIGHTER_SLO


def test_the_replay_needs_the_csrf_token(site: Site) -> None:
    _, web, outcomes = site
    answer = web.post(_url(outcomes[-1]), data={"slo": TIGHTER_SLO})
    assert answer.status_code == 403


def test_a_bad_slo_or_count_lists_the_problems_and_replays_nothing(site: Site) -> None:
    _, web, outcomes = site
    url = _url(outcomes[0])
    bad = TUTORIAL_SLO.replace("objectives:", "objectivs: []\nobjectives:")
    page = web.post(url, data={"csrf": _csrf(web.get(url).text), "slo": bad, "last": "abc"})
    huge = web.post(url, data={"csrf": _csrf(web.get(url).text), "slo": TUTORIAL_SLO, "last": "9" * 5000})
    assert huge.status_code == 400
    assert page.status_code == 400
    problems = re.findall(r'<li class="error">([^<]+)</li>', page.text)
    assert problems[0] == "Builds: give a number from 1 to 1000, not &#39;abc&#39;"
    assert any("objectivs" in problem for problem in problems[1:])
    assert 'data-testid="whatif"' not in page.text
    assert "objectivs: []" in page.text  # the text is kept for editing


def test_unknown_or_foreign_evaluations_are_404(site: Site) -> None:
    _, web, outcomes = site
    assert web.get(f"/bridge/evaluation/{outcomes[0].keptn_context}/nope/whatif").status_code == 404
    foreign = f"/bridge/evaluation/{outcomes[1].keptn_context}/{outcomes[0].finished_id}/whatif"
    assert web.get(foreign).status_code == 404
    csrf = _csrf(web.get(_url(outcomes[0])).text)
    assert web.post(foreign, data={"csrf": csrf, "slo": TUTORIAL_SLO}).status_code == 404
