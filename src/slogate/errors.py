"""The one exception tree of slogate; every error has a human message and a stable code.

SlogateError
├── InputError            a user's file or argument is unusable (exit code 2)
│   ├── DocumentError     a YAML or JSON file does not parse
│   │   └── DocumentLimitError   it breaks a limit on size, depth or aliases (a YAML bomb)
│   └── NotFoundError     a named thing (an evaluation, a project) does not exist
├── ConflictError         the request contradicts what is stored (e.g. an event id that exists)
└── ConfigError           slogate itself is misconfigured
"""

from __future__ import annotations


class SlogateError(Exception):
    """Root of every error slogate raises on purpose."""

    code = "slogate_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(SlogateError):
    """A file or argument given by the user cannot be used; the message says which and why."""

    code = "invalid_input"


class DocumentError(InputError):
    """A YAML or JSON document does not parse; ``detail`` is the reason without the file name."""

    code = "invalid_document"

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}")
        self.detail = detail


class DocumentLimitError(DocumentError):
    """A YAML document breaks a parsing limit (size, nesting depth, alias expansion); ``detail`` names it."""

    code = "document_limit"


class ConflictError(SlogateError):
    """The request contradicts what is already stored, e.g. an event whose id exists; nothing was changed."""

    code = "conflict"


class ConfigError(SlogateError):
    """slogate's own configuration is invalid."""

    code = "invalid_config"


class NotFoundError(InputError):
    """A thing the user named does not exist."""

    code = "not_found"
