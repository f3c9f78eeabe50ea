"""Sumo Logic answers without HTTP: the one value, error bodies, the request body, options, placeholders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slogate.adapters.providers.sumologic import SumoLogicProvider, create_provider, request_body
from slogate.adapters.providers.sumologic_query import SumoQuery, error_text, parse_query, single_value
from slogate.adapters.providers.vendor import SLIError
from slogate.domain.evaluation.sli import SLIRequest
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions

CREDENTIALS = (("ACCESS_ID", "id"), ("ACCESS_KEY", "key"))
WINDOW = parse_query("metric=cpu | quantize to 300s using avg")
SHORT = parse_query("metric=cpu | quantize to 60s using avg")


def answer(*series: list[Any], errors: Any = None) -> dict[str, Any]:
    """A metricsQueries answer with one row holding ``series`` (each a list of point values)."""
    listed = [
        {
            "metricDefinition": {"metric": "cpu", "dimensions": {"pod": f"p{i}"}},
            "points": {"timestamps": [1704103200000 + 60000 * j for j in range(len(v))], "values": v},
        }
        for i, v in enumerate(series)
    ]
    return {"queryResult": [{"rowId": "A", "timeSeriesList": {"timeSeries": listed}}], "errors": errors}


VALUES = (
    (answer([0.25]), WINDOW, 0.25),
    (answer([3]), WINDOW, 3.0),
    (answer([-1.5e-3]), SHORT, -1.5e-3),
)


@pytest.mark.parametrize(("payload", "parsed", "value"), VALUES)
def test_one_point_of_one_series_is_the_value(payload: Any, parsed: SumoQuery, value: float) -> None:
    assert single_value(payload, parsed, 300) == value


NOT_ONE: tuple[tuple[Any, SumoQuery, str], ...] = (
    ({"queryResult": []}, WINDOW, "query did not return any values: Sumo Logic returned no time series"),
    ({}, WINDOW, "returned no time series"),
    ({"queryResult": [{"rowId": "A", "timeSeriesList": None}]}, WINDOW, "returned no time series"),
    (answer(), WINDOW, "returned no time series"),
    (answer([]), WINDOW, "query did not return any values: the time series has no points"),
    ({"queryResult": [{"rowId": "A", "timeSeriesList": {"timeSeries": [{}]}}]}, WINDOW, "has no points"),
    (answer([1.0], [2.0]), WINDOW, "query did return multiple values: 2 time series ({pod=p0}, {pod=p1})"),
    (answer([1], [2], [3], [4]), WINDOW, "4 time series ({pod=p0}, {pod=p1}, {pod=p2}, …)"),
    (
        answer([1.0, 2.0, 3.0, 4.0, 5.0]),
        SHORT,
        "5 points; `quantize to 60s using avg` makes buckets of 60 s, shorter than the window of 300 s",
    ),
    (
        answer([1.0, 2.0]),
        WINDOW,
        "2 points; `quantize to 300s using avg` makes buckets of 300 s, not aligned",
    ),
    (answer([None]), WINDOW, "query did not return valid values: the point is null"),
    (answer(["NaN"]), WINDOW, "the point is 'NaN', not a number"),
    (answer([True]), WINDOW, "the point is True, not a number"),
    (answer([float("nan")]), WINDOW, "the point is nan"),
    (answer([float("inf")]), WINDOW, "the point is inf"),
    (
        answer(errors={"id": "X1", "errors": [{"code": "metrics:bad", "message": "Unknown metric"}]}),
        WINDOW,
        "Sumo Logic reported an error: metrics:bad: Unknown metric",
    ),
    ([1.0], WINDOW, "Sumo Logic answered list, not a JSON object"),
)


@pytest.mark.parametrize(("payload", "parsed", "message"), NOT_ONE)
def test_anything_but_one_usable_point_fails_saying_what_came_back(
    payload: Any, parsed: SumoQuery, message: str
) -> None:
    with pytest.raises(SLIError) as caught:
        single_value(payload, parsed, 300)
    assert message in caught.value.message


ERROR_BODIES: tuple[tuple[Any, str, str], ...] = (
    ({"id": "A", "errors": [{"code": "c", "message": "m", "detail": "d"}]}, "", "c: m (d)"),
    ({"id": "A", "errors": [{"code": "c1", "message": "m1"}, {"message": "m2"}]}, "", "c1: m1; m2"),
    (
        {"status": 401, "id": "B", "code": "unauthorized", "message": "Credential could not be verified."},
        "",
        "unauthorized: Credential could not be verified.",
    ),
    ({"errors": ["plain"]}, "", "plain"),
    ({"errors": [{}]}, "", "{}"),
    (None, "Bad   gateway\n<html>", "Bad gateway <html>"),
    ({"other": 1}, "", "(no body)"),
    (None, "x" * 1000, "x" * 300),
)


@pytest.mark.parametrize(("payload", "text", "readable"), ERROR_BODIES)
def test_error_bodies_become_readable_text(payload: Any, text: str, readable: str) -> None:
    assert error_text(payload, text) == readable


END = datetime(2024, 1, 1, 10, 5, tzinfo=UTC)


def sli_request(seconds: float = 300, **extra: Any) -> SLIRequest:
    """A request for one indicator over a window of ``seconds`` ending at END."""
    return SLIRequest("shop", "qa", "cart", END - timedelta(seconds=seconds), END, ("cpu",), **extra)


def test_the_request_body_is_sumos_bounded_time_range() -> None:
    body = request_body(parse_query("metric=cpu | quantize to 5m using sum | sum"), sli_request())
    assert body == {
        "queries": [{"rowId": "A", "query": "metric=cpu | sum", "quantization": 300000, "rollup": "Sum"}],
        "timeRange": {
            "type": "BeginBoundedTimeRange",
            "from": {"type": "EpochTimeRangeBoundary", "epochMillis": 1704103200000, "rangeName": "from"},
            "to": {"type": "EpochTimeRangeBoundary", "epochMillis": 1704103500000, "rangeName": "to"},
        },
    }


def provider(url: str = "", **options: Any) -> SumoLogicProvider:
    """A provider (never used for calls) with test credentials unless given."""
    options.setdefault("credentials", CREDENTIALS)
    return create_provider(ProviderOptions(url=url, **options))


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("", "https://api.sumologic.com/api"),
        ("de", "https://api.de.sumologic.com/api"),
        ("http://127.0.0.1:1/api", "http://127.0.0.1:1/api"),
    ],
)
def test_the_provider_calls_the_endpoint_its_url_names(url: str, base: str) -> None:
    made = provider(url)
    assert made.calls.base_url == base
    assert made.type_name == "sumologic"
    asyncio.run(made.aclose())


@pytest.mark.parametrize(
    ("credentials", "missing"),
    [
        ((), "ACCESS_ID and ACCESS_KEY missing"),
        ((("ACCESS_ID", "id"),), "ACCESS_KEY missing"),
        ((("ACCESS_ID", ""), ("ACCESS_KEY", "k")), "ACCESS_ID missing"),
    ],
)
def test_missing_credentials_are_a_config_error_naming_the_keys(
    credentials: tuple[tuple[str, str], ...], missing: str
) -> None:
    with pytest.raises(ConfigError, match=f"Sumo Logic credentials: {missing}"):
        provider(credentials=credentials)


def test_a_bad_endpoint_or_limit_is_refused_when_the_provider_is_made() -> None:
    with pytest.raises(ConfigError, match="Sumo Logic endpoint"):
        provider("not a region")
    with pytest.raises(ConfigError, match="Sumo Logic settle time"):
        provider(settle_seconds=-1.0)


def test_settle_is_a_minute_unless_the_options_say_otherwise() -> None:
    assert provider().settle_seconds(sli_request()) == 60.0
    assert provider(settle_seconds=0.0).settle_seconds(sli_request()) == 0.0
    assert provider(settle_seconds=15.0).settle_seconds(sli_request()) == 15.0


def test_placeholders_are_keptns_sumologic_ones_plus_the_shared_ones() -> None:
    request = sli_request(
        299.2,
        labels=(("buildId", "b-7"),),
        deployment="canary",
        filters=(("pod", "'web-1'"), ("duration", "x")),
    )
    values = provider().placeholders(request)
    assert {
        name: values[name] for name in ("$PROJECT", "$STAGE", "$SERVICE", "$project", "$stage", "$service")
    } == {
        "$PROJECT": "shop",
        "$STAGE": "qa",
        "$SERVICE": "cart",
        "$project": "shop",
        "$stage": "qa",
        "$service": "cart",
    }
    assert values["$DURATION"] == "300s"  # whole seconds rounded up, with Sumo's unit; beats a filter
    assert (values["$DEPLOYMENT"], values["$LABEL.buildId"], values["$pod"], values["$POD"]) == (
        "canary",
        "b-7",
        "web-1",
        "web-1",
    )
    assert values["$DURATIONs"] == "300s"  # a file written for bare seconds gets no "300ss"
    assert provider().verbatim() == frozenset({"$DURATION", "$DURATIONs"})
