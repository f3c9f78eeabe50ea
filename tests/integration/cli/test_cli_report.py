"""``slogate report dora`` against a live server, after a real two-stage delivery."""

from __future__ import annotations

import json

import yaml

from tests.integration.cli.cli_helpers import assert_one_line_error
from tests.integration.cli.conftest import Cli
from tests.integration.cli.test_cli_trigger import SERVICE, context_of, make_project, results, state_of
from tests.support.live_server import LiveServer


def test_a_delivery_shows_in_the_report(cli: Cli, live_server: LiveServer) -> None:
    make_project(live_server, "reported")
    empty = cli("report", "dora", "--project", "reported", "-o", "json")
    assert empty.exit_code == 0, empty.output
    assert (json.loads(empty.stdout)["deliveries"], json.loads(empty.stdout)["changeFailureRate"]) == (
        0,
        None,
    )
    trigger = cli("trigger", "delivery", "--project", "reported", "--service", SERVICE, "--image", "img:1")
    assert trigger.exit_code == 0, trigger.output
    context = context_of(trigger)
    assert state_of(live_server, "reported", context, until=("finished",)) == "finished"
    assert results(live_server, context)["production.delivery"] == ("succeeded", "pass")
    report = cli("report", "dora", "--project", "reported", "-o", "json")
    assert report.exit_code == 0, report.output
    body = json.loads(report.stdout)
    assert (body["stage"], body["deliveries"], body["failedDeliveries"]) == ("production", 1, 0)
    assert body["leadTime"]["count"] == 1
    assert 0 < body["leadTime"]["medianSeconds"] < 60  # from the qa trigger to the production deployment
    assert body["deploymentFrequency"] == 1 / 30
    qa = yaml.safe_load(
        cli("report", "dora", "-p", "reported", "--stage", "qa", "--since", "1h", "-o", "yaml").stdout
    )
    assert (qa["stage"], qa["deliveries"], qa["days"]) == ("qa", 1, 1 / 24)
    table = cli("report", "dora", "--project", "reported")
    assert table.exit_code == 0, table.output
    assert "DORA: reported / production" in table.stdout
    assert "1 deliveries in 30 days" in table.stdout
    assert "0 restored, 0 not yet" in table.stdout


def test_errors_are_one_line(cli: Cli, live_server: LiveServer) -> None:
    assert_one_line_error(cli("report", "dora", "--project", "nowhere"), "project 'nowhere' not found")
    make_project(live_server, "windowed")
    assert_one_line_error(
        cli("report", "dora", "--project", "windowed", "--since", "soon"), "since: 'soon' is neither a span"
    )
    assert_one_line_error(
        cli("report", "dora", "--project", "windowed", "--stage", "prod"), "stage 'prod' not found"
    )
