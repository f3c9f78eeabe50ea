"""Webhook requests render like Keptn's Go templates and become HTTP calls from a curl subset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slogate.adapters.executors.webhook_config import Request
from slogate.adapters.executors.webhook_template import (
    Call,
    CurlError,
    TemplateError,
    curl_call,
    format_value,
    render,
    render_call,
    request_call,
    template_values,
)
from slogate.domain.protocol.gate_events import KeptnEvent

EVENT = KeptnEvent(
    id="ev-1",
    type="sh.keptn.event.test.triggered",
    source="shipyard-controller",
    time=datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
    shkeptncontext="ctx-1",
    data={
        "project": "sockshop",
        "stage": "qa",
        "service": "carts",
        "labels": {"build-id": "42", "owner": None},
        "score": 97.5,
        "count": 3,
        "whole": 2.0,
        "passed": True,
        "list": ["a", "b"],
    },
    triggeredid="",
    gitcommitid="abc",
)
VALUES = template_values(EVENT, {"token": "s3cret"})


def error_of(template: str, values: dict[str, Any] | None = None) -> str:
    with pytest.raises(TemplateError) as caught:
        render(template, VALUES if values is None else values)
    return caught.value.message


def test_templates_see_the_event_as_keptn_serialises_it() -> None:
    assert {key: value for key, value in VALUES.items() if key != "data"} == {
        "contenttype": "application/json",
        "env": {"token": "s3cret"},
        "gitcommitid": "abc",
        "id": "ev-1",
        "shkeptncontext": "ctx-1",
        "source": "shipyard-controller",
        "specversion": "1.0",
        "time": "2024-01-02T03:04:05.6Z",
        "triggeredid": "",
        "type": "sh.keptn.event.test.triggered",
    }
    assert VALUES["data"] is EVENT.data


@pytest.mark.parametrize(
    ("template", "rendered"),
    [
        ("{{.data.project}}/{{ .data.stage }}/{{.data.service}}", "sockshop/qa/carts"),
        ("Bearer {{.env.token}} for {{.id}} in {{.shkeptncontext}}", "Bearer s3cret for ev-1 in ctx-1"),
        ('{{index .data.labels "build-id"}}', "42"),
        ("{{index .data.labels `build-id`}}", "42"),
        ('{{index .data.labels "missing"}}|{{.data.labels.owner}}', "|"),
        ("{{index .data.list 1}}", "b"),
        ("{{index .data.list 0}}", "a"),
        ("{{.data.score}} {{.data.count}} {{.data.whole}} {{.data.passed}}", "97.5 3 2 true"),
        ("{{.data.labels}} {{.data.list}}", '{"build-id":"42","owner":null} ["a","b"]'),
        ("a {{- .data.stage -}} b", "aqab"),
        ("a  {{- .data.stage }}  b", "aqa  b"),
        ("a {{/* a comment with a quote ' */}}b", "a b"),
        ("a {{- /* trimmed */ -}} b", "ab"),
        ('{"text": "{{.data.project}}"}', '{"text": "sockshop"}'),
        ("no action at all", "no action at all"),
        ('{{index .data.labels "}}"}}', ""),
    ],
)
def test_field_and_index_actions_render(template: str, rendered: str) -> None:
    assert render(template, VALUES) == rendered


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (False, "false"), (1.0, "1"), (1e21, "1e+21"), (0.00001, "1e-05"), (1000000, "1000000")],
)
def test_values_print_as_documented(value: object, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{.data.nope}}", 'template: :1: executing "" at <.data.nope>: map has no entry for key "nope"'),
        ("x\n{{.nope}}", 'template: :2: executing "" at <.nope>: map has no entry for key "nope"'),
        (
            "{{.data.labels.owner.name}}",
            'template: :1: executing "" at <.data.labels.owner.name>: nil pointer '
            "evaluating interface {}.name",
        ),
        (
            "{{.data.project.name}}",
            'template: :1: executing "" at <.data.project.name>: can\'t evaluate field name in type string',
        ),
        ("{{.data.project", "template: :1: unclosed action"),
        ('{{index .data.labels "x}}', "template: :1: unterminated quoted string"),
        ("{{/* never closed }}", "template: :1: unclosed comment"),
        ("{{/* c */ x}}", "template: :1: unclosed comment"),
        ("{{ }}", "template: :1: missing value for command"),
        (
            "{{if .data.project}}x{{end}}",
            "template: :1: unsupported action {{if .data.project}}: supported are "
            '{{.field.path}}, {{index .field "key"}} and {{/* comments */}}',
        ),
        (
            '{{.data.project | printf "%s"}}',
            'template: :1: unsupported action {{.data.project | printf "%s"}}: '
            'supported are {{.field.path}}, {{index .field "key"}} and {{/* comments */}}',
        ),
        (
            "{{index .data.list 2}}",
            'template: :1: executing "" at <index .data.list 2>: error calling index: index out of range: 2',
        ),
        (
            "{{index .data.labels 1}}",
            'template: :1: executing "" at <index .data.labels 1>: error calling '
            "index: value has type float64; should be string",
        ),
        (
            '{{index .data.project "a"}}',
            'template: :1: executing "" at <index .data.project "a">: error '
            "calling index: can't index item of type string",
        ),
        (
            '{{index .data.labels.owner "a"}}',
            'template: :1: executing "" at <index .data.labels.owner "a">: '
            "error calling index: index of untyped nil",
        ),
        (
            '{{index .data.labels "\\q"}}',
            'template: :1: executing "" at <index .data.labels "\\q">: invalid string literal "\\q"',
        ),
        (
            "{{index .data.labels x}}",
            'template: :1: executing "" at <index .data.labels x>: unsupported argument '
            'x of index: supported are {{.field.path}}, {{index .field "key"}} and {{/* comments */}}',
        ),
    ],
)
def test_template_errors_say_where_and_why(template: str, message: str) -> None:
    assert error_of(template) == message


def test_a_v1beta1_request_renders_every_part() -> None:
    request = Request(
        "http://127.0.0.1:1/{{.data.project}}",
        "PUT",
        (("Authorization", "Bearer {{.env.token}}"),),
        '{"stage": "{{.data.stage}}"}',
        "--max-time {{.data.count}}",
    )
    assert render_call(request, VALUES) == Call(
        "PUT",
        "http://127.0.0.1:1/sockshop",
        (("Authorization", "Bearer s3cret"), ("Content-Type", "application/x-www-form-urlencoded")),
        '{"stage": "qa"}',
        max_time=3.0,
    )


def test_a_v1alpha1_command_renders_then_splits() -> None:
    command = (
        "curl -X POST -H 'Content-Type: application/json' -d '{\"p\": \"{{.data.project}}\"}' https://x/a"
    )
    assert render_call(command, VALUES) == Call(
        "POST", "https://x/a", (("Content-Type", "application/json"),), '{"p": "sockshop"}'
    )


@pytest.mark.parametrize(
    ("command", "call"),
    [
        ("curl https://x", Call("GET", "https://x")),
        ("curl x.example:8080/p", Call("GET", "http://x.example:8080/p")),
        ("curl -I https://x", Call("HEAD", "https://x")),
        (
            "curl --json '{}' https://x",
            Call(
                "POST",
                "https://x",
                (("Content-Type", "application/json"), ("Accept", "application/json")),
                "{}",
            ),
        ),
        (
            "curl -d a=1 --data-raw @b --url https://x",
            Call(
                "POST",
                "https://x",
                (("Content-Type", "application/x-www-form-urlencoded"),),
                "a=1&@b",
            ),
        ),
        (
            "curl -sSLk -XPUT --request=PATCH -u me:pw -A agent --connect-timeout 2 -m 5 https://x",
            Call(
                "PATCH",
                "https://x",
                (("User-Agent", "agent"),),
                None,
                frozenset({"location", "insecure"}),
                5.0,
                2.0,
                "me:pw",
            ),
        ),
        (
            "curl --fail-with-body --silent --compressed https://x",
            Call("GET", "https://x"),
        ),
    ],
)
def test_the_curl_subset(command: str, call: Call) -> None:
    assert curl_call(command) == call


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("", "only curl commands are allowed to be executed"),
        ("wget https://x", "only curl commands are allowed to be executed"),
        ("curl 'https://x", "could not parse curl command: No closing quotation"),
        ("curl -o out https://x", "curl command contains invalid option '-o'"),
        ("curl --output=out https://x", "curl command contains invalid option '--output'"),
        ("curl -F a=@/etc/passwd https://x", "curl command contains invalid option '-F'"),
        ("curl -T f https://x", "curl command contains invalid option '-T'"),
        ("curl -K cfg https://x", "curl command contains invalid option '-K'"),
        ("curl -d @/etc/passwd https://x", "file uploads using @ in --data is not allowed"),
        ("curl --json @file https://x", "file uploads using @ in --data is not allowed"),
        ("curl https://x -H", "curl option '-H' needs a value"),
        ("curl -H NoColon https://x", "curl header 'NoColon' is not 'Name: value'"),
        ("curl -H ': v' https://x", "curl header ': v' is not 'Name: value'"),
        ("curl -m soon https://x", "curl option '--max-time' needs a positive number of seconds, got 'soon'"),
        (
            "curl --connect-timeout 0 https://x",
            "curl option '--connect-timeout' needs a positive number of seconds, got '0'",
        ),
        ("curl -X POST", "curl command contains empty URL"),
        ("curl https://a https://b", "curl command names 2 URLs; a request calls one"),
        ("curl file:///etc/passwd", "only http:// and https:// URLs can be called, not file://"),
        ("curl --silent=yes https://x", "curl option '--silent' is not supported (supported: "),
        ("curl -sZ https://x", "curl option '-Z' is not supported (supported: "),
        ("curl --proxy p https://x", "curl option '--proxy' is not supported (supported: -X, --request, -H"),
    ],
)
def test_curl_errors(command: str, message: str) -> None:
    with pytest.raises(CurlError) as caught:
        curl_call(command)
    assert caught.value.message.startswith(message)


def test_v1beta1_options_and_payload_follow_the_same_rules() -> None:
    with pytest.raises(CurlError) as caught:
        request_call(Request("https://x", "POST", payload="@/etc/passwd"))
    assert caught.value.message == "file uploads using @ in --data is not allowed"
    with pytest.raises(CurlError) as caught:
        request_call(Request("https://x", "POST", options="--output /tmp/x"))
    assert caught.value.message == "curl command contains invalid option '--output'"
    with pytest.raises(CurlError) as caught:
        request_call(Request("https://x", "POST", options="'unclosed"))
    assert caught.value.message == "could not parse options: No closing quotation"


def test_a_header_given_wins_over_curls_default_content_type() -> None:
    call = request_call(Request("https://x", "POST", (("content-type", "text/plain"),), "hi"))
    assert call.headers == (("content-type", "text/plain"),)
    assert call.body == "hi"
