"""JSON text as ``json.dumps(go_numbers(document), indent=2)`` writes it, in one faster pass.

With ``indent`` the standard library encodes in pure Python through nested generators; a report of
1,000 objectives is 90,000 values and took longer than evaluating it. This writer walks the document
once, shaping numbers as Go does (an integral float is printed as an integer) and escaping strings
with the standard library's own C functions, so that the bytes are the same. A value JSON has no
form for (or a key that is not a string) falls back to the standard library, which also raises its
usual ``TypeError``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

from slogate.errors import SlogateError

INDENT = "  "
GO_INTEGER_LIMIT = 1e21  # Go's encoder switches to exponent notation from here on


class _UnsupportedError(SlogateError):
    """A value or key this writer leaves to the standard library (caught inside this module)."""

    code = "unsupported_json"

    def __init__(self) -> None:
        super().__init__("a value or key the fast JSON writer leaves to the standard library")


def go_number(value: float) -> int | float:
    """An integral finite float as an integer (``100``, not ``100.0``), as Go's encoder prints it."""
    if math.isfinite(value) and value.is_integer() and abs(value) < GO_INTEGER_LIMIT:
        return int(value)
    return value


def dumps_go(document: Any, ensure_ascii: bool, fallback: Callable[[Any], Any]) -> str:
    """``document`` as indented JSON with Go's numbers; ``fallback(document)`` shapes it for ``json``."""
    parts: list[str] = []
    try:
        _write(document, parts, "\n", encode_basestring_ascii if ensure_ascii else encode_basestring)
    except _UnsupportedError:
        return json.dumps(fallback(document), indent=len(INDENT), ensure_ascii=ensure_ascii)
    return "".join(parts)


def _write(node: Any, parts: list[str], newline: str, quote: Callable[[str], str]) -> None:
    if isinstance(node, str):
        parts.append(quote(node))
    elif node is None:
        parts.append("null")
    elif node is True:
        parts.append("true")
    elif node is False:
        parts.append("false")
    elif isinstance(node, int):
        parts.append(int.__repr__(node))
    elif isinstance(node, float):
        parts.append(_float(node))
    elif isinstance(node, dict):
        _write_object(node, parts, newline, quote)
    elif isinstance(node, list):
        _write_array(node, parts, newline, quote)
    else:  # a tuple too: go_numbers leaves integral floats in it as they are
        raise _UnsupportedError


def _write_object(node: dict[Any, Any], parts: list[str], newline: str, quote: Callable[[str], str]) -> None:
    if not node:
        parts.append("{}")
        return
    inner = newline + INDENT
    separator = "{" + inner
    for key, value in node.items():
        if not isinstance(key, str):
            raise _UnsupportedError
        parts.append(separator)
        parts.append(quote(key))
        parts.append(": ")
        _write(value, parts, inner, quote)
        separator = "," + inner
    parts.append(newline + "}")


def _write_array(node: list[Any], parts: list[str], newline: str, quote: Callable[[str], str]) -> None:
    if not node:
        parts.append("[]")
        return
    inner = newline + INDENT
    separator = "[" + inner
    for value in node:
        parts.append(separator)
        _write(value, parts, inner, quote)
        separator = "," + inner
    parts.append(newline + "]")


def _float(value: float) -> str:
    shaped = go_number(value)
    if isinstance(shaped, int):
        return int.__repr__(shaped)
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)
