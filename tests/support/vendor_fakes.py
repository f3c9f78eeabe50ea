"""The three vendor fakes behind one table: how to start each, give it a value for the tests' one SLI
(``latency`` of service ``cart``), reach it (the vendor's environment variables and Keptn's secret) and
make it answer 429 once."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from tests.support.fake_datadog import API_KEY, APP_KEY, FakeDatadog
from tests.support.fake_dynatrace import FakeDynatrace
from tests.support.fake_sumologic import FakeSumoLogic

# latency ≤ 100 and at most 10 % above the last passing build
SLO = """\
spec_version: "1.0"
comparison:
  compare_with: single_result
  include_result_with_score: pass
  aggregate_function: avg
objectives:
  - sli: latency
    displayName: Latency
    pass:
      - criteria: ["<=100", "<=+10%"]
total_score:
  pass: "90%"
  warning: "75%"
"""


@dataclass
class Vendor:
    """How to run one vendor's fake, set a value, and reach it from the CLI."""

    name: str
    start: Callable[[], AbstractContextManager[Any]]
    sli: str
    put: Callable[[Any, float | None], None]
    environment: Callable[[Any], dict[str, str]]
    wrong: dict[str, str]
    rate_limit: Callable[[Any], None]
    secret: Callable[[Any], dict[str, str]]


DT_SELECTOR = "custom.latency:avg"
DD_QUERY = "avg:latency{service:cart}"
SUMO_QUERY = "metric=latency service=cart"


def _dynatrace_value(fake: FakeDynatrace, value: float | None) -> None:
    fake.set_metric(DT_SELECTOR, *([[value]] if value is not None else []))


def _datadog_value(fake: FakeDatadog, value: float | None) -> None:
    fake.remove(DD_QUERY)
    if value is not None:
        fake.put(DD_QUERY, value)


def _sumo_value(fake: FakeSumoLogic, value: float | None) -> None:
    if value is None:
        fake.set(SUMO_QUERY)
    else:
        fake.set(SUMO_QUERY, value)


VENDORS = [
    Vendor(
        "dynatrace",
        FakeDynatrace,
        f"metricSelector={DT_SELECTOR}&entitySelector=type(SERVICE),tag(keptn_service:$SERVICE)",
        _dynatrace_value,
        lambda fake: {"DT_TENANT": fake.url, "DT_API_TOKEN": fake.token},
        {"DT_API_TOKEN": "dt0c01.WRONGWRONGWRONGWRONGWRON." + "0" * 64},
        lambda fake: fake.script(429, headers={"Retry-After": "1"}, path="/api/v2/metrics/query"),
        lambda fake: {"DT_TENANT": fake.url, "DT_API_TOKEN": fake.token},
    ),
    Vendor(
        "datadog",
        FakeDatadog,
        "avg:latency{service:$SERVICE}",
        _datadog_value,
        lambda fake: {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY, "DD_SITE": fake.url},
        {"DD_APP_KEY": "0" * 40},
        lambda fake: fake.rate_limit(times=1, reset=1),
        lambda fake: {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY, "DD_SITE": fake.url},
    ),
    Vendor(
        "sumologic",
        FakeSumoLogic,
        "metric=latency service=$SERVICE | quantize to $DURATION using avg",
        _sumo_value,
        lambda fake: {
            "SUMOLOGIC_ACCESS_ID": dict(fake.credentials)["ACCESS_ID"],
            "SUMOLOGIC_ACCESS_KEY": dict(fake.credentials)["ACCESS_KEY"],
            "SUMOLOGIC_ENDPOINT": fake.url,
        },
        {"SUMOLOGIC_ACCESS_KEY": "not-the-key"},
        lambda fake: fake.script(429, headers={"Retry-After": "1"}),
        lambda fake: {**dict(fake.credentials), "ENDPOINT": fake.url},
    ),
]
