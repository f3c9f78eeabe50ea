"""Keptn's webhook.yaml is parsed, checked and searched as the webhook-service does, with clear errors."""

from __future__ import annotations

import textwrap
from ipaddress import IPv4Network

import pytest

from slogate.adapters.executors.destination import Entry
from slogate.adapters.executors.webhook_config import (
    ALPHA,
    BETA,
    Request,
    SecretRef,
    Settings,
    WebhookConfigError,
    parse_config,
    parse_settings,
    select_webhook,
    subscription_of,
    type_matches,
)

BETA_FILE = """
apiVersion: webhookconfig.keptn.sh/v1beta1
kind: WebhookConfig
metadata: {name: webhook-configuration}
spec:
  webhooks:
    - type: sh.keptn.event.test.triggered
      subscriptionID: sub-1
      sendFinished: true
      envFrom:
        - name: token
          secretRef: {name: my-secret, key: token}
      requests:
        - url: "https://example.com/{{.data.project}}"
          method: POST
          headers: [{key: Authorization, value: "Bearer {{.env.token}}"}]
          payload: '{"text": "{{.data.service}}"}'
          options: --insecure
    - type: sh.keptn.event.deployment.triggered
      subscriptionID: sub-2
      sendStarted: false
      requests:
        - {url: "https://example.com/a", method: GET}
"""


def beta(webhook: str) -> str:
    """A v1beta1 file with one webhook given as YAML (indented for the list)."""
    return f"apiVersion: {BETA}\nspec:\n  webhooks:\n" + textwrap.indent(textwrap.dedent(webhook), "    ")


def error_of(text: str) -> str:
    with pytest.raises(WebhookConfigError) as caught:
        parse_config(text)
    return caught.value.message


def test_a_v1beta1_file_is_read_with_keptns_defaults() -> None:
    config = parse_config(BETA_FILE)
    first, second = config.webhooks
    assert config.api_version == BETA
    assert (first.type, first.subscription_id, first.send_started, first.send_finished) == (
        "sh.keptn.event.test.triggered",
        "sub-1",
        True,
        True,
    )
    assert first.env_from == (SecretRef("token", "my-secret", "token"),)
    assert first.requests == (
        Request(
            "https://example.com/{{.data.project}}",
            "POST",
            (("Authorization", "Bearer {{.env.token}}"),),
            '{"text": "{{.data.service}}"}',
            "--insecure",
        ),
    )
    assert (second.send_started, second.send_finished, second.env_from) == (False, False, ())


def test_a_v1alpha1_file_keeps_its_curl_commands() -> None:
    text = f"apiVersion: {ALPHA}\nspec:\n  webhooks:\n    - type: t\n      subscriptionID: s\n" + (
        "      requests: [\"curl -X POST https://example.com --data '{}'\"]\n"
    )
    assert parse_config(text).webhooks[0].requests == ("curl -X POST https://example.com --data '{}'",)


def test_keptns_curl_text_of_a_request_names_it_in_messages() -> None:
    request = Request("https://x/{{.id}}", "PUT", (("A", "b"),), '{"k": 1}', "--insecure")
    assert (
        request.describe()
        == 'curl --request PUT --header "A: b" --data "{"k": 1}" --insecure https://x/{{.id}}'
    )
    assert Request("https://x", "GET").describe() == "curl --request GET https://x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a: [1, *x]",  # the same message from libyaml's parser and from PyYAML's
            "Webhook configuration invalid: not valid YAML: found undefined alias 'x' (line 1, column 8)",
        ),
        (
            "- a list",
            "Webhook configuration invalid: the file is not a mapping with apiVersion, kind and spec",
        ),
        (
            "apiVersion: v2\nspec: {}",
            "Webhook configuration invalid: unsupported apiVersion 'v2': use "
            "webhookconfig.keptn.sh/v1beta1 or webhookconfig.keptn.sh/v1alpha1",
        ),
        (
            f"apiVersion: {BETA}\nspec: {{webhooks: []}}",
            "Webhook configuration invalid: missing 'webhooks[]' part",
        ),
        (f"apiVersion: {BETA}\nspec: {{}}", "Webhook configuration invalid: missing 'webhooks[]' part"),
        (
            f"apiVersion: {BETA}\nspec:\n  webhooks: [x]",
            "Webhook configuration invalid: webhooks[0] is not a mapping",
        ),
    ],
)
def test_file_level_errors(text: str, message: str) -> None:
    assert error_of(text) == message


