"""Reading the user's files for CLI commands, with errors that name the file and the fix."""

from __future__ import annotations

import json
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
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DocumentError(
            f"{path}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error
