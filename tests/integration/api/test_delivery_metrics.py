"""The DORA route and the delivery metrics of /metrics, over a scripted history in the server's store."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from slogate import bootstrap
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED
from slogate.ports.delivery_log import CountRow
from slogate.server_context import ServerContext
from slogate.services.runtime.log_metrics import OTHER, fold
from slogate.settings import Settings
from tests.support.dora_history import HOUR, SHIPYARD, event, history

from .conftest import TOKEN

DORA = "/api/slogate/v1/project/shop/dora"
WINDOW = {"since": "2026-03-01T00:00:00Z", "until": "2026-03-11T00:00:00Z"}


def scripted(context: ServerContext, client: TestClient) -> None:
    shipyard = base64.b64encode(SHIPYARD.encode()).decode()
    answer = client.post("/api/controlPlane/v1/project", json={"name": "shop", "shipyard": shipyard})
    assert answer.status_code in (200, 201), answer.text
    context.store.add(history())


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by name and sorted labels."""
    answer = client.get("/metrics")
    assert answer.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def exported_names(client: TestClient) -> set[str]:
    """The sample names /metrics declares (``# TYPE`` lines), with the suffixes of each type."""
    suffixes = {"counter": ("", "_total"), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    names = set()
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names |= {f"{name}{suffix}" for suffix in suffixes.get(kind, ("",))}
    return names


def test_the_dora_route_answers_the_scripted_figures(context: ServerContext, client: TestClient) -> None:
    scripted(context, client)
    answer = client.get(DORA, params=WINDOW)
    assert answer.status_code in (200, 201), answer.text
    body = answer.json()
    assert (body["stage"], body["deliveries"], body["failedDeliveries"]) == ("production", 8, 3)
    assert body["deploymentFrequency"] == pytest.approx(0.8)
    assert body["changeFailureRate"] == 0.375
    assert body["leadTime"] == {"count": 8, "medianSeconds": 2 * HOUR, "p90Seconds": 8 * HOUR}
    assert body["timeToRestore"]["medianSeconds"] == 33 * HOUR
    assert body["timeToRestore"]["unrestored"] == 1
    dev = client.get(DORA, params={**WINDOW, "stage": "dev"}).json()
    assert (dev["stage"], dev["deliveries"]) == ("dev", 1)


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/slogate/v1/project/nope/dora", {}, 404, "project 'nope' not found"),
        (DORA, {"stage": "qa"}, 404, "stage 'qa' not found in project 'shop' (stages: dev, production)"),
        (DORA, {"since": "yesterday"}, 400, "since: 'yesterday' is neither a span"),
        (DORA, {"since": "999999w"}, 400, "reaches before 1970"),
        (DORA, {"until": "2026-13-01T00:00:00Z"}, 400, "until: '2026-13-01T00:00:00Z' is neither"),
    ],
)
def test_bad_requests_get_keptn_error_bodies(
    context: ServerContext, client: TestClient, path: str, params: dict[str, str], status: int, message: str
) -> None:
    scripted(context, client)
    answer = client.get(path, params=params)
    assert answer.status_code == status
    assert message in answer.json()["message"]
    assert answer.json()["code"] == status


def test_the_route_needs_the_token(context: ServerContext, anonymous: TestClient) -> None:
    assert anonymous.get(DORA).status_code == 401


