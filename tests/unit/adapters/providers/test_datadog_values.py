"""Datadog answers to one value: the scalar and v1 rules, error bodies, the site and the keys."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from slogate.adapters.providers.datadog import (
    base_url,
    key_headers,
    point_value,
    scalar_value,
    vendor_error,
)
from slogate.adapters.providers.vendor import SLIError
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions


def scalar(*values: object, groups: list[list[str]] | None = None, errors: str = "") -> httpx.Response:
    """A scalar answer with one number column (and a ``host`` group column when ``groups``)."""
    columns: list[dict[str, Any]] = [{"name": "query1", "type": "number", "values": list(values)}]
    if groups is not None:
        columns.insert(0, {"name": "host", "type": "group", "values": groups})
    body: dict[str, Any] = {"data": {"type": "scalar_response", "attributes": {"columns": columns}}}
    if errors:
        body["errors"] = errors
    return httpx.Response(200, json=body)


def series(*points: object, tags: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "tag_set": list(tags),
        "pointlist": [[1704103200000 + i, value] for i, value in enumerate(points)],
    }


def v1(*found: dict[str, Any], **extra: object) -> httpx.Response:
    return httpx.Response(
        200, json={"status": "ok", "res_type": "time_series", "series": list(found), **extra}
    )


def failure(call: Any, response: httpx.Response) -> str:
    with pytest.raises(SLIError) as raised:
        call(response)
    return raised.value.message


@pytest.mark.parametrize(
    ("values", "expected"), [((42.5,), 42.5), ((0,), 0.0), ((-3,), -3.0), ((1e300,), 1e300)]
)
def test_scalar_one_value(values: tuple[float], expected: float) -> None:
    assert scalar_value(scalar(*values)) == expected


def test_scalar_nan_is_returned_for_the_provider_to_fail() -> None:
    response = httpx.Response(
        200, content=b'{"data":{"attributes":{"columns":[{"type":"number","values":[NaN]}]}}}'
    )
    assert math.isnan(scalar_value(response))


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (scalar(), "Datadog returned no value: no data for the query in the window"),
        (
            scalar(errors="metric not found"),
            "no data for the query in the window (Datadog: metric not found)",
        ),
        (scalar(None), "Datadog returned null: no data points in the window"),
        (scalar("12"), "Datadog returned '12', not a number"),
        (scalar(True), "Datadog returned True, not a number"),
        (
            scalar(1.0, 2.0, 3.0, groups=[["a"], ["b"], ["c"]]),
            "Datadog returned 3 values, one per group (host:a; host:b; host:c); an SLI needs exactly one",
        ),
        (scalar(*range(7)), "Datadog returned 7 values, one per group (#1; #2; #3; #4; #5, …)"),
        (httpx.Response(200, json={"data": {"attributes": {"columns": []}}}), "answered 0 value columns"),
        (httpx.Response(200, json={"data": {"attributes": {}}}), "has no data.attributes.columns"),
        (
            httpx.Response(200, json={"data": None, "errors": "boom"}),
            "has no data.attributes.columns (Datadog: boom)",
        ),
        (
            httpx.Response(200, json={"data": {"attributes": {"columns": [{"type": "number"}]}}}),
            "no list of values",
        ),
        (httpx.Response(200, json=[1]), "Datadog answered HTTP 200 without a JSON object"),
        (httpx.Response(200, text="<html>"), "Datadog answered HTTP 200 without a JSON object"),
        (
            httpx.Response(400, json={"errors": ["Error parsing query: bad"]}),
            "HTTP 400: Error parsing query: bad",
        ),
    ],
)
def test_scalar_failures_name_what_came_back(response: httpx.Response, message: str) -> None:
    assert message in failure(scalar_value, response)


@pytest.mark.parametrize(
    ("points", "expected"),
    [((1.0, 2.0, 3.0), 3.0), ((1.0, 2.0, None), 2.0), ((None, 7, None, None), 7.0), ((0.0,), 0.0)],
)
def test_v1_last_non_null_point_of_the_one_series(points: tuple[float | None, ...], expected: float) -> None:
    assert point_value(v1(series(*points))) == expected


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (v1(), "Datadog returned no series: no data for the query in the window"),
        (v1(series(None, None)), "a series without a non-null point (2 point(s), all null)"),
        (v1(series()), "a series without a non-null point (0 point(s), all null)"),
        (
            v1(series(1.0, tags=("host:a",)), series(2.0, tags=("host:b", "env:x")), series(3.0)),
            "Datadog returned 3 series (host:a; host:b,env:x; no tags); an SLI needs exactly one",
        ),
        (v1(*(series(1.0) for _ in range(6))), "6 series (no tags; no tags; no tags; no tags; no tags, …)"),
        (v1(series("x")), "Datadog returned 'x', not a number"),
        (
            httpx.Response(200, json={"status": "error", "error": "Rule 'x' not found"}),
            "an error: Rule 'x' not found",
        ),
        (httpx.Response(200, json={"status": "ok"}), "no list of series"),
        (httpx.Response(503, text="upstream down\n"), "Datadog answered HTTP 503: upstream down"),
    ],
)
def test_v1_failures_name_what_came_back(response: httpx.Response, message: str) -> None:
    assert message in failure(point_value, response)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(400, json={"errors": ["a", "b"]}), "Datadog answered HTTP 400: a; b"),
        (httpx.Response(400, json={"errors": "one string"}), "Datadog answered HTTP 400: one string"),
        (httpx.Response(500, json={"error": "internal"}), "Datadog answered HTTP 500: internal"),
        (httpx.Response(502, text=""), "Datadog answered HTTP 502: Bad Gateway"),
        (httpx.Response(400, text="x" * 500), "Datadog answered HTTP 400: " + "x" * 200),
    ],
)
def test_vendor_errors_read_the_body(response: httpx.Response, message: str) -> None:
    assert vendor_error(response) == message


@pytest.mark.parametrize(
    ("site", "url"),
    [
        ("", "https://api.datadoghq.com"),
        ("  ", "https://api.datadoghq.com"),
        ("datadoghq.com", "https://api.datadoghq.com"),
        ("datadoghq.eu", "https://api.datadoghq.eu"),
        ("us3.datadoghq.com", "https://api.us3.datadoghq.com"),
        ("US5.Datadoghq.com ", "https://api.us5.datadoghq.com"),
        ("app.datadoghq.eu", "https://api.datadoghq.eu"),
        ("api.ddog-gov.com", "https://api.ddog-gov.com"),
        ("http://127.0.0.1:8126/", "http://127.0.0.1:8126"),
        ("https://dd.example.internal/proxy", "https://dd.example.internal/proxy"),
    ],
)
def test_site_to_base_url(site: str, url: str) -> None:
    assert base_url(site) == url


@pytest.mark.parametrize(
    "site", ["datadoghq", "datadoghq.com/api", "evil.com@x", "ftp://x.com", "http://", "http://u:p@127.0.0.1"]
)
def test_bad_sites_name_dd_site(site: str) -> None:
    with pytest.raises(ConfigError, match="DD_SITE"):
        base_url(site)


def options(api: str = "a" * 32, app: str = "b" * 40) -> ProviderOptions:
    return ProviderOptions(url="", credentials=(("DD_API_KEY", api), ("DD_APP_KEY", app)))


def test_keys_become_datadog_headers() -> None:
    assert key_headers(options()) == {"DD-API-KEY": "a" * 32, "DD-APPLICATION-KEY": "b" * 40}


@pytest.mark.parametrize(
    ("api", "app", "message"),
    [
        ("", "secretapp", "Datadog DD_API_KEY: missing"),
        ("secretapi", "", "Datadog DD_APP_KEY: missing"),
        ("secretapi\r\nX-Evil: 1", "secretapp", "Datadog DD_API_KEY: holds spaces or control characters"),
        ("secretapi", "secret app", "Datadog DD_APP_KEY: holds spaces or control characters"),
        ("secretapi", "secretключ", "Datadog DD_APP_KEY: holds spaces or control characters"),
    ],
)
def test_missing_or_malformed_keys_are_named_never_shown(api: str, app: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        key_headers(options(api, app))
    assert message in str(raised.value)
    assert "secret" not in str(raised.value)
