"""The Bridge's evaluation board in-process: heatmap, SLI table, 404s, invalidation and its CSRF check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, KeptnEvent
from slogate.server_context import ServerContext
from tests.support.delivery import (
    FAST,
    SLOW,
    TOKEN,
    Backend,
    create_project,
    delivery_server,
    settle,
    trigger_delivery,
)

PROJECT = "fulltour"


def _deliver(client: TestClient, context: ServerContext, build: str) -> str:
    keptn_context = trigger_delivery(client, build, project=PROJECT, labels={"buildId": build})
    settle(context)
    return keptn_context


class Board:
    """A server with two qa evaluations (build 1 passes, build 2 fails) and a logged-in Bridge client."""

    def __init__(self, context: ServerContext, api: TestClient, backend: Backend) -> None:
        self.context, self.api, self.backend = context, api, backend
        self.web = TestClient(bootstrap.server_app(context))
        answer = self.web.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        self.passed = self.deliver("1.0.0", FAST)
        self.failed = self.deliver("1.0.1", SLOW)

    def deliver(self, build: str, values: dict[str, float]) -> str:
        self.backend.values = dict(values)
        return _deliver(self.api, self.context, build)

    def finished_id(self, keptn_context: str) -> str:
        found = self.context.store.find(type=EVALUATION_FINISHED, shkeptncontext=keptn_context, limit=1)
        return found[0].id

    def csrf(self, html: str) -> str:
        match = re.search(r'name="csrf" value="([^"]+)"', html)
        assert match is not None
        return match.group(1)


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Board]:
    with delivery_server(tmp_path_factory.mktemp("board")) as (context, api, backend):
        create_project(api)
        state = Board(context, api, backend)
        yield state
        state.web.close()


def _cells(html: str, row: str) -> list[str]:
    """The statuses of one heatmap row's cells, left to right."""
    start = html.index(f'data-row="{row}"')
    body = html[start : html.index("</tr>", start)]
    return re.findall(r'data-status="([a-z]*)"', body)


def test_the_failed_evaluation_shows_its_history_heatmap_and_sli_table(board: Board) -> None:
    page = board.web.get(f"/bridge/evaluation/{board.failed}/qa")
    assert page.status_code == 200, page.text
    html = page.text
    assert _cells(html, "Score") == ["pass", "fail"]
    assert _cells(html, "HTTP Response Time") == ["pass", "fail"]
    assert _cells(html, "Go Routines") == ["pass", "pass"]
    rows = re.findall(r'<tr class="[^"]*" data-row="([^"]+)"', html)
    assert rows == ["Score", "HTTP Response Time", "Request Throughput", "Go Routines"]  # the SLO order
    columns = re.findall(r'<th scope="col" class="col([^"]*)" data-event-id', html)
    assert columns == [" compared", " selected"]  # build 1 was the baseline of build 2
    assert "1.0.0" in html
    assert "1.0.1" in html
    assert "background-color: #dc172a" in html
    assert "background-color: #7dc540" in html
    assert "Compared value: 0.004" in html  # the tooltip of the failed response time
    assert '<del class="violated" title="violated (target 0.2)">&lt;=0.2</del>' in html
    assert "fail: key SLI &#39;HTTP Response Time&#39; failed (0.41 &gt; 0.2)" in html
    assert "1 Key SLI failed" in html
    assert "(+10150.0%)" in html  # 0.41 against 0.004
    assert "total_score:" in html  # Show SLO
    queries = re.findall(r'data-testid="sli-query"><code>([^<]*)</code>', html)
    assert sorted(queries) == sorted(f"fake({name})" for name in SLOW)  # from the context's get-sli.finished


def test_the_context_alone_selects_its_latest_evaluation(board: Board) -> None:
    html = board.web.get(f"/bridge/evaluation/{board.passed}").text
    columns = re.findall(r'<th scope="col" class="col([^"]*)" data-event-id', html)
    assert columns == [" selected", ""]


def test_the_chart_is_an_inline_svg(board: Board) -> None:
    html = board.web.get(f"/bridge/evaluation/{board.failed}/qa?view=chart").text
    assert "<svg" in html
    assert 'fill="#dc172a"' in html
    assert 'fill="#7dc540"' in html
    assert "<script" not in html.split("<main")[1]


def test_missing_contexts_and_stages_are_readable_404_pages(board: Board) -> None:
    missing = board.web.get("/bridge/evaluation/no-such-context")
    assert missing.status_code == 404
    assert "Traces for no-such-context not found" in missing.text
    stage = board.web.get(f"/bridge/evaluation/{board.failed}/production")
    assert stage.status_code == 404
    assert "in stage &#39;production&#39;" in stage.text


def test_invalidating_needs_the_csrf_token_then_leaves_the_comparison(board: Board) -> None:
    finished = board.finished_id(board.passed)
    url = f"/bridge/evaluation/{board.passed}/{finished}/invalidate"
    refused = board.web.post(url, data={"csrf": "forged"})
    assert refused.status_code == 403
    html = board.web.get(f"/bridge/evaluation/{board.passed}/qa").text
    assert 'name="reason"' in html
    done = board.web.post(
        url, data={"csrf": board.csrf(html), "reason": "the load test broke"}, follow_redirects=False
    )
    assert done.status_code == 303
    (invalidation,) = board.context.store.find(type="sh.keptn.event.evaluation.invalidated", limit=5)
    assert invalidation.data["evaluation"] == {"reason": "the load test broke"}
    shown = board.web.get(done.headers["location"]).text
    assert 'data-testid="invalidated"' in shown
    assert "Ignore for comparison</button>" not in shown
    later = board.deliver("1.0.2", FAST)
    html = board.web.get(f"/bridge/evaluation/{later}/qa").text
    columns = re.findall(r'<th scope="col" class="col([^"]*)" data-event-id', html)
    assert columns == [" invalidated", "", " selected"]  # nothing left to compare with
    assert "Not compared with any previous evaluation." in html