@pytest.mark.parametrize(
    ("webhook", "message"),
    [
        (
            "- {subscriptionID: s, requests: [{url: u, method: GET}]}",
            "missing 'webhooks[].Type' part (webhooks[0])",
        ),
        (
            "- {type: t, requests: [{url: u, method: GET}]}",
            "missing 'webhooks[].SubscriptionID' part (webhooks[0])",
        ),
        ("- {type: t, subscriptionID: s}", "missing 'webhooks[].Requests[]' part (webhooks[0])"),
        (
            "- {type: t, subscriptionID: s, requests: []}",
            "missing 'webhooks[].Requests[]' part (webhooks[0])",
        ),
        (
            "- {type: t, subscriptionID: s, requests: [{method: GET}]}",
            "webhook request URL empty (webhooks[0].requests[0])",
        ),
        (
            "- {type: t, subscriptionID: s, requests: [{url: u}]}",
            "webhook request method empty (webhooks[0].requests[0])",
        ),
        (
            "- {type: t, subscriptionID: s, requests: [{url: u, method: PATCH}]}",
            "unsupported webhook request method (webhooks[0].requests[0]: 'PATCH'; use POST, PUT, GET, HEAD)",
        ),
        (
            "- {type: t, subscriptionID: s, requests: [{url: u, method: GET, headers: [{key: A}]}]}",
            "webhook request header or value empty (webhooks[0].requests[0].headers[0])",
        ),
        (
            "- {type: t, subscriptionID: s, requests: [{url: u, method: GET, headers: {A: b}}]}",
            "webhooks[0].requests[0].headers is not a list of key/value mappings",
        ),
        (
            "- {type: t, subscriptionID: s, requests: [{url: u, method: GET, headers: [x]}]}",
            "webhooks[0].requests[0].headers[0] is not a mapping with key and value",
        ),
        (
            "- {type: t, subscriptionID: s, requests: ['curl https://x']}",
            "webhooks[0].requests[0]: a webhookconfig.keptn.sh/v1beta1 request is a mapping with url and "
            'method (a "curl …" string needs apiVersion webhookconfig.keptn.sh/v1alpha1)',
        ),
        (
            "- {type: t, subscriptionID: s, requests: [{url: u, method: GET, payload: {a: 1}}]}",
            "webhooks[0].requests[0].payload is not a string: {'a': 1}",
        ),
        (
            "- {type: [t], subscriptionID: s, requests: [{url: u, method: GET}]}",
            "webhooks[0].type is not a string: ['t']",
        ),
        (
            "- {type: t, subscriptionID: s, sendFinished: 'yes', requests: [{url: u, method: GET}]}",
            "webhooks[0].sendFinished is not true or false: 'yes'",
        ),
        (
            "- {type: t, subscriptionID: s, sendStarted: 1, requests: [{url: u, method: GET}]}",
            "webhooks[0].sendStarted is not true or false: 1",
        ),
        (
            "- {type: t, subscriptionID: s, envFrom: {a: b}, requests: [{url: u, method: GET}]}",
            "webhooks[0].envFrom is not a list",
        ),
        (
            "- {type: t, subscriptionID: s, envFrom: [{name: a}], requests: [{url: u, method: GET}]}",
            "webhooks[0].envFrom[0] is not a mapping with name and secretRef {name, key}",
        ),
        (
            "- {type: t, subscriptionID: s, envFrom: [{name: a, secretRef: {name: n}}], "
            "requests: [{url: u, method: GET}]}",
            "webhooks[0].envFrom[0] needs name, secretRef.name and secretRef.key",
        ),
    ],
)
def test_webhook_and_request_errors(webhook: str, message: str) -> None:
    assert error_of(beta(webhook)) == "Webhook configuration invalid: " + message


def test_an_alpha_request_must_be_a_curl_string() -> None:
    text = f"apiVersion: {ALPHA}\nspec:\n  webhooks: [{{type: t, subscriptionID: s, requests: [{{url: u}}]}}]"
    assert error_of(text) == (
        "Webhook configuration invalid: webhooks[0].requests[0]: a webhookconfig.keptn.sh/v1alpha1 request "
        'is a "curl …" command string'
    )


def test_a_numeric_subscription_id_is_read_as_text() -> None:
    config = parse_config(beta("- {type: t, subscriptionID: 123, requests: [{url: u, method: GET}]}"))
    assert config.webhooks[0].subscription_id == "123"


def test_the_subscription_id_picks_the_webhook_whatever_its_type() -> None:
    config = parse_config(BETA_FILE)
    assert select_webhook(config, "sh.keptn.event.test.triggered", "sub-2").subscription_id == "sub-2"


