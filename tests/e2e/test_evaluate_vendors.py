"""``slogate evaluate --provider dynatrace|datadog|sumologic`` as a CI step runs it: a real process,
credentials in the vendor's environment variables, a local fake of the vendor's API and a SQLite
history. Per vendor: three builds (pass, a regression that fails, pass again compared with the first),
a 429, an empty result, a wrong key and missing variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.vendor_fakes import SLO, Vendor

pytestmark = pytest.mark.slow

START, END = "2026-12-01T10:00:00Z", "2026-12-01T10:05:00Z"


VENDOR_VARIABLES = ("DT_", "DD_", "SUMOLOGIC_")


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
