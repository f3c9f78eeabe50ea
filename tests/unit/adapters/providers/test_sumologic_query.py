"""Sumo Logic query rules without HTTP: the quantize clause, the endpoint, lint's check_query."""

from __future__ import annotations

import pytest

from slogate.adapters.providers.sumologic import check_query
from slogate.adapters.providers.sumologic_query import (
    DEFAULT_API,
    ONE_QUANTIZE,
    QUANTIZE_FORM,
    api_base,
    parse_query,
    placeholder_problem,
    unresolved,
)
from slogate.adapters.providers.vendor import SLIError
from slogate.errors import ConfigError

PARSED = (
    ("metric=cpu | quantize to 300s using avg", "metric=cpu", 300_000, "Avg"),
    (
        "metric=cpu service=web | quantize to 5m using sum | sum by pod",
        "metric=cpu service=web | sum by pod",
        300_000,
        "Sum",
    ),
    ("metric=cpu|quantize to 2h using min|max", "metric=cpu | max", 7_200_000, "Min"),
    ("  metric=cpu | quantize  to\t1d  using count |  ", "metric=cpu", 86_400_000, "Count"),
    ("metric=cpu | quantize to 90s using max", "metric=cpu", 90_000, "Max"),
    ("metric=quantize_errors | quantize to 60s using avg", "metric=quantize_errors", 60_000, "Avg"),
    ("metric=a | quantize to 1m using avg | sum | avg", "metric=a | sum | avg", 60_000, "Avg"),
    (
        "metric=outlier service=timeshift | quantize to 1m using avg",
        "metric=outlier service=timeshift",
        60_000,
        "Avg",
    ),
)


@pytest.mark.parametrize(("query", "sent", "millis", "rollup"), PARSED)
def test_the_quantize_clause_becomes_request_fields(query: str, sent: str, millis: int, rollup: str) -> None:
    parsed = parse_query(query)
    assert (parsed.query, parsed.quantization_ms, parsed.rollup) == (sent, millis, rollup)
    assert parsed.clause.startswith("quantize")
    assert not parsed.clause.endswith("|")


REFUSED = (
    ("metric=cpu", f"{ONE_QUANTIZE} (found 0)"),
    ("metric=cpu | QUANTIZE TO 5m USING avg", f"{ONE_QUANTIZE} (found 0)"),
    ("metric=cpu | quantize to 5m using avg | quantize to 1m using max", f"{ONE_QUANTIZE} (found 2)"),
    ("metric=cpu | quantize to 5m", QUANTIZE_FORM),
    ("metric=cpu | quantize using avg", QUANTIZE_FORM),
    ("metric=cpu | quantize to 5 m using avg", QUANTIZE_FORM),
    ("quantize to 5m using avg", "must follow the selector directly"),
    ("| quantize to 5m using avg", "must follow the selector directly"),
    ("metric=cpu quantize to 5m using avg", "must follow the selector directly"),
    ("metric=cpu | sum | quantize to 5m using avg", "must follow the selector directly"),
    ("metric=cpu | quantize to 5m using avg sum", "must be followed by `|` before the next operator"),
    (
        "metric=cpu | quantize to 5x using avg",
        "couldn't parse the value for quantize interval/duration: '5x'",
    ),
    ("metric=cpu | quantize to 0s using avg", "the quantize interval '0s' must be longer than 0"),
    ("metric=cpu | quantize to 5m using rate", "the rollup 'rate' is not one the API takes"),
    ("metric=cpu | quantize to 5m using avgx", "the rollup 'avgx'"),
    ("metric=cpu | quantize to 5m using avg | fillmissing", "`fillmissing` is not supported"),
    ("metric=cpu | quantize to 5m using avg | timeshift 1h", "`timeshift` is not supported"),
    ("metric=cpu | quantize to 5m using avg | outlier", "`outlier` is not supported"),
    ("metric=cpu | quantize to 5m using avg | sum |fillmissing", "`fillmissing` is not supported"),
)


@pytest.mark.parametrize(("query", "message"), REFUSED)
def test_a_query_the_api_cannot_take_is_refused_with_keptns_words(query: str, message: str) -> None:
    with pytest.raises(SLIError) as caught:
        parse_query(query)
    assert message in caught.value.message


