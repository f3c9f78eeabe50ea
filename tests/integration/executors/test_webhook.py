"""The webhook executor calls a real local HTTP server as Keptn's webhook-service would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slogate.adapters.executors.webhook import (
    WebhookExecutor,
    create,
    deliveries,
    finished_events,
    sends_finished,
    sends_started,
    started_events,
)
from slogate.ports.executors import ExecutorEnvironment, TaskRequest, TaskResult
from tests.support.webhook_server import (
    LOOPBACK,
    SECRET,
    Context,
    Server,
    beta,
    context_with,
    event,
    run,
    serving,
)


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as httpd:
        yield httpd


def test_a_post_carries_templated_headers_payload_and_the_secret(server: Server) -> None:
    config = beta(
        f"""
        - url: "{server.url}/json/{{{{.data.project}}}}/{{{{.data.stage}}}}"
          method: POST
          headers:
            - {{key: Authorization, value: "Bearer {{{{.env.token}}}}"}}
            - {{key: Content-Type, value: application/json}}
          payload: '{{"service": "{{{{.data.service}}}}", "id": "{{{{.id}}}}",
            "build": "{{{{.data.labels.build}}}}"}}'
        """,
        "sendFinished: true",
    )
    result = run(config)
    (received,) = server.received
    assert (received.method, received.path) == ("POST", "/json/sockshop/qa")
    assert received.headers["authorization"] == f"Bearer {SECRET}"
    assert received.headers["content-type"] == "application/json"
    assert json.loads(received.body) == {"service": "carts", "id": "trigger-1", "build": "7"}
    assert (result.status, result.result, result.message) == ("succeeded", "pass", "")
    (response,) = result.data["test"]["responses"]
    assert response["path"] == "/json/sockshop/qa"
    assert response["headers"]["authorization"] == "Bearer ***"
    assert SECRET not in json.dumps(result.data) + result.message


def test_requests_run_in_order_and_each_response_is_kept(server: Server) -> None:
    config = beta(
        f"""
        - {{url: "{server.url}/text", method: GET}}
        - {{url: "{server.url}/text", method: HEAD}}
        - {{url: "{server.url}/json/put", method: PUT, payload: "a=1"}}
        """
    )
    result = run(config)
    assert [(r.method, r.path) for r in server.received] == [
        ("GET", "/text"),
        ("HEAD", "/text"),
        ("PUT", "/json/put"),
    ]
    assert server.received[2].headers["content-type"] == "application/x-www-form-urlencoded"
    text, head, put = result.data["test"]["responses"]
    assert (text, head, put["body"]) == ("plain text", "", "a=1")


def test_a_v1alpha1_curl_command_is_called_without_a_shell(server: Server) -> None:
    command = (
        f"curl -sS -X POST -u {{{{.env.token}}}}:x -H 'Content-Type: application/json' "
        f'--data \'{{"p": "{{{{.data.project}}}}"}}\' {server.url}/json/alpha'
    )
    result = run(beta(f"- {json.dumps(command)}", version="v1alpha1"))
    (received,) = server.received
    assert (received.method, received.path, received.body) == ("POST", "/json/alpha", '{"p": "sockshop"}')
    assert received.headers["authorization"].startswith("Basic ")
    assert result.status == "succeeded"


def test_a_failing_status_stops_the_requests_with_keptns_message(server: Server) -> None:
    config = beta(
        f"""
        - {{url: "{server.url}/text", method: GET}}
        - {{url: "{server.url}/fail?key={{{{.env.token}}}}", method: POST}}
        - {{url: "{server.url}/text", method: GET}}
        """
    )
    result = run(config)
    assert [r.path for r in server.received] == ["/text", f"/fail?key={SECRET}"]
    assert (result.status, result.result) == ("errored", "fail")
    assert result.message == (
        f"could not execute request 'curl --request POST {server.url}/fail?key={{{{.env.token}}}}': error "
        "during curl request execution: HTTP status 500 Internal Server Error.\nResponse: \n"
        "boom at /fail?key=***"
    )
    assert result.data == {}  # Keptn's errored .finished carries no task block (Test_Webhook_Failures)


def test_a_redirect_fails_unless_the_request_follows_it(server: Server) -> None:
    failed = run(beta(f'- {{url: "{server.url}/redirect", method: GET}}'))
    assert failed.message.endswith(
        "HTTP status 302 Found (a redirect to /text; add --location to the request's options to follow "
        "it).\nResponse: \n"
    )
    followed = run(beta(f'- {{url: "{server.url}/redirect", method: GET, options: "--location"}}'))
    assert followed.data == {"test": {"responses": ["plain text"]}}


def test_a_request_that_takes_too_long_errors(server: Server) -> None:
    result = run(beta(f'- {{url: "{server.url}/slow", method: GET}}'), {"timeout": "200ms"})
    assert result.status == "errored"
    assert result.message == (
        f"could not execute request 'curl --request GET {server.url}/slow': error during curl request "
        "execution: no response within 0.2 s (raise timeout in the task's config, or set --max-time in "
        "the request's options)"
    )


def test_a_missing_webhook_yaml_errors_as_keptn(server: Server) -> None:
    result = run(Context())
    assert (result.status, result.result) == ("errored", "fail")
    assert result.message == (
        "could not retrieve Webhook config: no valid webhook config found: no webhook/webhook.yaml at the "
        "service, stage or project level (upload one)"
    )
    request = TaskRequest(event(), "test")
    assert (started_events(request, Context()), finished_events(request, Context(), result)) == (1, 1)


def test_an_invalid_webhook_yaml_says_what_is_wrong(server: Server) -> None:
    result = run(beta(f'- {{url: "{server.url}/text", method: PATCH}}'))
    assert result.message == (
        "could not retrieve Webhook config: Webhook configuration invalid: unsupported webhook request "
        "method (webhooks[0].requests[0]: 'PATCH'; use POST, PUT, GET, HEAD)"
    )
    assert server.received == []


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        (
            {},
            "could not read secret hook-secret.token: there is no secret 'hook-secret' (create it with the "
            "secret API)",
        ),
        (
            {"hook-secret": {"other": "x"}},
            "could not read secret hook-secret.token: secret 'hook-secret' has no "
            "key 'token' (its keys: other)",
        ),
    ],
)
def test_a_missing_secret_or_key_is_named(
    server: Server, secrets: dict[str, dict[str, str]], message: str
) -> None:
    context = Context({"webhook/webhook.yaml": beta(f'- {{url: "{server.url}/text", method: GET}}')}, secrets)
    result = run(context)
    assert (result.status, result.message) == ("errored", message)
    assert server.received == []


def test_a_template_error_names_the_request(server: Server) -> None:
    result = run(beta(f'- {{url: "{server.url}/{{{{.data.nope}}}}", method: GET}}'))
    assert result.message == (
        f"could not parse request 'curl --request GET {server.url}/{{{{.data.nope}}}}' : template: :1: "
        'executing "" at <.data.nope>: map has no entry for key "nope"'
    )


def test_the_tasks_deny_list_refuses_even_allowed_hosts(server: Server) -> None:
    """127.0.0.1 is on the allow list of these tests; the task's denyList still wins."""
    by_address = run(beta(f'- {{url: "{server.url}/text", method: GET}}'), {"denyList": ["127.0.0.1"]})
    assert by_address.message.endswith(
        ": denied URL: host '127.0.0.1' is the address 127.0.0.1, in '127.0.0.1' of the task's denyList"
    )

    async def hooks(name: str) -> list[str]:
        return ["127.0.0.1"]

    config = beta(f'- {{url: "http://Hooks.Test:{server.port}/text", method: GET}}')
    by_network = run(config, {"denyList": ["127.0.0.0/8"]}, resolver=hooks)
    assert by_network.message.endswith(
        ": denied URL: host 'hooks.test' resolves to 127.0.0.1, in '127.0.0.0/8' of the task's denyList"
    )
    assert run(config, {"denyList": ["other.test"]}, resolver=hooks).status == "succeeded"
    assert [r.headers["host"] for r in server.received] == [f"hooks.test:{server.port}"]


