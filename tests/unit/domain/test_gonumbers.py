"""Go's strconv.ParseFloat and fmt %v for float64, as lighthouse's numbers need them (§3 step 6, §7.1)."""

from __future__ import annotations

import math

import pytest

from slogate.domain.gonumbers import format_go_float, parse_go_float


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("10", 10.0, id="integer"),
        pytest.param("10.5", 10.5, id="decimal"),
        pytest.param(".5", 0.5, id="leading-dot"),
        pytest.param("5.", 5.0, id="trailing-dot"),
        pytest.param("1e3", 1000.0, id="exponent"),
        pytest.param("1E3", 1000.0, id="exponent-upper"),
        pytest.param("1e+3", 1000.0, id="exponent-plus"),
        pytest.param("2.5e-3", 0.0025, id="exponent-minus"),
        pytest.param("-1.5", -1.5, id="negative"),
        pytest.param("+2", 2.0, id="explicit-plus"),
        pytest.param("+.5", 0.5, id="plus-leading-dot"),
        pytest.param("007", 7.0, id="leading-zeros"),
        pytest.param("1_000", 1000.0, id="underscore-between-digits"),
        pytest.param("1_23.50_0_0e+1_2", 1.235e14, id="underscores-everywhere-go-test"),
        pytest.param("0x1p-2", 0.25, id="hex-float"),
        pytest.param("0X1.8P1", 3.0, id="hex-float-upper"),
        pytest.param("0x.8p1", 1.0, id="hex-leading-dot"),
        pytest.param("0x1.p0", 1.0, id="hex-trailing-dot"),
        pytest.param("0x_1p0", 1.0, id="hex-underscore-after-prefix"),
        pytest.param("-0x1p1", -2.0, id="hex-negative"),
        pytest.param("1e-400", 0.0, id="underflow-is-zero-not-an-error"),
        pytest.param("inf", math.inf, id="inf"),
        pytest.param("+Inf", math.inf, id="plus-inf"),
        pytest.param("-inf", -math.inf, id="minus-inf"),
        pytest.param("Infinity", math.inf, id="infinity"),
        pytest.param("-INFINITY", -math.inf, id="minus-infinity-upper"),
    ],
)
def test_parse_go_float_accepts_go_literals(text: str, expected: float) -> None:
    """Every form Go's ParseFloat accepts parses to the same double."""
    assert parse_go_float(text) == expected


@pytest.mark.parametrize("text", ["nan", "NaN", "NAN"])
def test_parse_go_float_accepts_nan_in_any_case(text: str) -> None:
    """Go's ParseFloat accepts nan without sign in any letter case."""
    value = parse_go_float(text)
    assert value is not None
    assert math.isnan(value)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param(" 1", id="leading-space"),
        pytest.param("1 ", id="trailing-space"),
        pytest.param("10abc", id="trailing-letters"),
        pytest.param("abc", id="letters"),
        pytest.param("1e", id="exponent-without-digits"),
        pytest.param(".", id="dot-alone"),
        pytest.param("+", id="sign-alone"),
        pytest.param("-", id="minus-alone"),
        pytest.param("--5", id="double-sign"),
        pytest.param("1,5", id="decimal-comma"),
        pytest.param("_1", id="leading-underscore"),
        pytest.param("1_", id="trailing-underscore"),
        pytest.param("1__0", id="double-underscore"),
        pytest.param("1_.5", id="underscore-before-dot"),
        pytest.param("1._5", id="underscore-after-dot"),
        pytest.param("1e_5", id="underscore-after-e"),
        pytest.param("0x1", id="hex-without-p-exponent"),
        pytest.param("0x1p", id="hex-p-without-digits"),
        pytest.param("0x1_p0", id="hex-underscore-before-p"),
        pytest.param("0b101", id="binary-prefix"),
        pytest.param("0o17", id="octal-prefix"),
        pytest.param("+nan", id="signed-nan"),
        pytest.param("-nan", id="negative-nan"),
        pytest.param("infin", id="partial-infinity"),
        pytest.param("infinite", id="infinity-misspelt"),
        pytest.param("1e400", id="overflow-range-error"),
        pytest.param("-1e400", id="negative-overflow-range-error"),
        pytest.param("0x1p99999", id="hex-overflow-range-error"),
        pytest.param("\u0131nf", id="dotless-i-is-not-ascii-i"),
        pytest.param("\u0130nf", id="dotted-capital-i-is-not-ascii-i"),
        pytest.param("\u0661", id="arabic-indic-digit"),
        pytest.param("\uff11", id="fullwidth-digit"),
    ],
)
def test_parse_go_float_rejects_what_go_rejects(text: str) -> None:
    """Texts Go's ParseFloat rejects (syntax or range error) give None."""
    assert parse_go_float(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(0.0, "0", id="zero"),
        pytest.param(-0.0, "-0", id="negative-zero"),
        pytest.param(50.0, "50", id="integral-no-trailing-zero"),
        pytest.param(75.0, "75", id="seventy-five"),
        pytest.param(100.0, "100", id="hundred"),
        pytest.param(75.3, "75.3", id="one-decimal"),
        pytest.param(100.0 * (2.0 / 3.0), "66.66666666666666", id="two-thirds-percent"),
        pytest.param(0.5, "0.5", id="half"),
        pytest.param(0.1, "0.1", id="shortest-round-trip"),
        pytest.param(-2.5, "-2.5", id="negative"),
        pytest.param(0.0001, "0.0001", id="smallest-without-exponent"),
        pytest.param(0.00001, "1e-05", id="exponent-below-minus-four"),
        pytest.param(1.5e-7, "1.5e-07", id="small-with-fraction"),
        pytest.param(123456.0, "123456", id="six-digits"),
        pytest.param(999999.0, "999999", id="largest-without-exponent"),
        pytest.param(123456.5, "123456.5", id="six-integer-digits-with-fraction"),
        pytest.param(1e6, "1e+06", id="million-uses-exponent"),
        pytest.param(-1e6, "-1e+06", id="negative-million"),
        pytest.param(1234567.0, "1.234567e+06", id="exponent-with-fraction"),
        pytest.param(1e21, "1e+21", id="large"),
        pytest.param(1e100, "1e+100", id="three-digit-exponent"),
        pytest.param(5e-324, "5e-324", id="smallest-subnormal"),
        pytest.param(1.7976931348623157e308, "1.7976931348623157e+308", id="largest-double"),
        pytest.param(math.nan, "NaN", id="nan"),
        pytest.param(math.inf, "+Inf", id="plus-inf"),
        pytest.param(-math.inf, "-Inf", id="minus-inf"),
    ],
)
def test_format_go_float_matches_go_percent_v(value: float, expected: str) -> None:
    """Floats print as Go's %v: shortest round trip, no '.0', exponent form outside [1e-4, 1e6)."""
    assert format_go_float(value) == expected