ENDPOINTS = (
    ("", DEFAULT_API),
    ("us1", DEFAULT_API),
    (" US1 ", DEFAULT_API),
    ("eu", "https://api.eu.sumologic.com/api"),
    ("us2", "https://api.us2.sumologic.com/api"),
    ("fed", "https://api.fed.sumologic.com/api"),
    ("JP", "https://api.jp.sumologic.com/api"),
    ("https://api.au.sumologic.com/api/", "https://api.au.sumologic.com/api"),
    ("http://127.0.0.1:8080/api", "http://127.0.0.1:8080/api"),
    ("http://[::1]:8080", "http://[::1]:8080"),
)


@pytest.mark.parametrize(("endpoint", "base"), ENDPOINTS)
def test_a_region_code_or_url_names_the_api_base(endpoint: str, base: str) -> None:
    assert api_base(endpoint) == base


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("api.eu.sumologic.com/api", "neither a region code"),
        ("e u", "neither a region code"),
        ("eu.evil.example", "neither a region code"),
        ("ftp://api.sumologic.com/api", "not an http:// or https:// URL"),
        ("https://id:key@api.sumologic.com/api", "must not hold credentials"),
        ("https:///api", "not an http:// or https:// URL"),
    ],
)
def test_a_bad_endpoint_is_a_config_error_naming_it(endpoint: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        api_base(endpoint)
    assert message in str(caught.value)
    assert "Sumo Logic endpoint" in str(caught.value)


GOOD = "metric=cpu service=$SERVICE | quantize to $DURATION using avg | sum"
CHECKS: tuple[tuple[str, tuple[str, ...] | None, list[str]], ...] = (
    (GOOD, None, []),
    ("metric=cpu | quantize to $DURATIONs using avg", (), []),
    ("metric=cpu _sourceCategory=$project/$stage | quantize to 5m using max", (), []),
    ("metric=cpu build=$LABEL.buildId | quantize to $DURATION using avg", (), []),
    ("metric=cpu | quantize to $LABEL.bucket using avg", None, []),
    ("metric=cpu pod=$FOO | quantize to $DURATION using avg", None, []),
    ("metric=cpu pod=$FOO | quantize to $DURATION using avg", ("foo",), []),
    ("metric=cpu pod=$foo | quantize to $DURATION using avg", ("foo",), []),
    ("metric=cpu pod=$FOO | quantize to $DURATION using avg", (), ["$FOO is not a placeholder"]),
    ("metric=$SERVICE.requests host=$LABEL.host.name. | quantize to $DURATION using avg", (), []),
    ("metric=cpu pod=$FOO.bar | quantize to $DURATION using avg", (), ["$FOO is not a placeholder"]),
    ("metric=cpu h=$ENV.HOME | quantize to $DURATION using avg", None, ["$ENV.HOME: $ENV placeholders"]),
    ("  ", None, ["the query is empty"]),
    ("metric=cpu", None, [f"{ONE_QUANTIZE} (found 0)"]),
    ("metric=cpu | sum | quantize to $DURATION using avg", None, ["must follow the selector directly"]),
    ("metric=cpu | quantize to $DURATION using rate", None, ["the rollup 'rate'"]),
    (
        "metric=cpu h=$ENV.X | quantize to 5m",
        None,
        ["$ENV.X: $ENV placeholders", QUANTIZE_FORM],
    ),
)


@pytest.mark.parametrize(("query", "filters", "problems"), CHECKS)
def test_check_query_reports_what_the_provider_would_refuse(
    query: str, filters: tuple[str, ...] | None, problems: list[str]
) -> None:
    found = check_query(query, filters)
    assert len(found) == len(problems), found
    for problem, expected in zip(found, problems, strict=True):
        assert expected in problem


def test_placeholders_left_in_a_query_are_named_once_each() -> None:
    query = "metric=a x=$ENV.PATH y=$LABEL.gone z=$NOPE w=$NOPE | quantize to 5m using avg"
    assert unresolved(query) == ["$ENV.PATH", "$LABEL.gone", "$NOPE"]
    assert "would put the server's environment" in placeholder_problem("$ENV.PATH")
    assert placeholder_problem("$LABEL.gone") == "$LABEL.gone: the event has no label 'gone'"
    assert "$NOPE is not a placeholder of the Sumo Logic provider" in placeholder_problem("$NOPE")