def test_the_subscription_id_chooses_among_webhooks_of_one_type(server: Server) -> None:
    webhook = "    - {{type: sh.keptn.event.test.triggered, subscriptionID: {0}, requests: [{{url: {1}}}]}}\n"
    config = "apiVersion: webhookconfig.keptn.sh/v1beta1\nspec:\n  webhooks:\n" + "".join(
        webhook.format(name, f'"{server.url}/json/{name}", method: GET') for name in ("a", "b")
    )
    assert run(config, {"subscriptionID": "b"}).status == "succeeded"
    distributed = event(temporaryData={"distributor": {"subscriptionID": "a"}})
    assert run(config, trigger=distributed).status == "succeeded"
    assert [r.path for r in server.received] == ["/json/b", "/json/a"]
    assert [
        r.config["subscriptionID"] for r in deliveries(TaskRequest(event(), "test"), context_with(config))
    ] == [
        "a",
        "b",
    ]
    ambiguous = run(config)  # a request not split by deliveries() cannot choose
    assert ambiguous.message == (
        "could not retrieve Webhook config: no valid webhook config found: webhook/webhook.yaml has 2 "
        "webhooks of type sh.keptn.event.test.triggered (subscriptionIDs 'a', 'b'): choose one with "
        "subscriptionID in the task's config in slogate/executors.yaml"
    )


