"""Public event ingestion as Keptn's api-service does it: validate, then rewrite the envelope.

Sources: keptn/keptn api/handlers/eventvalidation.go (the rules and their texts), api/handlers/event.go
(``PostEvent``, ``createOrApplyKeptnContext``) and the go-swagger model of the request body.

The order of checks is Keptn's: the body is decoded (field types), required fields are checked
(``data``, then ``type``; ``source`` is defaulted), then the type rules of §2.6 run, and only then is
the envelope rewritten (new ``id``, ``time`` = now, default ``source``, ``shkeptncontext`` kept,
derived or new).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slogate.domain.protocol.event_types import (
    FINISHED,
    INVALIDATED,
    LOG_ERROR,
    MONITORING_CONFIGURE,
    PROBLEM,
    STARTED,
    TRIGGERED,
    parse_event_type,
)
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.protocol.gate_json import json_kind
from slogate.errors import InputError

DEFAULT_SOURCE = "https://github.com/keptn/keptn/api"
SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
MAX_DEPTH = 100  # nesting of objects and arrays; Go's decoder allows 10000, Python's stack does not

# Keptn's error texts, verbatim (api/handlers/eventvalidation.go)
UNKNOWN_TYPE = "unknown event type"
UNKNOWN_ACTION = "unknown event type action: "
UNPARSABLE_DATA = "could not parse common event data"
MISSING_SCOPE = "mandatory field(s) 'project', 'stage' or 'service' missing"
MISSING_TRIGGEREDID = "mandatory field 'triggeredid' missing"
MISSING_RESULT = "result field is not set"
MISSING_STATUS = "status field is not set"
STAGE_MISMATCH = "stage name in event data and in event type does not match"
MISSING_MONITORING_FIELDS = "mandatory fields(s) 'project', 'service' or 'type' missing"

# go-swagger's texts for required body fields
DATA_REQUIRED = "data in body is required"
TYPE_REQUIRED = "type in body is required"

# the string fields of the api-service's body model (keptn/keptn api/models/keptn_context_extended_c_e.go)
STRING_FIELDS = (
    "contenttype",
    "gitcommitid",
    "id",
    "shkeptncontext",
    "shkeptnversion",
    "source",
    "specversion",
    "time",
    "triggeredid",
    "type",
)
# go-utils' EventData (+ "type" for monitoring.configure): strings in data
_DATA_STRINGS = ("project", "stage", "service", "status", "result", "message")
_TASK_KINDS = (STARTED, FINISHED, INVALIDATED)


class RejectedEventError(InputError, ValueError):
    """The event is not accepted; ``str()`` is the reason (Keptn's exact text where it has one)."""

    code = "rejected_event"


def accept(raw: Mapping[str, Any], *, now: datetime, event_id: str, new_context: str) -> KeptnEvent:
    """The event to store for the posted body ``raw``, or ``RejectedEventError``.

    ``now`` (aware) becomes its time, ``event_id`` its id, and ``new_context`` its
    ``shkeptncontext`` when the client sent none.
    """
    if now.utcoffset() is None:
        raise ValueError(f"now ({now.isoformat()}) must carry a timezone")
    check_depth(raw)
    body = go_json(raw)
    check_envelope(body)
    validate(body)
    data = body["data"]
    if not isinstance(data, dict):
        raise RejectedEventError(
            f"data must be a JSON object, not {json_kind(data)}: slogate stores data as an object"
        )
    return KeptnEvent(
        id=event_id,
        type=body["type"],
        source=body.get("source") or DEFAULT_SOURCE,
        time=now.astimezone(UTC),
        shkeptncontext=keptn_context(body.get("shkeptncontext") or "", new_context),
        data=data,
        triggeredid=body.get("triggeredid") or "",
        gitcommitid=body.get("gitcommitid") or "",
    )


def check_envelope(body: Mapping[str, Any]) -> None:
    """What decoding the body into Keptn's model checks: field types, then required fields."""
    for name in STRING_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise RejectedEventError(f"invalid CloudEvent: '{name}' must be a string, not {json_kind(value)}")
    time = body.get("time")
    if time and not _is_date_time(time):
        raise RejectedEventError(f'time in body must be of type date-time: "{time}"')
    if body.get("data") is None:
        raise RejectedEventError(DATA_REQUIRED)
    if body.get("type") is None:
        raise RejectedEventError(TYPE_REQUIRED)


def validate(body: Mapping[str, Any]) -> None:
    """Keptn's public ingestion rules (§2.6); raises ``RejectedEventError`` with Keptn's text."""
    event_type: str = body["type"]
    if event_type in (LOG_ERROR, PROBLEM):
        return
    data = body["data"]
    if event_type == MONITORING_CONFIGURE:
        fields = _event_data(data, extra=("type",))
        if not fields["project"] or not fields["type"]:
            raise RejectedEventError(MISSING_MONITORING_FIELDS)
        return
    parsed = parse_event_type(event_type)
    if parsed.is_sequence:
        if parsed.kind != TRIGGERED:
            raise RejectedEventError(UNKNOWN_ACTION + parsed.kind)
        fields = _scoped_data(data)
        if fields["stage"] != parsed.stage:
            raise RejectedEventError(STAGE_MISMATCH)
        return
    if not parsed.is_task:
        raise RejectedEventError(UNKNOWN_TYPE)
    if parsed.kind not in _TASK_KINDS:
        raise RejectedEventError(UNKNOWN_ACTION + parsed.kind)
    if parsed.kind == INVALIDATED:
        return  # Keptn has no validator for .invalidated: no scope, no triggeredid needed
    fields = _scoped_data(data)
    if parsed.kind == FINISHED:
        if not fields["result"]:
            raise RejectedEventError(MISSING_RESULT)
        if not fields["status"]:
            raise RejectedEventError(MISSING_STATUS)
    if not body.get("triggeredid"):
        raise RejectedEventError(MISSING_TRIGGEREDID)


def keptn_context(value: str, new_context: str) -> str:
    """Keptn's ``createOrApplyKeptnContext``: ``value`` if Go's ``uuid.Parse`` accepts it (kept
    verbatim, not normalized), a UUID derived from it otherwise, ``new_context`` when empty."""
    if not value:
        return new_context
    if go_uuid_parses(value):
        return value
    return derived_context(value)


def derived_context(value: str) -> str:
    """The UUID Keptn derives from a non-UUID context string.

    Keptn sets the random source of Go's uuid package to a reader over the string, padded on the
    right with spaces to 16 characters (``fmt.Sprintf("%-16v", s)``, which counts runes) when it
    is shorter than 16 bytes, and calls ``uuid.New()``. That reads the first 16 bytes and sets the
    version (4) and variant (RFC 4122) bits, as ``uuid.NewRandomFromReader`` does — which is what
    ``uuid.UUID(bytes=…, version=4)`` computes. Same string, same UUID.
    """
    raw = value.encode("utf-8")
    if len(raw) < 16:
        raw = value.ljust(16).encode("utf-8")
    return str(uuid.UUID(bytes=raw[:16], version=4))


def go_uuid_parses(value: str) -> bool:
    """Whether Go's ``github.com/google/uuid.Parse`` accepts ``value`` (lengths in bytes).

    Accepted: 36 ``xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx``, 45 with a case-insensitive
    ``urn:uuid:`` prefix, 38 with any first and last byte (``{…}``; the braces are not checked),
    and 32 hex digits; hex digits in either case.
    """
    raw = value.encode("utf-8")
    if len(raw) == 32:
        return all(_is_hex(byte) for byte in raw)
    if len(raw) == 45:
        if raw[:9].lower() != b"urn:uuid:":
            return False
        raw = raw[9:]
    elif len(raw) == 38:
        raw = raw[1:]
    elif len(raw) != 36:
        return False
    if any(raw[dash] != ord("-") for dash in (8, 13, 18, 23)):
        return False
    return all(_is_hex(raw[index]) for index in range(36) if index not in (8, 13, 18, 23))


def to_cloudevent(event: KeptnEvent) -> dict[str, Any]:
    """The stored event as Keptn's datastore returns it (``triggeredid``/``gitcommitid`` only if set)."""
    document: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "time": format_rfc3339(event.time),
        "datacontenttype": CONTENT_TYPE,
        "data": dict(event.data),
        "shkeptncontext": event.shkeptncontext,
    }
    if event.triggeredid:
        document["triggeredid"] = event.triggeredid
    if event.gitcommitid:
        document["gitcommitid"] = event.gitcommitid
    return document


