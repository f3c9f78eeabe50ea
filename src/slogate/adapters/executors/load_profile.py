"""The load test's settings: its ``config`` block parsed and checked, and the URL it targets.

Every setting is optional (defaults as the tutorial's Locust job: 10 users started one per second,
5-15 s between a user's requests, 60 s in all)::

    tasks:
      test:
        executor: load
        config: {users: 5, spawnRate: 2, thinkTime: 1s-3s, duration: 30s, paths: [/, /health],
                 timeout: 2s, maxErrorRate: 0.05, url: "http://127.0.0.1:9001"}

Durations are "500ms", "5s", "2m", "1h" or plain numbers of seconds.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.executor_plan import EXECUTORS_URI
from slogate.errors import InputError

MAX_USERS = 1000
FIELDS = ("users", "spawnRate", "thinkTime", "duration", "paths", "timeout", "maxErrorRate", "url")
NO_TARGET = (
    "no deployment URI in the event: run a deployment task before test, or set `url` in the test's config"
)
_DURATION = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_FORMS = {
    "users": f"a positive integer (at most {MAX_USERS})",
    "spawnRate": "a positive number of users started per second, e.g. 1 or 0.5",
    "thinkTime": 'a duration or a range of two, e.g. "5s-15s", "500ms" or 2',
    "duration": 'a positive duration, e.g. "60s", "2m" or 90',
    "paths": 'a non-empty list of paths that start with "/", e.g. ["/", "/health"]',
    "timeout": 'a positive duration, e.g. "5s" or "500ms"',
    "maxErrorRate": "a fraction between 0 and 1, e.g. 0.05 for 5 %",
    "url": 'an http:// or https:// URL with a host, e.g. "http://127.0.0.1:9001"',
}


@dataclass(frozen=True, slots=True)
class LoadProfile:
    """How much load to send and what counts as a failed test; times in seconds."""

    users: int = 10
    spawn_rate: float = 1.0
    think_min: float = 5.0
    think_max: float = 15.0
    duration: float = 60.0
    paths: tuple[str, ...] = ("/",)
    timeout: float = 5.0
    max_error_rate: float = 0.0
    url: str = ""  # overrides the event's deployment URI when set


def parse_duration(value: object) -> float | None:
    """Seconds of "500ms", "5s", "2m", "1h" or a plain non-negative number; None when it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value.strip())):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]
    else:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def parse_profile(config: object, task: str = "test") -> LoadProfile:
    """The profile of a task's ``config`` block; InputError naming the field and the accepted form."""
    if not isinstance(config, Mapping):
        raise InputError(f"{EXECUTORS_URI}: {task}.config must be a mapping of settings, got {config!r}")
    unknown = [str(key) for key in config if key not in FIELDS]
    if unknown:
        raise InputError(
            f"{EXECUTORS_URI}: {task}.config.{unknown[0]} is not a setting of the load executor; "
            f"use {', '.join(FIELDS)}"
        )
    field = _FieldReader(config, task)
    think_min, think_max = field.think_time()
    return LoadProfile(
        users=field.users(),
        spawn_rate=field.positive_number("spawnRate", 1.0),
        think_min=think_min,
        think_max=think_max,
        duration=field.positive_duration("duration", 60.0),
        paths=field.paths(),
        timeout=field.positive_duration("timeout", 5.0),
        max_error_rate=field.fraction("maxErrorRate", 0.0),
        url=field.url(),
    )


class _FieldReader:
    """Reads one setting at a time, raising InputError with the field's accepted form."""

    def __init__(self, config: Mapping[str, Any], task: str) -> None:
        self._config = config
        self._task = task

    def invalid(self, name: str) -> InputError:
        return InputError(
            f"{EXECUTORS_URI}: {self._task}.config.{name} must be {_FORMS[name]}, got {self._config[name]!r}"
        )

    def users(self) -> int:
        value = self._config.get("users", 10)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_USERS:
            raise self.invalid("users")
        return value

    def positive_number(self, name: str, default: float) -> float:
        value = self._config.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.invalid(name)
        if not (math.isfinite(value) and value > 0):
            raise self.invalid(name)
        return float(value)

    def positive_duration(self, name: str, default: float) -> float:
        seconds = parse_duration(self._config.get(name, default))
        if seconds is None or seconds <= 0:
            raise self.invalid(name)
        return seconds

    def think_time(self) -> tuple[float, float]:
        value = self._config.get("thinkTime", "5s-15s")
        if isinstance(value, str) and "-" in value:
            low, _, high = value.partition("-")
            bounds = (parse_duration(low), parse_duration(high))
        else:
            single = parse_duration(value)
            bounds = (single, single)
        if bounds[0] is None or bounds[1] is None or bounds[0] > bounds[1]:
            raise self.invalid("thinkTime")
        return bounds[0], bounds[1]

    def paths(self) -> tuple[str, ...]:
        value = self._config.get("paths", ["/"])
        if not isinstance(value, list | tuple) or not value:
            raise self.invalid("paths")
        if not all(isinstance(path, str) and path.startswith("/") for path in value):
            raise self.invalid("paths")
        return tuple(value)

    def fraction(self, name: str, default: float) -> float:
        value = self._config.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise self.invalid(name)
        return float(value)

    def url(self) -> str:
        value = self._config.get("url", "")
        if value == "":
            return ""
        if not isinstance(value, str) or not is_http_url(value):
            raise self.invalid("url")
        return value


def is_http_url(text: str) -> bool:
    """Whether ``text`` is an http:// or https:// URL with a host (and a valid port, if any)."""
    try:
        parts = urllib.parse.urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a malformed port or IPv6 address
        return False


def target_url(event: KeptnEvent, override: str = "") -> str:
    """The base URL to load: ``override``, else ``deployment.deploymentURIsLocal[0]``, else
    ``deployment.deploymentURIsPublic[0]`` (as jmeter-service); InputError when there is none."""
    if override:
        return override
    deployment = event.data.get("deployment")
    if isinstance(deployment, Mapping):
        for key in ("deploymentURIsLocal", "deploymentURIsPublic"):
            uris = deployment.get(key)
            if isinstance(uris, list) and uris and isinstance(uris[0], str) and uris[0]:
                if not is_http_url(uris[0]):
                    raise InputError(
                        f"deployment.{key}[0] of the event is {uris[0]!r}, not an http:// or https:// "
                        "URL: fix the deployment task's URI, or set `url` in the test's config"
                    )
                return uris[0]
    raise InputError(NO_TARGET)


def join_url(base: str, path: str) -> str:
    """``base`` with ``path`` appended (``http://h:1`` + ``/`` → ``http://h:1/``)."""
    return base.rstrip("/") + path


def strategy_of(event: KeptnEvent) -> str:
    """``data.test.teststrategy`` of the event, or ""."""
    test = event.data.get("test")
    strategy = test.get("teststrategy") if isinstance(test, Mapping) else None
    return strategy if isinstance(strategy, str) else ""
