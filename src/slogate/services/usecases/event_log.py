"""Use cases of Keptn's event API: ingest a posted event, and the datastore's event queries."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.protocol.ingestion import accept
from slogate.errors import InputError
from slogate.ports import EventCriteria, EventQueries, EventStore, FieldMatch

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
EMPTY_FILTER = "event filter must not be empty: invalid event filter"
FILTER_WITHOUT_SCOPE = "invalid event filter: either 'shkeptncontext' or 'data.project' must be set"

_INTEGER = re.compile(r"[+-]?[0-9]+")  # what Go's strconv.Atoi accepts
_MAX_OFFSET = 2**62  # past any table; bigger keys would overflow the databases' 64-bit OFFSET
# go-openapi's swag.ConvertBool
_TRUE = frozenset({"true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"})
_FALSE = frozenset({"false", "0", "no", "n", "off", "f", "disabled"})


@dataclass(frozen=True, slots=True)
class EventsPage:
    """One page of ``GET /event``: ``next_page_key`` is None on the last page."""

    events: list[KeptnEvent]
    next_page_key: str | None
    page_size: int
    total_count: int


def ingest(store: EventStore, raw: Mapping[str, Any], now: datetime) -> KeptnEvent:
    """Validate a posted CloudEvent as Keptn's api-service does, rewrite its envelope and store it.

    The event is committed before this returns (nothing acts on it earlier); a rejected event is
    an ``InputError`` with Keptn's text and nothing is stored.
    """
    event = accepted(raw, now)
    store.add([event])
    return event


def accepted(raw: Mapping[str, Any], now: datetime) -> KeptnEvent:
    """The event to store for a posted CloudEvent (new id, ``now`` as time); ``InputError`` with
    Keptn's text (``RejectedEventError``) when it breaks the ingestion rules."""
    return accept(raw, now=now, event_id=str(uuid.uuid4()), new_context=str(uuid.uuid4()))


def find_events(
    store: EventQueries,
    *,
    keptn_context: str | None = None,
    type: str | None = None,
    project: str | None = None,
    stage: str | None = None,
    service: str | None = None,
    event_id: str | None = None,
    source: str | None = None,
    from_time: datetime | None = None,
    before_time: datetime | None = None,
    root: bool = False,
    page_size: int = DEFAULT_PAGE_SIZE,
    next_page_key: str | None = None,
) -> EventsPage:
    """Keptn's ``GET /event``: events matching every given field, newest first, paged.

    As in Keptn, the search runs in one project "collection": ``project`` if given, else the
    project of ``keptn_context``, else the events without a project. ``root`` keeps the first
    event of each context. ``next_page_key`` is an offset; one that is not a number starts at 0.
    """
    check_range("pageSize", page_size)
    given = {
        ("shkeptncontext",): keptn_context,
        ("type",): type,
        ("source",): source,
        ("data", "project"): project,
        ("data", "stage"): stage,
        ("data", "service"): service,
        ("id",): event_id,
    }
    offset = page_offset(next_page_key)
    events, total = store.query(
        EventCriteria(
            fields=tuple(FieldMatch(path, (value,)) for path, value in given.items() if value is not None),
            after=from_time,
            before=before_time,
            project_collection=None if project or keptn_context else "",
            context_collection=keptn_context if keptn_context and not project else None,
            roots_only=root,
            limit=page_size,
            offset=offset,
        )
    )
    following = offset + page_size
    return EventsPage(events, str(following) if following < total else None, page_size, total)