def format_rfc3339(moment: datetime) -> str:
    """Go's ``time.RFC3339Nano`` in UTC: fraction without trailing zeros, none when whole, ``Z``."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += "." + f"{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def go_json(value: Any) -> Any:
    """``value`` with every string as Go's JSON decoder yields it: lone surrogates become U+FFFD."""
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, Mapping):
        return {_go_string(str(key)): go_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [go_json(item) for item in value]
    return value


def check_depth(value: Any) -> None:
    """``RejectedEventError`` when objects and arrays nest deeper than ``MAX_DEPTH``."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, Mapping) else item if isinstance(item, list) else ()
        if children and depth > MAX_DEPTH:
            raise RejectedEventError(f"the event nests objects and arrays deeper than {MAX_DEPTH} levels")
        pending.extend((child, depth + 1) for child in children)


def _scoped_data(data: Any) -> dict[str, str]:
    fields = _event_data(data)
    if not fields["project"] or not fields["stage"] or not fields["service"]:
        raise RejectedEventError(MISSING_SCOPE)
    return fields


def _event_data(data: Any, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Decode ``data`` into go-utils' ``EventData`` (string fields, ``labels`` a string map);
    a type mismatch is Keptn's "could not parse common event data"; null reads as empty."""
    if not isinstance(data, Mapping):
        raise RejectedEventError(UNPARSABLE_DATA)
    fields: dict[str, str] = {}
    for name in (*_DATA_STRINGS, *extra):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise RejectedEventError(UNPARSABLE_DATA)
        fields[name] = value or ""
    labels = data.get("labels")
    if labels is not None and not (
        isinstance(labels, Mapping) and all(v is None or isinstance(v, str) for v in labels.values())
    ):
        raise RejectedEventError(UNPARSABLE_DATA)
    return fields


def _is_date_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_hex(byte: int) -> bool:
    return chr(byte) in "0123456789abcdefABCDEF"


def _go_string(text: str) -> str:
    if text.isascii():
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
