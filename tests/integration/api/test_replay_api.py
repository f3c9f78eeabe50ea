"""``POST /api/slogate/v1/replay``: the what-if of ``slogate evaluations replay`` over the API."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from slogate.server_context import ServerContext
from tests.support.delivery import FAST, RT, SLO, create_project, delivery_server, settle, trigger_delivery
from tests.support.replay_history import FLIPPED_BY_TIGHTER, TIGHTER_SLO, TUTORIAL_SLO, write_history

PATH = "/api/slogate/v1/replay"
SCOPE = {"project": "fulltour", "stage": "qa", "service": "helloservice"}


def _count(context: ServerContext) -> int:
    return len(context.store.find(limit=10_000))


def test_the_replay_answers_the_cli_document_and_stores_nothing(
    client: TestClient, context: ServerContext
) -> None:
    outcomes = write_history(context.store)
    before = _count(context)
    response = client.post(PATH, json={**SCOPE, "slo": TIGHTER_SLO})
    assert response.status_code == 200, response.text
    assert _count(context) == before
    document = response.json()
    assert document["summary"]["text"] == "2 of 5 builds would change verdict"
    changed = sorted(build["labels"]["buildId"] for build in document["builds"] if build["changed"])
    assert tuple(changed) == FLIPPED_BY_TIGHTER
    assert [build["id"] for build in document["builds"]] == [o.finished_id for o in reversed(outcomes)]
    five = document["builds"][0]
    assert five["new"] == {"result": "fail", "score": 66.66666666666666}
    assert five["flipped"][0]["criteria"][0] == {
        "kind": "pass",
        "criteria": "<=0.1",
        "targetValue": 0.1,
        "violated": True,
    }
    same = client.post(PATH, json={**SCOPE, "slo": TUTORIAL_SLO, "last": 2}).json()
    assert [build["new"] == build["old"] for build in same["builds"]] == [True, True]


def test_a_bad_slo_is_a_400_naming_every_lint_error(client: TestClient, context: ServerContext) -> None:
    write_history(context.store)
    bad = TUTORIAL_SLO.replace("objectives:", "objectivs: []\nobjectives:").replace('"<=30"', '"<=abc"')
    response = client.post(PATH, json={**SCOPE, "slo": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400
    assert body["message"].startswith("slo: 2 error(s) (slogate slo lint), so nothing was replayed: ")
    assert "objectivs" in body["message"]
    assert "<=abc" in body["message"]
    lenient = client.post(PATH, json={**SCOPE, "slo": bad, "lenient": True})
    assert lenient.status_code == 200, lenient.text


def test_bad_requests_and_no_token(client: TestClient, anonymous: TestClient) -> None:
    for body in (
        {**SCOPE, "slo": TUTORIAL_SLO, "last": 0},
        {**SCOPE, "slo": TUTORIAL_SLO, "last": 1001},
        {**SCOPE, "stage": "", "slo": TUTORIAL_SLO},
        {**SCOPE, "slo": TUTORIAL_SLO, "extra": 1},
        {**SCOPE},
    ):
        response = client.post(PATH, json=body)
        assert response.status_code == 400, (body, response.text)
        assert set(response.json()) == {"code", "message"}
    assert anonymous.post(PATH, json={**SCOPE, "slo": TUTORIAL_SLO}).status_code == 401
    empty = client.post(PATH, json={**SCOPE, "slo": TUTORIAL_SLO}).json()
    assert empty["builds"] == []
    assert empty["summary"]["text"] == "0 of 0 builds would change verdict"


def test_the_route_is_documented(client: TestClient) -> None:
    operation = client.get("/api/openapi.json").json()["paths"][PATH]["post"]
    assert operation["security"] == [{"x-token": []}]
    assert {"200", "400", "401", "413"} <= set(operation["responses"])
    assert "$ref" in str(operation["responses"]["200"]["content"]["application/json"]["schema"])


def test_hostile_stored_evaluations_are_reported_not_a_500(
    client: TestClient, context: ServerContext
) -> None:
    """Anyone with the token can post an evaluation.finished: a malformed one is reported, never replayed."""
    write_history(context.store)
    hostile: list[object] = [
        {"evaluation": {"indicatorResults": "garbage"}},
        {"evaluation": {"timeStart": 5, "indicatorResults": []}},
        {
            "evaluation": {
                "score": 1e308,
                "indicatorResults": [{"score": 1, "value": {"metric": "rt", "value": "1"}}],
            }
        },
        {"evaluation": {"indicatorResults": [None, 7]}},
    ]
    for data in hostile:
        finished = {**SCOPE, "result": "pass", "status": "succeeded", **data}  # type: ignore[dict-item]
        event = {
            "type": "sh.keptn.event.evaluation.finished",
            "source": "x",
            "triggeredid": "t",
            "data": finished,
        }
        answer = client.post("/api/v1/event", json=event)
        assert answer.status_code == 200, answer.text
    response = client.post(PATH, json={**SCOPE, "slo": TIGHTER_SLO})
    assert response.status_code == 200, response.text
    builds = response.json()["builds"]
    assert len(builds) == 9
    assert [build["new"] for build in builds[:4]] == [None] * 4
    assert all(build["note"].startswith("the stored evaluation cannot be read: ") for build in builds[:4])
    assert response.json()["summary"]["changed"] == 2  # the five real builds still flip as expected


def test_a_history_of_real_deliveries_replays_as_stored(tmp_path: Path) -> None:
    """Evaluations made by the server's lighthouse during deliveries: unchanged, every verdict and score
    comes back; tighter, the 0.15 s build flips (with 0.004 s and 0.41 s as the other builds)."""
    with delivery_server(tmp_path) as (context, api, backend):
        create_project(api)
        for build, rt in (("1", 0.004), ("2", 0.41), ("3", 0.15), ("4", 0.004)):
            backend.values = {**FAST, RT: rt}
            trigger_delivery(api, build, labels={"buildId": build})
            settle(context)
        same = api.post(PATH, json={**SCOPE, "slo": SLO}).json()
        assert [b["labels"]["buildId"] for b in same["builds"]] == ["4", "3", "2", "1"]
        assert [b["old"]["result"] for b in same["builds"]] == ["pass", "pass", "fail", "pass"]
        assert all(b["new"] == b["old"] and b["flipped"] == [] for b in same["builds"])
        tighter = api.post(PATH, json={**SCOPE, "slo": SLO.replace('"<=0.2"', '"<=0.1"')}).json()
        assert [b["labels"]["buildId"] for b in tighter["builds"] if b["changed"]] == ["3"]