def replies(config: str, result: TaskResult, done: int = 0) -> tuple[bool, bool, int, int]:
    context, request = context_with(config), TaskRequest(event(), "test")
    return (
        sends_started(request, context),
        sends_finished(request, context),
        started_events(request, context),
        finished_events(request, context, result, done),
    )


def run_and_count(config: str, settings: dict[str, Any] | None = None) -> tuple[TaskResult, int]:
    """Run the webhook of ``config`` as the runner does: the result, then how many ``.finished``."""
    context, request = context_with(config), TaskRequest(event(), "test", settings or {})

    async def go() -> tuple[TaskResult, int]:
        executor = WebhookExecutor(ExecutorEnvironment(Path("."), lambda: datetime.now(UTC), LOOPBACK))
        try:
            result = await executor.run(request, context)
            return result, executor.finished_events(request, context, result)
        finally:
            await executor.aclose()

    return asyncio.run(go())


def test_send_finished_false_leaves_the_finished_events_to_the_called_endpoints(server: Server) -> None:
    config = beta(
        f'- {{url: "{server.url}/json/1", method: GET}}\n- {{url: "{server.url}/json/2", method: GET}}'
    )
    result = run(config)
    assert result.status == "succeeded"
    assert replies(config, result) == (True, False, 2, 0)  # one .started per request, no .finished


def test_send_finished_false_still_answers_the_requests_not_done(server: Server) -> None:
    config = beta(
        f"""
        - {{url: "{server.url}/text", method: GET}}
        - {{url: "{server.url}/fail", method: GET}}
        - {{url: "{server.url}/text", method: GET}}
        """
    )
    result, finished = run_and_count(config)
    assert (result.status, result.data) == ("errored", {})
    assert replies(config, result, done=1) == (True, False, 3, 2)  # 3 started, the 2 not done answered
    assert finished == 2  # the executor knows that 1 request was done


def test_send_started_false_and_send_finished_true(server: Server) -> None:
    config = beta(f'- {{url: "{server.url}/text", method: GET}}', "sendStarted: false\nsendFinished: true")
    result = run(config)
    assert result.data == {"test": {"responses": ["plain text"]}}
    assert replies(config, result) == (False, True, 0, 1)
    default = beta(f'- {{url: "{server.url}/text", method: GET}}', "sendFinished: true")
    assert replies(default, result) == (True, True, 1, 1)


def test_the_executor_is_a_task_executor_named_webhook(tmp_path: Path) -> None:
    executor = create(ExecutorEnvironment(tmp_path, now=lambda: datetime.now(UTC)))
    assert isinstance(executor, WebhookExecutor)
    assert executor.name == "webhook"

    async def closed() -> TaskResult:
        await executor.aclose()
        return await executor.run(TaskRequest(event(), "test"), Context())

    assert asyncio.run(closed()).message == (
        "the webhook executor is closed (slogate is shutting down); trigger the sequence again"
    )


def test_each_webhook_of_the_events_type_is_one_delivery(server: Server) -> None:
    """Keptn's Test_Webhook: two subscriptions for one task run both webhooks, one run each; a
    subscription id (task config or event) or a single webhook of the type leaves one run."""
    webhook = "    - {{type: {0}, subscriptionID: {1}, requests: [{{url: '{2}', method: GET}}]}}\n"
    config = "apiVersion: webhookconfig.keptn.sh/v1beta1\nspec:\n  webhooks:\n" + "".join(
        webhook.format(kind, name, f"{server.url}/json/{name}")
        for kind, name in (
            ("sh.keptn.event.test.triggered", "a"),
            ("sh.keptn.event.*.triggered", "b"),
            ("sh.keptn.event.test.triggered", "a"),  # the same subscription twice: one run
            ("sh.keptn.event.deployment.triggered", "c"),
        )
    )
    context, request = context_with(config), TaskRequest(event(), "test", {"timeout": "5s"})

    split = deliveries(request, context)

    assert [(r.task, dict(r.config)) for r in split] == [
        ("test", {"timeout": "5s", "subscriptionID": "a"}),
        ("test", {"timeout": "5s", "subscriptionID": "b"}),
    ]
    assert [run(config, r.config).status for r in split] == ["succeeded", "succeeded"]
    assert [r.path for r in server.received] == ["/json/a", "/json/b"]
    chosen = TaskRequest(event(), "test", {"subscriptionID": "b"})
    distributed = TaskRequest(event(temporaryData={"distributor": {"subscriptionID": "a"}}), "test")
    single = TaskRequest(event(), "test")
    for alone, where in ((chosen, context), (distributed, context), (single, context_with(beta("[]")))):
        assert deliveries(alone, where) == [alone]
    assert deliveries(single, Context()) == [single]  # no webhook.yaml: the run says so
    assert deliveries(single, context_with("spec: [")) == [single]  # broken: the run says so
