"""DORA figures over a scripted history written through the event store, with known answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from slogate.adapters.store.delivery_repository import SqlDeliveryLog
from slogate.adapters.store.repository import SqlEventStore
from slogate.domain.sequencing.shipyard import Shipyard, Stage
from slogate.errors import InputError, NotFoundError
from slogate.services.usecases.dora import DoraReport, DoraReports
from tests.support.dora_history import HOUR, T0, history

SHIPYARD = Shipyard(stages=(Stage("dev"), Stage("production")))


@pytest.fixture
def reports(engine: Engine) -> DoraReports:
    SqlEventStore(engine).add(history())
    return DoraReports(SqlDeliveryLog(engine), {"shop": SHIPYARD}.get, lambda: T0 + timedelta(days=10))


def test_the_four_figures_of_the_scripted_history(reports: DoraReports) -> None:
    report = reports.report("shop", since="10d")
    assert (report.stage, report.days, report.deliveries) == ("production", 10.0, 8)
    assert report.deployment_frequency == pytest.approx(0.8)
    lead = report.lead_time  # 2, 4, 1, 8, 1, 6, 2, 1 hours
    assert (lead.count, lead.median, lead.p90) == (8, 2 * HOUR, 8 * HOUR)
    assert (report.failed, report.failed_evaluations, report.rolled_back) == (3, 1, 1)
    assert report.change_failure_rate == pytest.approx(3 / 8)
    restore = report.time_to_restore  # c2: 21 h, c4: 45 h, c7: never
    assert (restore.count, restore.median, restore.p90, report.unrestored) == (2, 33 * HOUR, 45 * HOUR, 1)


def test_the_json_document(reports: DoraReports) -> None:
    document = reports.report("shop", since="2026-03-01T00:00:00Z", until="2026-03-11T00:00:00Z").to_json()
    assert document["since"] == "2026-03-01T00:00:00.000Z"
    assert document["until"] == "2026-03-11T00:00:00.000Z"
    assert document["deliveries"] == 8
    assert document["changeFailureRate"] == 0.375
    assert document["leadTime"] == {"count": 8, "medianSeconds": 7200.0, "p90Seconds": 28800.0}
    assert document["timeToRestore"] == {
        "count": 2,
        "medianSeconds": 33 * HOUR,
        "p90Seconds": 45 * HOUR,
        "unrestored": 1,
    }


def test_windows_cut_deliveries_not_their_restores(reports: DoraReports) -> None:
    early = reports.report("shop", since="2026-03-01T00:00:00Z", until="2026-03-05T00:00:00Z")
    assert early.deliveries == 4  # c1..c4 (c5 is deployed at 97 h)
    assert (early.failed, early.time_to_restore.median, early.unrestored) == (2, 33 * HOUR, 0)
    late = reports.report("shop", since="2026-03-06T00:00:00Z", until="2026-03-11T00:00:00Z")
    assert (late.deliveries, late.failed, late.unrestored) == (3, 1, 1)  # c6, c7, c8
    assert late.time_to_restore.count == 0


def test_another_stage_is_chosen_with_stage(reports: DoraReports) -> None:
    dev = reports.report("shop", stage="dev", since="10d")
    assert (dev.stage, dev.deliveries, dev.failed, dev.unrestored) == ("dev", 1, 1, 1)  # q1 only


def test_no_deliveries(engine: Engine) -> None:
    reports = DoraReports(SqlDeliveryLog(engine), {"shop": SHIPYARD}.get, lambda: T0)
    report = reports.report("shop")
    assert (report.deliveries, report.deployment_frequency, report.change_failure_rate) == (0, 0.0, None)
    assert report.lead_time.median is None
    assert report.time_to_restore.p90 is None
    assert report.to_json()["changeFailureRate"] is None


def test_bad_requests_say_what_is_wrong(reports: DoraReports) -> None:
    with pytest.raises(NotFoundError, match="project 'nope' not found"):
        reports.report("nope")
    unknown_stage = r"stage 'prod' not found in project 'shop' \(stages: dev, production\)"
    with pytest.raises(NotFoundError, match=unknown_stage):
        reports.report("shop", stage="prod")
    with pytest.raises(InputError, match=r"since: '3x' is neither a span \(e.g. 30d"):
        reports.report("shop", since="3x")
    with pytest.raises(InputError, match="until: 'soon' is neither"):
        reports.report("shop", until="soon")
    with pytest.raises(InputError, match="must be before until"):
        reports.report("shop", since="2027-01-01T00:00:00Z")


def test_a_report_is_a_value(reports: DoraReports) -> None:
    assert isinstance(reports.report("shop", since="1w"), DoraReport)
