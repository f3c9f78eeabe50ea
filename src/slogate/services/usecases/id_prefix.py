"""Unique id prefixes: the one full id that starts with what the user typed, as git takes short hashes."""

from __future__ import annotations

from collections.abc import Iterable

from slogate.errors import InputError, NotFoundError

SHOWN_CANDIDATES = 10


def unique_match(typed: str, candidates: Iterable[str], what: str, not_found: str) -> str:
    """The candidate equal to ``typed``, else the only one starting with it.

    ``NotFoundError(not_found)`` when none does; ``InputError`` listing the candidates when several
    do (``what`` names them: "evaluation id").
    """
    known = sorted(set(candidates))
    if typed in known:
        return typed
    matches = [candidate for candidate in known if typed and candidate.startswith(typed)]
    if not matches:
        raise NotFoundError(not_found)
    if len(matches) == 1:
        return matches[0]
    shown = ", ".join(matches[:SHOWN_CANDIDATES])
    more = len(matches) - SHOWN_CANDIDATES
    if more > 0:
        shown += f" and {more} more"
    raise InputError(
        f"the {what} '{typed}' is ambiguous: {len(matches)} start with it ({shown}); "
        "give more characters of the one you mean"
    )