def test_an_unknown_subscription_id_names_the_known_ones() -> None:
    with pytest.raises(WebhookConfigError) as caught:
        select_webhook(parse_config(BETA_FILE), "sh.keptn.event.test.triggered", "nope")
    assert caught.value.message == "no webhook with subscriptionID 'nope' (there are 'sub-1', 'sub-2')"


def test_without_a_subscription_id_the_only_webhook_of_the_type_runs() -> None:
    webhook = select_webhook(parse_config(BETA_FILE), "sh.keptn.event.deployment.triggered")
    assert webhook.subscription_id == "sub-2"


def test_no_webhook_of_the_type_names_the_types_there_are() -> None:
    with pytest.raises(WebhookConfigError) as caught:
        select_webhook(parse_config(BETA_FILE), "sh.keptn.event.release.triggered")
    assert caught.value.message == (
        "no webhook of type sh.keptn.event.release.triggered (there are webhooks of type "
        "sh.keptn.event.deployment.triggered, sh.keptn.event.test.triggered)"
    )


def test_two_webhooks_of_the_type_need_a_subscription_id() -> None:
    text = beta(
        """
        - {type: sh.keptn.event.test.triggered, subscriptionID: a, requests: [{url: u, method: GET}]}
        - {type: sh.keptn.event.*.triggered, subscriptionID: b, requests: [{url: u, method: GET}]}
        """
    )
    with pytest.raises(WebhookConfigError) as caught:
        select_webhook(parse_config(text), "sh.keptn.event.test.triggered")
    assert caught.value.message == (
        "2 webhooks of type sh.keptn.event.test.triggered (subscriptionIDs 'a', 'b'): choose one with "
        "subscriptionID in the task's config in slogate/executors.yaml"
    )


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("sh.keptn.event.test.triggered", True),
        ("sh.keptn.event.*.triggered", True),
        ("sh.keptn.event.>", True),
        ("sh.keptn.event.test.finished", False),
        ("sh.keptn.event.test", False),
        ("sh.keptn.event.test.triggered.x", False),
        ("sh.keptn.event.test.triggered.>", False),
    ],
)
def test_types_match_like_nats_subjects(pattern: str, matches: bool) -> None:
    assert type_matches(pattern, "sh.keptn.event.test.triggered") is matches


def test_keptns_distributor_names_the_subscription_in_the_event() -> None:
    assert subscription_of({"temporaryData": {"distributor": {"subscriptionID": "s-9"}}}) == "s-9"
    assert subscription_of({"temporaryData": {"distributor": {"subscriptionID": 9}}}) == ""
    assert subscription_of({"project": "p"}) == ""


def test_task_settings_have_defaults_and_add_to_the_deny_list() -> None:
    assert parse_settings({}, "test") == Settings()
    config = {"subscriptionID": "s", "timeout": "500ms", "denyList": ["Corp.", "10.1.0.0/16"]}
    settings = parse_settings(config, "test")
    assert settings == Settings(
        "s", 0.5, (Entry("Corp.", name="corp"), Entry("10.1.0.0/16", network=IPv4Network("10.1.0.0/16")))
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([1], "slogate/executors.yaml: test.config must be a mapping of settings, got [1]"),
        (
            {"url": "x"},
            "slogate/executors.yaml: test.config.url is not a setting of the webhook executor; "
            "use subscriptionID, timeout, denyList",
        ),
        (
            {"subscriptionID": 5},
            "slogate/executors.yaml: test.config.subscriptionID must be the subscriptionID of a webhook, "
            "got 5",
        ),
        (
            {"timeout": "soon"},
            'slogate/executors.yaml: test.config.timeout must be a positive duration, e.g. "10s" or 2.5, '
            "got 'soon'",
        ),
        (
            {"timeout": 0},
            'slogate/executors.yaml: test.config.timeout must be a positive duration, e.g. "10s" or 2.5, '
            "got 0",
        ),
        (
            {"denyList": "corp"},
            "slogate/executors.yaml: test.config.denyList must be a list of host names, addresses or "
            "networks never called, got 'corp'",
        ),
        (
            {"denyList": [""]},
            "slogate/executors.yaml: test.config.denyList must be a list of host names, addresses or "
            "networks never called, got ['']",
        ),
        (
            {"denyList": ["corp", "10.0.0.0/33"]},
            "slogate/executors.yaml: test.config.denyList[1]: '10.0.0.0/33' is not a host name (e.g. "
            "ci.internal), an IP address (e.g. 10.0.0.5) or a network (e.g. 10.0.0.0/8)",
        ),
    ],
)
def test_task_setting_errors(config: object, message: str) -> None:
    with pytest.raises(WebhookConfigError) as caught:
        parse_settings(config, "test")
    assert caught.value.message == message
