"""Keptn's paging of list endpoints: ``nextPageKey`` is the next offset as text, "0" on the last page."""

from __future__ import annotations


def next_page_key(offset: int, page_size: int, total: int) -> str:
    """The key of the page after the one at ``offset``, or "0" when that page is the last."""
    following = offset + page_size
    return str(following) if following < total else "0"
