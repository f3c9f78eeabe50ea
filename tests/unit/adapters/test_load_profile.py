"""The load executor's pure parts: its settings, its target URL, its tally and its verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slogate.adapters.executors.load_profile import (
    NO_TARGET,
    LoadProfile,
    join_url,
    parse_duration,
    parse_profile,
    strategy_of,
    target_url,
)
from slogate.adapters.executors.load_test import Tally, Target, verdict
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import InputError
from slogate.ports.executors import ERRORED, FAIL, PASS, SUCCEEDED

START = datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)


def _event(data: dict[str, Any]) -> KeptnEvent:
    return KeptnEvent("id-1", "sh.keptn.event.test.triggered", "test", START, "ctx", data)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("5s", 5.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        (" 1.5s ", 1.5),
        ("3", 3.0),
        (2, 2.0),
        (0.25, 0.25),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "-1s", "1d", "s", True, None, [1], float("inf"), -2])
def test_what_is_not_a_duration(text: object) -> None:
    assert parse_duration(text) is None


def test_defaults_are_the_tutorials_locust_job() -> None:
    assert parse_profile({}) == LoadProfile(
        users=10,
        spawn_rate=1.0,
        think_min=5.0,
        think_max=15.0,
        duration=60.0,
        paths=("/",),
        timeout=5.0,
        max_error_rate=0.0,
        url="",
    )


def test_every_setting_is_read() -> None:
    config: dict[str, Any] = {
        "users": 3,
        "spawnRate": 0.5,
        "thinkTime": "500ms-2s",
        "duration": "2m",
        "paths": ["/", "/health"],
        "timeout": 1,
        "maxErrorRate": 0.05,
        "url": "http://127.0.0.1:9001",
    }
    assert parse_profile(config) == LoadProfile(
        3, 0.5, 0.5, 2.0, 120.0, ("/", "/health"), 1.0, 0.05, "http://127.0.0.1:9001"
    )


def test_a_single_think_time_is_a_fixed_pause() -> None:
    profile = parse_profile({"thinkTime": "250ms"})
    assert (profile.think_min, profile.think_max) == (0.25, 0.25)
    assert parse_profile({"thinkTime": 0}).think_max == 0


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"users": "x"}, "test.config.users must be a positive integer (at most 1000), got 'x'"),
        ({"users": 0}, "test.config.users must be a positive integer"),
        ({"users": True}, "test.config.users must be a positive integer"),
        ({"users": 2.5}, "test.config.users must be a positive integer"),
        ({"spawnRate": 0}, "test.config.spawnRate must be a positive number of users started per second"),
        (
            {"thinkTime": "15s-5s"},
            'test.config.thinkTime must be a duration or a range of two, e.g. "5s-15s"',
        ),
        ({"thinkTime": "soon"}, "test.config.thinkTime must be a duration"),
        ({"duration": "0s"}, 'test.config.duration must be a positive duration, e.g. "60s"'),
        ({"duration": "forever"}, "test.config.duration must be a positive duration"),
        ({"paths": "/"}, 'test.config.paths must be a non-empty list of paths that start with "/"'),
        ({"paths": []}, "test.config.paths must be a non-empty list"),
        ({"paths": ["health"]}, "test.config.paths must be a non-empty list"),
        ({"timeout": "-5s"}, "test.config.timeout must be a positive duration"),
        (
            {"maxErrorRate": 5},
            "test.config.maxErrorRate must be a fraction between 0 and 1, e.g. 0.05 for 5 %, got 5",
        ),
        ({"url": "127.0.0.1:9001"}, "test.config.url must be an http:// or https:// URL with a host"),
        (
            {"spawnrate": 2},
            "test.config.spawnrate is not a setting of the load executor; use users, spawnRate",
        ),
    ],
)
def test_invalid_settings_name_the_field_and_the_accepted_form(config: dict[str, Any], expected: str) -> None:
    with pytest.raises(InputError) as error:
        parse_profile(config)
    assert error.value.message.startswith("slogate/executors.yaml: ")
    assert expected in error.value.message


def test_the_message_names_the_task() -> None:
    with pytest.raises(InputError, match=r"^slogate/executors.yaml: perf\.config\.users"):
        parse_profile({"users": -1}, "perf")
    with pytest.raises(InputError, match="config must be a mapping"):
        parse_profile(["users"])


def test_the_target_is_the_local_uri_then_the_public_one_then_none() -> None:
    both = {"deploymentURIsLocal": ["http://127.0.0.1:1/"], "deploymentURIsPublic": ["http://127.0.0.1:2/"]}
    assert target_url(_event({"deployment": both})) == "http://127.0.0.1:1/"
    public = {"deploymentURIsLocal": [], "deploymentURIsPublic": ["http://127.0.0.1:2/"]}
    assert target_url(_event({"deployment": public})) == "http://127.0.0.1:2/"
    assert target_url(_event({"deployment": both}), "http://127.0.0.1:3") == "http://127.0.0.1:3"
    for data in ({}, {"deployment": {"deploymentNames": ["direct"]}}, {"deployment": "x"}):
        with pytest.raises(InputError) as error:
            target_url(_event(data))
        assert error.value.message == NO_TARGET


def test_a_uri_that_is_no_url_is_named() -> None:
    with pytest.raises(
        InputError, match=r"deployment.deploymentURIsLocal\[0\] of the event is 'helloservice:80'"
    ):
        target_url(_event({"deployment": {"deploymentURIsLocal": ["helloservice:80"]}}))


def test_urls_and_strategy() -> None:
    assert join_url("http://127.0.0.1:1", "/") == "http://127.0.0.1:1/"
    assert join_url("http://127.0.0.1:1/qa/", "/health") == "http://127.0.0.1:1/qa/health"
    assert strategy_of(_event({"test": {"teststrategy": "real-user"}})) == "real-user"
    assert strategy_of(_event({"test": "x"})) == ""
    several = Target("http://127.0.0.1:1", ("/", "/a"))
    assert several.urls == ("http://127.0.0.1:1/", "http://127.0.0.1:1/a")
    assert (several.url, several.label) == ("http://127.0.0.1:1", "http://127.0.0.1:1 (2 paths)")


def test_percentiles_are_nearest_rank() -> None:
    tally = Tally()
    for millis in range(100, 0, -1):
        tally.record(millis / 1000, "")
    assert (tally.percentile(0.5), tally.percentile(0.95)) == (0.05, 0.095)
    assert Tally().percentile(0.95) == 0.0


def _tally(successes: int, failures: int) -> Tally:
    tally = Tally()
    for _ in range(successes):
        tally.record(0.004, "")
    for index in range(failures):
        tally.record(0.002, f"GET http://127.0.0.1:1/: HTTP 500 #{index}")
    return tally


def test_the_verdict_passes_within_the_error_budget() -> None:
    end = START + timedelta(seconds=61)
    result = verdict(
        LoadProfile(max_error_rate=0.1), Target("http://127.0.0.1:1", ("/",)), _tally(19, 1), START, end
    )
    assert (result.status, result.result) == (SUCCEEDED, PASS)
    assert result.message == (
        "20 requests to http://127.0.0.1:1/, 1 failed (5.0 %), p95 0.004 s; "
        "first failure: GET http://127.0.0.1:1/: HTTP 500 #0"
    )
    assert result.data["test"] == {"start": "2026-03-01T10:00:00.123Z", "end": "2026-03-01T10:01:01.123Z"}
    assert result.data["load"] == {
        "url": "http://127.0.0.1:1/",
        "requests": 20,
        "failures": 1,
        "errorRate": 0.05,
        "p50": 0.004,
        "p95": 0.004,
        "firstFailure": "GET http://127.0.0.1:1/: HTTP 500 #0",
    }


def test_the_verdict_fails_past_the_error_budget() -> None:
    result = verdict(LoadProfile(), Target("http://127.0.0.1:1", ("/",)), _tally(9, 1), START, START)
    assert (result.status, result.result) == (SUCCEEDED, FAIL)
    assert "10 requests to http://127.0.0.1:1/, 1 failed (10.0 %)" in result.message
    assert (
        "more than maxErrorRate 0 % failed; first failure: GET http://127.0.0.1:1/: HTTP 500 #0"
        in result.message
    )
    assert result.status != ERRORED