def test_metrics_names_and_labels(context: ServerContext, client: TestClient) -> None:
    scripted(context, client)
    context.store.add(
        [
            event(EVALUATION_FINISHED, 200, "z1", "production", result="pass", score=87.5),
            event("sh.keptn.event.production.delivery.finished", 201, "z1", "production", result="pass"),
            event("sh.keptn.event.production.delivery.finished", 202, "z2", "production", result="fail"),
            event("sh.keptn.event.production.remediation.triggered", 203, "z3", "production"),
            event("sh.keptn.event.project.create.finished", 0, "z4", "", result="pass"),  # not a sequence
        ]
    )
    found = samples(client)
    carts = (("project", "shop"), ("service", "carts"), ("stage", "production"))
    assert found[("slogate_evaluations_total", tuple(sorted((*carts, ("result", "pass")))))] == 6
    assert found[("slogate_evaluations_total", tuple(sorted((*carts, ("result", "fail")))))] == 3
    assert found[("slogate_evaluation_score", carts)] == 87.5  # the latest evaluation's
    delivery = tuple(sorted((*carts, ("sequence", "delivery"))))
    assert found[("slogate_sequences_total", tuple(sorted((*delivery, ("result", "pass")))))] == 1
    assert found[("slogate_sequences_total", tuple(sorted((*delivery, ("result", "fail")))))] == 1
    assert not any(
        name == "slogate_sequences_total" and ("sequence", "create") in labels for name, labels in found
    )
    assert found[("slogate_rollbacks_total", carts)] == 1  # a sequence and its task: one rollback
    assert found[("slogate_remediations_total", carts)] == 1
    assert found[("slogate_metrics_series_folded", (("metric", "slogate_evaluations_total"),))] == 0


def test_metrics_follow_new_events_and_survive_a_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_token=TOKEN)  # type: ignore[arg-type]
    labels = (("project", "shop"), ("service", "carts"), ("stage", "production"))
    first = bootstrap.server_context(settings)
    try:
        client = TestClient(bootstrap.api_app(first), headers={"x-token": TOKEN})
        assert ("slogate_evaluation_score", labels) not in samples(client)
        first.store.add([event(EVALUATION_FINISHED, 1, "r1", "production", result="fail", score=10.0)])
        assert samples(client)[("slogate_evaluation_score", labels)] == 10.0
        first.store.add([event(EVALUATION_FINISHED, 2, "r2", "production", result="pass", score=95.0)])
        assert samples(client)[("slogate_evaluation_score", labels)] == 95.0
    finally:
        first.close()
    second = bootstrap.server_context(settings)
    try:
        client = TestClient(bootstrap.api_app(second), headers={"x-token": TOKEN})
        found = samples(client)
        assert found[("slogate_evaluation_score", labels)] == 95.0
        assert found[("slogate_evaluations_total", tuple(sorted((*labels, ("result", "fail")))))] == 1
    finally:
        second.close()


@pytest.mark.parametrize("score", ["abc", "95.5", {"nested": 1}, None, [1, 2], "1e999", "NaN"])
def test_a_hostile_score_never_breaks_the_scrape(
    context: ServerContext, client: TestClient, score: object
) -> None:
    context.store.add([event(EVALUATION_FINISHED, 1, "h1", "qa", service="odd", result="pass", score=score)])
    found = samples(client)
    labels = (("project", "shop"), ("service", "odd"), ("stage", "qa"))
    assert found.get(("slogate_evaluation_score", labels)) == (95.5 if score == "95.5" else None)
    assert found[("slogate_evaluations_total", tuple(sorted((*labels, ("result", "pass")))))] == 1


def test_label_combinations_are_bounded() -> None:
    rows = [CountRow(("p", "s", f"svc-{n}", "pass"), float(n)) for n in range(10)]
    kept, folded = fold([*rows, CountRow(("p", "s", "x" * 500, "pass"), 100.0)], 4)
    assert [row.labels[2] for row in kept] == ["x" * 128, "svc-9", "svc-8", OTHER]
    assert kept[-1] == CountRow((OTHER,) * 4, float(sum(range(8))))
    assert folded == 8
    assert fold(rows, 10) == (sorted(rows, key=lambda row: -row.value), 0)


def test_the_grafana_dashboard_uses_only_exported_metrics(context: ServerContext, client: TestClient) -> None:
    exported = exported_names(client)  # on an empty log: every family is declared even without samples
    dashboard = json.loads((Path(__file__).parents[3] / "docs" / "grafana" / "slogate.json").read_text())
    expressions = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]
    assert len(expressions) >= 6
    used = {name for expression in expressions for name in re.findall(r"\bslogate_[a-z_]+", expression)}
    assert used
    assert used <= exported, f"not exported: {sorted(used - exported)}"
