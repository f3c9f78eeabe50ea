"""The paging check every repository makes before it queries a page."""

from __future__ import annotations

from slogate.errors import InputError


def check_paging(limit: int, offset: int) -> None:
    """``InputError`` when ``limit`` or ``offset`` is negative (a page cannot start before the first row)."""
    if limit < 0 or offset < 0:
        raise InputError(f"limit ({limit}) and offset ({offset}) must not be negative")
