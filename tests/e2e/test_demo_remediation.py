"""``slogate demo --remediation``'s chapter end to end: a real server, Prometheus, helloservice processes and
users; the alerts reach slogate through a real Alertmanager."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from slogate.demo.fulltour import BUILDS, run_tour
from slogate.demo.remediation import check_remediation, remediation_summary, run_remediation
from slogate.demo.stack import DemoStack, find_prometheus
from tests.support import real_parts
from tests.support.prometheus import MISSING, MISSING_REASON

pytestmark = pytest.mark.slow
TEST_SECONDS = 10.0


@pytest.fixture(autouse=True)
def _needs_prometheus() -> None:
    if MISSING:
        pytest.fail(f"the demo needs a real Prometheus: {MISSING_REASON}", pytrace=False)


# The demo's own relay (no Alertmanager) is tested in tests/integration/demo/test_alert_relay.py: one run
# of the chapter (about four minutes) is what CI can afford.
def test_the_hotfix_alert_is_remediated_by_a_restart_then_a_rollback(tmp_path: Path) -> None:
    alerts_by = "Alertmanager"
    alertmanager = real_parts.alertmanager()
    printed = io.StringIO()
    console = Console(file=printed, width=200)
    with DemoStack(tmp_path, find_prometheus(), alertmanager=alertmanager, alerting=True) as stack:
        tour = run_tour(stack, console, TEST_SECONDS, builds=BUILDS[:1])  # production runs v0.1.1
        assert tour.versions["production"] == "v0.1.1"
        result = run_remediation(stack, console, tour.ports["production"], TEST_SECONDS)
    assert result.alerts_by == alerts_by
    assert [(loop["action"], loop["result"], loop["evaluation"]) for loop in result.loops] == [
        ("restart", "pass", "fail"),
        ("rollback", "pass", "pass"),
    ]
    assert (result.ended, result.problem, result.version) == ("pass", "closed", "v0.1.1")
    check_remediation(result)
    text = printed.getvalue()
    assert f"{alerts_by} posted it to /api/v1/alertmanager: problem open" in text
    assert "production remediation loop 2: problem http_response_time_seconds_main_page_sum" in text
    assert "the alert resolved: problem closed" in text
    Console(file=printed, width=200).print(remediation_summary(result))
    assert f"Alerts posted by {alerts_by}" in " ".join(printed.getvalue().split())
