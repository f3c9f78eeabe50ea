"""``slogate evaluate --provider dynatrace|datadog|sumologic`` as a CI step runs it: a real process,
credentials in the vendor's environment variables, a local fake of the vendor's API and a SQLite
history. Per vendor: three builds (pass, a regression that fails, pass again compared with the first),
a 429, an empty result, a wrong key and missing variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_datadog import API_KEY, APP_KEY, FakeDatadog
from tests.support.fake_dynatrace import FakeDynatrace
from tests.support.fake_sumologic import FakeSumoLogic

START, END = "2026-12-01T10:00:00Z", "2026-12-01T10:05:00Z"
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
    ),
    Vendor(
        "datadog",
        FakeDatadog,
        "avg:latency{service:$SERVICE}",
        _datadog_value,
        lambda fake: {"DD_API_KEY": API_KEY, "DD_APP_KEY": APP_KEY, "DD_SITE": fake.url},
        {"DD_APP_KEY": "0" * 40},
        lambda fake: fake.rate_limit(times=1, reset=1),
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
    ),
]
VENDOR_VARIABLES = ("DT_", "DD_", "SUMOLOGIC_")


@pytest.fixture(params=VENDORS, ids=[vendor.name for vendor in VENDORS])
def vendor(request: pytest.FixtureRequest) -> Vendor:
    chosen: Vendor = request.param
    return chosen


@pytest.fixture
def fake(vendor: Vendor) -> Iterator[Any]:
    with vendor.start() as server:
        yield server


class Gate:
    """Runs ``slogate evaluate`` for one vendor with its files and a history database."""

    def __init__(self, vendor: Vendor, fake: Any, tmp_path: Path) -> None:
        self.vendor, self.fake = vendor, fake
        self.slo = tmp_path / "slo.yaml"
        self.sli = tmp_path / vendor.name / "sli.yaml"
        self.db = tmp_path / "history.db"
        self.slo.write_text(SLO, encoding="utf-8")
        self.sli.parent.mkdir()
        self.sli.write_text(
            f"spec_version: '1.0'\nindicators:\n  latency: '{vendor.sli}'\n", encoding="utf-8"
        )

    def run(self, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith(VENDOR_VARIABLES)
        }
        environment.update({"COLUMNS": "250", "PYTHONUTF8": "1", "SLOGATE_QUERY_RETRY_TIME": "10"})
        environment.update(self.vendor.environment(self.fake) if env is None else env)
        window = ("--start", START, "--end", END)
        scope = ("--project", "shop", "--stage", "qa", "--service", "cart")
        files = ("--slo", str(self.slo), "--sli", str(self.sli), "--db", str(self.db))
        command = [sys.executable, "-m", "slogate", "evaluate", "--provider", self.vendor.name]
        return subprocess.run(
            [*command, *files, *scope, *window, *extra],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )

    def build(self, value: float | None, number: int) -> tuple[int, dict[str, Any]]:
        self.vendor.put(self.fake, value)
        done = self.run("-o", "json", "--labels", f"buildId={number}")
        assert done.returncode in (0, 1), done.stderr
        return done.returncode, json.loads(done.stdout)

    def stored(self) -> int:
        scope = ("--project", "shop", "--stage", "qa", "--service", "cart")
        listed = subprocess.run(
            [
                sys.executable,
                "-m",
                "slogate",
                "evaluations",
                "list",
                *scope,
                "--db",
                str(self.db),
                "-o",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return len(json.loads(listed.stdout))


def _latency(document: dict[str, Any]) -> dict[str, Any]:
    (result,) = document["evaluation"]["indicatorResults"]
    value: dict[str, Any] = result["value"]
    return value


def test_three_builds_pass_regress_and_pass_compared_with_the_first(
    vendor: Vendor, fake: Any, tmp_path: Path
) -> None:
    """80 passes; 150 fails (over 100); 84 passes compared with 80 (+5 %), not with the failed 150."""
    gate = Gate(vendor, fake, tmp_path)
    first_code, first = gate.build(80.0, 1)
    assert (first_code, first["result"]) == (0, "pass")
    assert _latency(first)["value"] == 80.0
    second_code, second = gate.build(150.0, 2)
    assert (second_code, second["result"]) == (1, "fail")
    third_code, third = gate.build(84.0, 3)
    assert (third_code, third["result"]) == (0, "pass")
    assert _latency(third)["comparedValue"] == 80.0
    assert gate.stored() == 3


def test_a_429_is_retried_and_an_empty_result_fails_naming_the_sli(
    vendor: Vendor, fake: Any, tmp_path: Path
) -> None:
    """A rate-limited first answer still gives the value; no data fails the SLI with its query."""
    gate = Gate(vendor, fake, tmp_path)
    vendor.rate_limit(fake)
    code, limited = gate.build(70.0, 1)
    assert (code, limited["result"]) == (0, "pass")
    code, empty = gate.build(None, 2)
    assert (code, empty["result"]) == (1, "fail")
    value = _latency(empty)
    assert value["success"] is False
    assert "SLI 'latency'" in value["message"]
    assert "query" in value["message"]


def test_a_wrong_key_exits_2_naming_the_provider_and_stores_nothing(
    vendor: Vendor, fake: Any, tmp_path: Path
) -> None:
    """Refused credentials: exit 2, one line naming the vendor and the HTTP status, nothing stored,
    and the secret itself never printed."""
    gate = Gate(vendor, fake, tmp_path)
    vendor.put(fake, 80.0)
    done = gate.run(env={**vendor.environment(fake), **vendor.wrong})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "refused the credentials: HTTP 40" in done.stderr
    assert all(secret not in done.stderr for secret in vendor.wrong.values())
    assert "Traceback" not in done.stderr
    assert gate.stored() == 0


def test_missing_variables_exit_2_naming_them(vendor: Vendor, fake: Any, tmp_path: Path) -> None:
    """Without the vendor's variables the gate names each one it needs and queries nothing."""
    done = Gate(vendor, fake, tmp_path).run(env={})
    assert done.returncode == 2
    expected = {"dynatrace": "DT_TENANT", "datadog": "DD_API_KEY", "sumologic": "SUMOLOGIC_ACCESS_ID"}
    assert expected[vendor.name] in done.stderr
    assert "credentials incomplete" in done.stderr
