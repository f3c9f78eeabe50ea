"""Keptn 1.x's webhook integration tests (test/go-tests/test_webhook.go), ported in spirit to plain
HTTP against the in-process server with the built-in webhook executor and a local HTTP server.

Test_Webhook: two subscriptions for one task (two webhooks of its type) run both, so the task has
two ``.finished``. Test_Webhook_Failures: a failed webhook's ``.finished`` says ``fail`` and carries
no block named after the task.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate.adapters.executors.webhook import WebhookExecutor
from slogate.ports.executors import ExecutorEnvironment
from slogate.server_context import ServerContext
from tests.support.delivery import CONTROL_PLANE, b64, delivery_server, events, settle
from tests.support.webhook_server import LOOPBACK, Server, serving

FILES = "/api/resource-service/v1/project/webhooks"
SHIPYARD = """\
apiVersion: spec.keptn.sh/0.2.3
kind: Shipyard
metadata: {name: shipyard-echo-service}
spec:
  stages:
    - name: otherstage
    - name: dev
      sequences:
        - name: mysequence
          tasks: [{name: mytask}]
        - name: failedsequence
          tasks: [{name: failedtask}]
"""
EXECUTORS = "tasks: {mytask: webhook, failedtask: webhook}\n"
WEBHOOK = (
    "    - {{type: {0}, subscriptionID: {1}, sendFinished: true, requests: [{{url: '{2}', method: GET}}]}}\n"
)

World = tuple[ServerContext, TestClient, Server]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The server with the webhook executor (allowed to call 127.0.0.1), the project ``webhooks``
    with the service ``myservice``, and the local server the webhooks call."""
    with serving() as httpd:

        def lookup(name: str) -> WebhookExecutor:
            assert name == "webhook"
            return WebhookExecutor(ExecutorEnvironment(tmp_path, lambda: datetime.now(UTC), LOOPBACK))

        with delivery_server(tmp_path / "data", executor_lookup=lookup) as (context, client, _):
            created = client.post(
                f"{CONTROL_PLANE}/project", json={"name": "webhooks", "shipyard": b64(SHIPYARD)}
            )
            assert created.status_code == 201, created.text
            service = client.post(
                f"{CONTROL_PLANE}/project/webhooks/service", json={"serviceName": "myservice"}
            )
            assert service.status_code == 200, service.text
            yield context, client, httpd


def upload(client: TestClient, uri: str, text: str) -> None:
    body = {"resources": [{"resourceURI": uri, "resourceContent": b64(text)}]}
    answer = client.post(f"{FILES}/stage/dev/service/myservice/resource", json=body)
    assert answer.status_code == 201, answer.text


def webhooks(*hooks: tuple[str, str, str]) -> str:
    lines = "".join(WEBHOOK.format(*hook) for hook in hooks)
    return f"apiVersion: webhookconfig.keptn.sh/v1beta1\nkind: WebhookConfig\nspec:\n  webhooks:\n{lines}"


def trigger(client: TestClient, sequence: str) -> str:
    data = {"project": "webhooks", "stage": "dev", "service": "myservice"}
    body = {
        "type": f"sh.keptn.event.dev.{sequence}.triggered",
        "data": data,
        "source": "test",
        "specversion": "1.0",
    }
    answer = client.post("/api/v1/event", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["keptnContext"])


def data_of(found: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(event["data"]) for event in found]


def test_two_subscriptions_for_one_task_run_the_webhook_twice(world: World) -> None:
    context, client, httpd = world
    upload(client, "slogate/executors.yaml", EXECUTORS)
    upload(client, "webhook/webhook.yaml", webhooks(
        ("sh.keptn.event.mytask.triggered", "sub-1", f"{httpd.url}/json/1"),
        ("sh.keptn.event.mytask.triggered", "sub-2", f"{httpd.url}/json/2"),
    ))  # fmt: skip

    keptn_context = trigger(client, "mysequence")
    settle(context)

    assert sorted(r.path for r in httpd.received) == ["/json/1", "/json/2"]
    assert len(events(client, keptn_context, "sh.keptn.event.mytask.started")) == 2
    finished = data_of(events(client, keptn_context, "sh.keptn.event.mytask.finished"))
    assert len(finished) == 2
    assert sorted(item["mytask"]["responses"][0]["path"] for item in finished) == ["/json/1", "/json/2"]
    (sequence,) = data_of(events(client, keptn_context, "sh.keptn.event.dev.mysequence.finished"))
    assert (sequence["result"], sequence["status"]) == ("pass", "succeeded")


def test_a_failed_webhooks_finished_event_has_no_task_block(world: World) -> None:
    context, client, httpd = world
    upload(client, "slogate/executors.yaml", EXECUTORS)
    upload(client, "webhook/webhook.yaml", webhooks(
        ("sh.keptn.event.failedtask.triggered", "sub-f", f"{httpd.url}/fail/some-unknown-api"),
    ))  # fmt: skip

    keptn_context = trigger(client, "failedsequence")
    settle(context)

    (finished,) = data_of(events(client, keptn_context, "sh.keptn.event.failedtask.finished"))
    assert (finished["result"], finished["status"]) == ("fail", "errored")
    assert "failedtask" not in finished
    assert set(finished) == {"project", "stage", "service", "result", "status", "message"}
    assert "HTTP status 500" in finished["message"]
