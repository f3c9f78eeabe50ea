"""Go-compatible number parsing and formatting, so that verdicts and messages match Keptn's."""

from __future__ import annotations

import math
import re
from decimal import Decimal

_DEC = r"[0-9]+(?:_[0-9]+)*"
_HEX = r"[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*"
_DECIMAL_FLOAT = re.compile(rf"[+-]?(?:{_DEC}(?:\.(?:{_DEC})?)?|\.{_DEC})(?:[eE][+-]?{_DEC})?")
_HEX_FLOAT = re.compile(
    rf"[+-]?0[xX]_?(?:{_HEX}(?:\.(?:{_HEX})?)?|\.{_HEX})[pP][+-]?{_DEC}",
)
# %v uses %g with the shortest digits; Go then switches to exponent form from 1e+06 on.
_SHORTEST_EXPONENT_LIMIT = 6
# ASCII only: Go compares case-insensitively byte by byte, so "ınf" (dotless i) is not "inf".
_SPECIAL = re.compile(r"[+-]?(?:inf|infinity)|nan", re.IGNORECASE | re.ASCII)


def parse_go_float(text: str) -> float | None:
    """Parse ``text`` as Go's ``strconv.ParseFloat(text, 64)`` does; ``None`` where Go errors.

    Go accepts decimal and hexadecimal literals with ``_`` between digits, ``inf``/``infinity``
    (optionally signed) and ``nan`` in any case; it rejects surrounding spaces and reports a
    range error (which lighthouse treats as a parse error) for finite literals that overflow.
    """
    if _SPECIAL.fullmatch(text):
        return float(text)
    if _DECIMAL_FLOAT.fullmatch(text):
        value = float(text.replace("_", ""))
    elif _HEX_FLOAT.fullmatch(text):
        try:
            value = float.fromhex(text.replace("_", ""))
        except OverflowError:  # Go's range error, like a decimal literal that overflows
            return None
    else:
        return None
    return None if math.isinf(value) else value


def format_go_float(value: float) -> str:
    """Format ``value`` as Go's ``fmt`` verb ``%v`` does for a float64 (``50``, ``66.66666666666666``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(str(d) for d in digit_tuple)
    assert isinstance(exponent, int)
    decimal_exponent = len(digits) + exponent - 1  # position of the first digit
    prefix = "-" if sign else ""
    if decimal_exponent < -4 or decimal_exponent >= _SHORTEST_EXPONENT_LIMIT:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        exp_sign = "-" if decimal_exponent < 0 else "+"
        return f"{prefix}{mantissa}e{exp_sign}{abs(decimal_exponent):02d}"
    if decimal_exponent < 0:
        return f"{prefix}0.{'0' * (-decimal_exponent - 1)}{digits}"
    integer_len = decimal_exponent + 1
    if len(digits) <= integer_len:
        return prefix + digits + "0" * (integer_len - len(digits))
    return f"{prefix}{digits[:integer_len]}.{digits[integer_len:]}"