def test_an_sli_without_a_value_shows_the_provider_message(board: Board) -> None:
    board.backend.values = {}  # the provider answers no SLI
    keptn_context = _deliver(board.api, board.context, "novalue")
    html = board.web.get(f"/bridge/evaluation/{keptn_context}/qa").text
    row = html[html.index('<tr data-sli="HTTP Response Time"') :]
    assert '<span class="error">' in row[: row.index("</tr>")]


def test_an_errored_evaluation_shows_its_message(board: Board) -> None:
    data = {
        "project": PROJECT,
        "stage": "qa",
        "service": "helloservice",
        "status": "errored",
        "result": "fail",
        "message": "no SLO file found: add slo.yaml to the service",
        "evaluation": {
            "timeStart": "",
            "timeEnd": "",
            "result": "fail",
            "score": 0,
            "indicatorResults": None,
        },
    }
    now = datetime.now(UTC)
    event = KeptnEvent(
        "errored-1", EVALUATION_FINISHED, "lighthouse", now, "ctx-err", data, triggeredid="t-err"
    )
    board.context.store.add([event])
    page = board.web.get("/bridge/evaluation/ctx-err/qa")
    assert page.status_code == 200
    assert "errored: no SLO file found: add slo.yaml to the service" in page.text
    assert 'data-testid="sli-table"' not in page.text


def test_the_sli_table_sorts_by_a_column_and_the_link_keeps_the_state(board: Board) -> None:
    base = f"/bridge/evaluation/{board.failed}/qa"

    def names(html: str) -> list[str]:
        return re.findall(r'<tr data-sli="([^"]+)"', html)

    by_name = board.web.get(base, params={"sort": "name", "view": "chart", "all": "true"}).text
    assert names(by_name) == ["Go Routines", "HTTP Response Time", "Request Throughput"]
    assert 'aria-sort="ascending" data-sort="name"' in by_name
    reverse = re.search(r'data-sort="name"><a href="([^"]+)"', by_name)
    assert reverse is not None
    assert reverse.group(1).endswith("?view=chart&amp;all=true&amp;sort=name&amp;order=desc")
    bars = re.findall(r'<a href="(/bridge/evaluation/[^"]+)" aria-label="[^"]+"><rect', by_name)
    assert bars  # a bar selects its evaluation, and the chart, all SLIs and the order stay
    assert all(href.endswith("?view=chart&amp;all=true&amp;sort=name") for href in bars)
    descending = board.web.get(base, params={"sort": "name", "order": "desc"}).text
    columns = re.findall(
        r'<th scope="col" class="col[^"]*" data-event-id="[^"]+">\s*<a href="([^"]+)"', descending
    )
    assert columns
    assert all(href.endswith("?sort=name&amp;order=desc") for href in columns)
    assert names(descending) == ["Request Throughput", "HTTP Response Time", "Go Routines"]
    by_result = names(board.web.get(base, params={"sort": "result"}).text)
    assert by_result[0] == "HTTP Response Time"  # the failed one first
    odd = board.web.get(base, params={"sort": "<script>", "order": "sideways", "view": "pie"})
    assert odd.status_code == 200  # unknown values fall back to the defaults
    assert 'aria-sort="ascending" data-sort="score"' in odd.text


def test_two_ticked_columns_open_the_comparison_and_bad_picks_say_what_to_do(board: Board) -> None:
    html = board.web.get(f"/bridge/evaluation/{board.failed}/qa").text
    assert 'action="/bridge/compare"' in html
    picks = re.findall(r'name="e" value="([^"]+)"', html)
    ids = [board.finished_id(board.passed), board.finished_id(board.failed)]  # 1.0.0, then 1.0.1
    assert set(ids) <= set(picks)  # each heatmap column can be ticked
    page = board.web.get("/bridge/compare", params=[("e", ids[1]), ("e", ids[0])])  # any order
    assert page.status_code == 200, page.text
    text = page.text
    assert text.index('data-testid="side-a">1.0.0<') < text.index('data-testid="side-b">1.0.1<')  # older left
    row = text[text.index('<tr data-sli="HTTP Response Time"') :]
    row = row[: row.index("</tr>")]
    assert 'class="changed"' in row
    assert "0.004" in row
    assert "0.41" in row
    assert "pass &lt;=0.2: met → violated" in row
    baseline = re.search(r'href="([^"]+)" data-testid="baseline-link"', html)
    assert baseline is not None  # 1.0.1 was compared with 1.0.0: one click to both side by side
    assert unescape(baseline.group(1)) == f"/bridge/compare?e={ids[0]}&e={ids[1]}"
    first = board.web.get(f"/bridge/evaluation/{board.passed}/qa").text
    assert 'data-testid="baseline-link"' not in first  # compared with nothing
    one = board.web.get("/bridge/compare", params={"e": ids[0]})
    assert one.status_code == 400
    assert "tick two columns" in one.text
    assert "<html" in one.text  # a page, not the API's JSON
    unknown = board.web.get("/bridge/compare", params=[("e", ids[0]), ("e", "no-such-id")])
    assert unknown.status_code == 404
    assert "No evaluation has the event id &#39;no-such-id&#39;" in unknown.text
