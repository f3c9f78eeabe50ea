"""The DORA use case's pure helpers: spans, percentiles, durations for people."""

from __future__ import annotations

import pytest

from slogate.errors import InputError
from slogate.services.usecases.dora import DAY, Spread, human_duration, parse_since, spread

UNTIL = 1_800_000_000.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", UNTIL - 5_400),
        ("12h", UNTIL - 43_200),
        (" 30d ", UNTIL - 30 * DAY),
        ("2w", UNTIL - 14 * DAY),
        ("2026-01-31T00:00:00Z", 1_769_817_600.0),
        ("2026-01-31T01:00:00+01:00", 1_769_817_600.0),
    ],
)
def test_since_is_a_span_back_or_a_time(text: str, expected: float) -> None:
    assert parse_since(text, UNTIL) == expected


@pytest.mark.parametrize("text", ["", "0d", "30", "d", "1y", "-3d", "30 d", "1.5d", "1234567d", "yesterday"])
def test_other_since_values_are_refused_by_name(text: str) -> None:
    with pytest.raises(
        InputError, match=r"since: .* is neither a span \(e\.g\. 30d, 12h, 2w, 90m\) nor an RFC 3339"
    ):
        parse_since(text, UNTIL)


def test_spread_is_median_and_nearest_rank_p90() -> None:
    assert spread([]) == Spread(0, None, None)
    assert spread([7.0]) == Spread(1, 7.0, 7.0)
    assert spread([float(n) for n in range(10, 0, -1)]) == Spread(10, 5.5, 9.0)
    assert spread([float(n) for n in range(1, 12)]) == Spread(11, 6.0, 10.0)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0.4, "0s"),
        (59.0, "59s"),
        (60.0, "1m"),
        (3_599.0, "60m"),
        (3_600.0, "1.0h"),
        (DAY, "1.0d"),
    ],
)
def test_durations_for_people(seconds: float | None, text: str) -> None:
    assert human_duration(seconds) == text