def events_by_type(
    store: EventQueries,
    event_type: str,
    filter_text: str | None,
    *,
    exclude_invalidated: bool = False,
    from_time: datetime | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> list[KeptnEvent]:
    """Keptn's ``GET /event/type/{eventType}``: events of the type matching the filter, newest first.

    ``filter_text`` is ``key:value AND key:v1,v2`` (see ``parse_filter``) and must name
    ``data.project`` or ``shkeptncontext``; ``exclude_invalidated`` drops events whose
    ``triggeredid`` has an ``.invalidated`` event in the same project.
    """
    check_range("limit", limit)
    if not filter_text:
        raise InputError(EMPTY_FILTER)
    fields = parse_filter(filter_text)
    if fields.get("data.project", ("",)) == ("",) and fields.get("shkeptncontext", ("",)) == ("",):
        raise InputError(FILTER_WITHOUT_SCOPE)
    fields["type"] = (event_type,)
    if from_time is not None:
        fields.pop("time", None)  # Keptn's fromTime replaces a time condition of the filter
    projects, contexts = fields.get("data.project", ("",)), fields.get("shkeptncontext", ("",))
    context_scope = contexts[0] if projects == ("",) and len(contexts) == 1 else None
    events, _ = store.query(
        EventCriteria(
            fields=tuple(FieldMatch(tuple(key.split(".")), values) for key, values in fields.items()),
            after=from_time,
            context_collection=context_scope,
            exclude_invalidated=exclude_invalidated,
            limit=limit,
            count=False,
        )
    )
    return events


def parse_filter(text: str) -> dict[str, tuple[str, ...]]:
    """Keptn's datastore filter: ``key:value`` pairs joined by `` AND ``; ``v1,v2`` means any of.

    Like Keptn, a pair without exactly one ``:`` is ignored (so values cannot contain ``:``), and a
    key given twice keeps its last value.
    """
    fields: dict[str, tuple[str, ...]] = {}
    for pair in text.split(" AND "):
        parts = pair.split(":")
        if len(parts) == 2:
            fields[parts[0]] = tuple(parts[1].split(","))
    return fields


def page_offset(next_page_key: str | None) -> int:
    """The offset a ``nextPageKey`` names: Go's ``strconv.Atoi``, 0 when it is not a number."""
    if next_page_key is None or not _INTEGER.fullmatch(next_page_key):
        return 0
    digits = next_page_key.lstrip("+-").lstrip("0") or "0"
    negative = next_page_key.startswith("-") and digits != "0"
    # beyond 19 digits only the sign matters (and int() of thousands of digits is an error)
    offset = (-1 if negative else _MAX_OFFSET) if len(digits) > 19 else int(digits) * (-1 if negative else 1)
    if offset < 0:
        raise InputError(f"nextPageKey must not be negative, got {next_page_key}")
    return min(offset, _MAX_OFFSET)


def _fits_int64(digits: str) -> bool:
    """Whether a string of digits (with a sign) is an int64; long strings are not even converted."""
    return len(digits) <= 20 and -(2**63) <= int(digits) < 2**63


def parse_int(name: str, text: str | None, default: int = DEFAULT_PAGE_SIZE) -> int:
    """An integer query parameter (empty = ``default``), with go-openapi's message when invalid."""
    if not text:
        return default
    if not _INTEGER.fullmatch(text) or not _fits_int64(text):
        raise InputError(f'{name} in query must be of type int64: "{text}"')
    return int(text)


def check_range(name: str, value: int) -> None:
    """Page sizes are 1–100, with go-openapi's messages."""
    if value < 1:
        raise InputError(f"{name} in query should be greater than or equal to 1")
    if value > MAX_PAGE_SIZE:
        raise InputError(f"{name} in query should be less than or equal to {MAX_PAGE_SIZE}")


def parse_bool(name: str, text: str | None) -> bool:
    """A boolean query parameter as go-openapi reads it (``true``, ``1``, ``yes``, ``on``…; empty = false)."""
    if not text:
        return False
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise InputError(f'{name} in query must be of type bool: "{text}"')


def parse_time(name: str, text: str | None) -> datetime | None:
    """A time query parameter (RFC 3339 / ISO 8601; without offset = UTC); empty = None."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{name} '{text}' is not a time: use RFC 3339, e.g. 2024-05-01T12:00:00.000Z"
        ) from None
    try:
        return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment.astimezone(UTC)
    except OverflowError:  # its UTC instant is outside the years 1 to 9999
        raise InputError(f"{name} '{text}' is out of range: use a time within the years 1 to 9999") from None
