"""Reading the user's files for CLI commands, with errors that name the file and the fix."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from slogate.errors import DocumentError, InputError


def read_text(path: Path, what: str) -> str:
    """The text of ``path``; a missing or unreadable file is an :class:`InputError`."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise InputError(f"{path}: no such file (the {what})") from error
    except IsADirectoryError as error:
        raise InputError(f"{path}: is a directory, expected the {what} file") from error
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (the {what})") from error
    except OSError as error:
        raise InputError(f"{path}: cannot be read: {error.strerror}") from error


def read_json(path: Path, what: str) -> Any:
    """The parsed JSON of ``path``; a syntax error names the line and column."""
    text = read_text(path, what)
    try:
        return json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float, parse_int=_float_sized_int
        )
    except json.JSONDecodeError as error:
        raise DocumentError(
            str(path), f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error
    except ValueError as error:  # NaN, Infinity or a number out of range, as Go's decoder rejects them
        raise DocumentError(str(path), f"not valid JSON: {error}") from error
    except RecursionError as error:
        raise DocumentError(str(path), "not valid JSON: nested too deeply") from error


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range for a number")
    return value


def _float_sized_int(text: str) -> int:
    """An integer that fits a float64, as Keptn's Go decoder requires (and before Python's digit limit)."""
    try:
        if len(text) > 320:
            raise OverflowError
        value = int(text)
        float(value)
    except OverflowError:
        raise ValueError(f"{text[:20]}… is out of range for a number") from None
    return value
