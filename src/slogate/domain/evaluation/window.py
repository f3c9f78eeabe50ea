"""The evaluation window: Keptn's rules for timeframe, start and end, and its timestamp format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slogate.errors import InputError

DEFAULT_TIMEFRAME = "5m"
MINIMUM_WINDOW = timedelta(minutes=1)  # Keptn's, for a window someone asks for (its API, its lighthouse)
# slogate's one rule for every window it evaluates (slogate evaluate, the server's evaluations, the
# demo's load tests): SLIs are mostly rates over the window, and Prometheus needs two samples inside
# it; 10 s holds two scrapes at 5 s, the interval of a fast setup (and Prometheus's file discovery).
MINIMUM_DATA_WINDOW = timedelta(seconds=10)
TIMEFRAME_WITH_END = "timeframe and end time specifications cannot be set together"
END_WITHOUT_START = "end time specifications cannot be set without start parameter"
TOO_SHORT = "end date must be at least 1 minute after start date"

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,  # micro sign
    "μs": 1e-6,  # Greek mu
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")


class WindowError(InputError, ValueError):
    """The window cannot be resolved; ``str()`` is Keptn's message where Keptn has one."""

    code = "invalid_window"


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open evaluation window ``(start, end]`` in UTC."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        """The window's length in seconds."""
        return (self.end - self.start).total_seconds()


_MAX_DURATION_SECONDS = (2**63 - 1) / 1e9  # about 292 years


def parse_duration(text: str) -> timedelta:
    """Parse a Go duration (``5m``, ``1h30m``, ``90s``, ``1.5h``), as Keptn's ``timeframe`` is."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return timedelta(0)
    position, seconds = 0, 0.0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if match is None or match.group(1) in ("", "."):
            raise WindowError(f'could not parse provided timeframe: time: invalid duration "{text}"')
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if not body or seconds > _MAX_DURATION_SECONDS:  # Go's durations are int64 nanoseconds
        raise WindowError(f'could not parse provided timeframe: time: invalid duration "{text}"')
    return timedelta(seconds=-seconds if text.startswith("-") else seconds)


def _shifted(moment: datetime, delta: timedelta) -> datetime:
    try:
        return moment + delta
    except OverflowError:
        raise WindowError(
            f"the window from {moment.isoformat()} lasting {delta} ends outside the years 1 to 9999"
        ) from None


def parse_time(text: str, *, require_offset: bool = False) -> datetime:
    """Parse ``2006-01-02T15:04:05.000Z``, RFC 3339 or ``2006-01-02T15:04:05`` (taken as UTC), as an
    aware UTC datetime; with ``require_offset`` (stored documents) a time without one is refused."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise WindowError(
            f"'{text}' is not a time: use RFC 3339, e.g. 2026-11-26T10:00:00Z or 2026-11-26T10:00:00"
        ) from error
    if parsed.utcoffset() is None:
        if require_offset:
            raise WindowError(f"time {text!r} has no offset")
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is after the last moment a datetime holds
        raise WindowError(
            f"'{text}' is out of range: times must lie within the years 1 to 9999 in UTC"
        ) from None


def format_time(moment: datetime) -> str:
    """Keptn's timestamp format: ``2006-01-02T15:04:05.000Z`` in UTC."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def duration_text(span: timedelta, separator: str = "") -> str:
    """``span`` in whole seconds as ``1h2m3s`` (the parts joined by ``separator``; ``0s`` for nothing)."""
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{amount}{unit}" for amount, unit in ((hours, "h"), (minutes, "m"), (seconds, "s")) if amount]
    return separator.join(parts) or "0s"


def resolve_window(
    now: datetime,
    timeframe: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    minimum: timedelta | None = MINIMUM_WINDOW,
) -> Window:
    """Keptn's window: ``timeframe`` alone is ``[now - timeframe, now]``, with ``start`` it is
    ``[start, start + timeframe]``; ``start`` and ``end`` are taken as given; the default is the
    last 5 minutes. ``end`` with ``timeframe``, ``end`` without ``start``, and windows shorter than
    ``minimum`` (Keptn's minute by default) are errors with Keptn's messages; with ``minimum=None``
    the length is left to :func:`check_data_window`.
    """
    if timeframe and end is not None:
        raise WindowError(TIMEFRAME_WITH_END)
    if end is not None and start is None:
        raise WindowError(END_WITHOUT_START)
    length = parse_duration(timeframe or DEFAULT_TIMEFRAME)
    if start is None:
        window = Window(now - length, now)
    elif end is not None:
        window = Window(start, end)
    elif timeframe:
        window = Window(start, _shifted(start, length))
    else:
        window = Window(start, now)
    if minimum is not None and window.end - window.start < minimum:
        raise WindowError(TOO_SHORT)
    return window


def check_data_window(window: Window) -> Window:
    """``window`` when it is long enough to hold data (:data:`MINIMUM_DATA_WINDOW`), else a
    ``WindowError`` that says the minimum and why."""
    if window.end <= window.start:
        raise WindowError(
            f"the evaluation window {format_time(window.start)} – {format_time(window.end)} does not end "
            "after it starts: check its start and end"
        )
    if window.end - window.start < MINIMUM_DATA_WINDOW:
        raise WindowError(
            data_window_too_short(window.seconds) + ": evaluate a longer window (after a test: make the test "
            "longer, or give the evaluation task a timeframe)"
        )
    return window


def data_window_too_short(seconds: float) -> str:
    """That a window of ``seconds`` is too short, the minimum, and why."""
    minimum = MINIMUM_DATA_WINDOW.total_seconds()
    return (
        f"the evaluation window lasts {seconds:g} s; the minimum is {minimum:g} s, because SLIs are mostly "
        "rates over the window and Prometheus needs two samples inside it (two scrapes at a 5 s interval)"
    )
