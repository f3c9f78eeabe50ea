"""The evaluation window: Keptn's timeframe/start/end rules, Go durations and Keptn's timestamp format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slogate.domain.evaluation.window import (
    END_WITHOUT_START,
    MINIMUM_DATA_WINDOW,
    TIMEFRAME_WITH_END,
    TOO_SHORT,
    Window,
    WindowError,
    check_data_window,
    format_time,
    parse_duration,
    parse_time,
    resolve_window,
)

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
START = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("5m", timedelta(minutes=5), id="minutes"),
        pytest.param("1h30m", timedelta(hours=1, minutes=30), id="compound"),
        pytest.param("90s", timedelta(seconds=90), id="seconds"),
        pytest.param("1.5h", timedelta(minutes=90), id="fraction"),
        pytest.param(".5m", timedelta(seconds=30), id="leading-dot"),
        pytest.param("300ms", timedelta(milliseconds=300), id="milliseconds"),
        pytest.param("2us", timedelta(microseconds=2), id="microseconds"),
        pytest.param("0", timedelta(0), id="zero"),
        pytest.param("+2m", timedelta(minutes=2), id="plus-sign"),
        pytest.param("-5m", timedelta(minutes=-5), id="negative"),
    ],
)
def test_parse_duration_accepts_go_durations(text: str, expected: timedelta) -> None:
    """Timeframes are Go durations, as Keptn's time.ParseDuration reads them."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["5", "m", "", "5x", "5 m", ".m", "-", "1h 30m"])
def test_parse_duration_rejects_what_go_rejects(text: str) -> None:
    """A number without unit, a unit without number and unknown units are Keptn's parse error."""
    with pytest.raises(WindowError, match=r"^could not parse provided timeframe: time: invalid duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text",
    ["2026-11-26T10:00:00.000Z", "2026-11-26T10:00:00Z", "2026-11-26T11:00:00+01:00", "2026-11-26T10:00:00"],
)
def test_parse_time_accepts_keptn_formats_in_utc(text: str) -> None:
    """Keptn's format, RFC 3339 with any offset, and a bare local time taken as UTC give the same instant."""
    assert parse_time(text) == START


def test_parse_time_rejects_garbage_with_an_example() -> None:
    """An unparsable time names itself and shows the expected format."""
    with pytest.raises(WindowError, match=r"'yesterday' is not a time: use RFC 3339"):
        parse_time("yesterday")


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_parse_time_rejects_times_beyond_the_datetime_range(text: str) -> None:
    """A valid time whose UTC instant falls outside years 1–9999 is a WindowError, not an OverflowError."""
    with pytest.raises(WindowError, match=r"is out of range: times must lie within the years 1 to 9999"):
        parse_time(text)


@pytest.mark.parametrize("text", ["2562048h", "99999999999999h", "9" * 400 + "s"])
def test_parse_duration_refuses_what_overflows_gos_int64_nanoseconds(text: str) -> None:
    """Go's ParseDuration stops at about 292 years; beyond it is Keptn's invalid-duration error."""
    with pytest.raises(WindowError, match="invalid duration"):
        parse_duration(text)
    assert parse_duration("2562047h") == timedelta(hours=2562047)


def test_a_window_ending_after_the_year_9999_is_a_window_error() -> None:
    """start + timeframe beyond datetime's range is the client's error, not an OverflowError."""
    start = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    with pytest.raises(WindowError, match="ends outside the years 1 to 9999"):
        resolve_window(start, timeframe="5m", start=start)


def test_format_time_is_keptns_millisecond_format() -> None:
    """Timestamps are written as 2006-01-02T15:04:05.000Z in UTC."""
    moment = datetime(2026, 11, 26, 11, 0, 0, 123456, tzinfo=UTC) + timedelta(hours=0)
    assert format_time(moment) == "2026-11-26T11:00:00.123Z"
    assert format_time(parse_time("2026-11-26T12:00:00+01:00")) == "2026-11-26T11:00:00.000Z"


def test_default_window_is_the_last_five_minutes() -> None:
    """Without timeframe, start or end, the window is [now - 5m, now]."""
    assert resolve_window(NOW) == Window(NOW - timedelta(minutes=5), NOW)


def test_timeframe_alone_ends_now() -> None:
    """A timeframe alone is the window of that length ending now."""
    assert resolve_window(NOW, "15m") == Window(NOW - timedelta(minutes=15), NOW)


def test_start_and_timeframe_start_there() -> None:
    """Start plus timeframe is [start, start + timeframe]."""
    assert resolve_window(NOW, "10m", START) == Window(START, START + timedelta(minutes=10))


def test_start_and_end_are_taken_as_given() -> None:
    """Start and end give the window exactly."""
    end = START + timedelta(minutes=3)
    assert resolve_window(NOW, None, START, end) == Window(START, end)
    assert resolve_window(NOW, None, START, end).seconds == 180


def test_start_alone_ends_now() -> None:
    """A start without end or timeframe runs to now."""
    assert resolve_window(NOW, None, START) == Window(START, NOW)


@pytest.mark.parametrize(
    ("timeframe", "start", "end", "message"),
    [
        pytest.param("5m", START, START + timedelta(minutes=5), TIMEFRAME_WITH_END, id="end-and-timeframe"),
        pytest.param(None, None, START, END_WITHOUT_START, id="end-without-start"),
        pytest.param(None, START, START + timedelta(seconds=59), TOO_SHORT, id="shorter-than-a-minute"),
        pytest.param(None, START, START - timedelta(minutes=5), TOO_SHORT, id="end-before-start"),
        pytest.param("30s", None, None, TOO_SHORT, id="short-timeframe"),
    ],
)
def test_window_rules_use_keptns_messages(
    timeframe: str | None, start: datetime | None, end: datetime | None, message: str
) -> None:
    """Keptn's API refuses these windows with these exact messages."""
    with pytest.raises(WindowError) as raised:
        resolve_window(NOW, timeframe, start, end)
    assert str(raised.value) == message


def test_exactly_one_minute_is_allowed() -> None:
    """The minimum window is one minute, inclusive."""
    assert resolve_window(NOW, "1m").seconds == 60


def test_the_data_window_rule_says_the_minimum_and_why() -> None:
    """One rule for every window slogate evaluates: at least 10 s, whoever asked for it."""
    assert timedelta(seconds=10) == MINIMUM_DATA_WINDOW
    enough = Window(START, START + MINIMUM_DATA_WINDOW)
    assert check_data_window(enough) is enough
    with pytest.raises(WindowError) as short:
        check_data_window(Window(START, START + timedelta(seconds=9.999)))
    assert str(short.value).startswith(
        "the evaluation window lasts 9.999 s; the minimum is 10 s, because SLIs are mostly rates over the "
        "window and Prometheus needs two samples inside it"
    )
    assert "make the test longer" in str(short.value)
    for end in (START, START - timedelta(minutes=1)):
        with pytest.raises(WindowError, match="does not end after it starts"):
            check_data_window(Window(START, end))


def test_without_keptns_minute_the_length_is_left_to_the_data_rule() -> None:
    assert resolve_window(NOW, "20s", minimum=None) == Window(NOW - timedelta(seconds=20), NOW)
    assert resolve_window(NOW, None, START, START - timedelta(minutes=5), minimum=None).seconds == -300
