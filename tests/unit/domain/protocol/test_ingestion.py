"""Keptn's public ingestion: every rule and text of §2.6, the body checks, and the envelope rewrite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.protocol.gate_json import json_kind
from slogate.domain.protocol.ingestion import (
    DATA_REQUIRED,
    DEFAULT_SOURCE,
    MAX_DEPTH,
    MISSING_MONITORING_FIELDS,
    MISSING_RESULT,
    MISSING_SCOPE,
    MISSING_STATUS,
    MISSING_TRIGGEREDID,
    STAGE_MISMATCH,
    TYPE_REQUIRED,
    UNKNOWN_TYPE,
    UNPARSABLE_DATA,
    RejectedEventError,
    accept,
    derived_context,
    format_rfc3339,
    go_json,
    go_uuid_parses,
    keptn_context,
    to_cloudevent,
)

NOW = datetime(2024, 5, 1, 12, 0, 30, 250000, tzinfo=UTC)
NEW_ID = "0b7f3c1e-1111-4aaa-8bbb-000000000001"
NEW_CONTEXT = "0b7f3c1e-2222-4aaa-8bbb-000000000002"
SCOPE = {"project": "sockshop", "stage": "qa", "service": "carts"}
CONTEXT = "3f709bb7-0246-403e-83a0-1f436f7c6c09"


def body(type: str = "sh.keptn.event.qa.delivery.triggered", **fields: Any) -> dict[str, Any]:
    """A posted CloudEvent: the type, scoped data, and the given fields (None removes one)."""
    event: dict[str, Any] = {"type": type, "source": "ci", "data": dict(SCOPE)}
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


def run(raw: dict[str, Any]) -> KeptnEvent:
    """accept() at NOW with fixed new ids."""
    return accept(raw, now=NOW, event_id=NEW_ID, new_context=NEW_CONTEXT)


def rejection(raw: dict[str, Any]) -> str:
    """The message accept() rejects ``raw`` with."""
    with pytest.raises(RejectedEventError) as caught:
        run(raw)
    return str(caught.value)


# --- §2.6: what is accepted ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(body(), id="sequence-triggered"),
        pytest.param(body("sh.keptn.event.deployment.started", triggeredid="t1"), id="task-started"),
        pytest.param(
            body(
                "sh.keptn.event.deployment.finished",
                triggeredid="t1",
                data={**SCOPE, "result": "pass", "status": "succeeded"},
            ),
            id="task-finished",
        ),
        pytest.param(body("sh.keptn.event.evaluation.invalidated", data={}), id="invalidated-needs-nothing"),
        pytest.param(body("sh.keptn.log.error", data={"message": 5}), id="log-error-unchecked"),
        pytest.param(body("sh.keptn.events.problem", data={"State": "OPEN"}), id="problem-unchecked"),
        pytest.param(
            body("sh.keptn.event.monitoring.configure", data={"project": "p", "type": "prometheus"}),
            id="monitoring-configure",
        ),
        pytest.param(body("a.b.c.deploy.started", triggeredid="t1"), id="prefix-not-checked"),
        pytest.param(body(data={**SCOPE, "labels": {"a": "b", "n": None}}), id="labels"),
    ],
)
def test_accepted(raw: dict[str, Any]) -> None:
    """Every kind a client may send is accepted and keeps its type and data."""
    event = run(raw)
    assert event.type == raw["type"]
    assert event.data == raw["data"]


# --- §2.6: what is rejected, with Keptn's texts --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(body(""), UNKNOWN_TYPE, id="empty-type"),
        pytest.param(body("sh.keptn.event"), UNKNOWN_TYPE, id="three-segments"),
        pytest.param(body("sh.keptn.event.a.b.c.d"), UNKNOWN_TYPE, id="seven-segments"),
        pytest.param(body("sh.keptn.event..started"), UNKNOWN_TYPE, id="empty-segment"),
        pytest.param(body("sh.keptn.event.approval"), UNKNOWN_TYPE, id="four-segments"),
        pytest.param(body("sh.keptn.event.qa.delivery.finished"), "unknown event type action: finished"),
        pytest.param(body("sh.keptn.event.test.status.changed"), "unknown event type action: changed"),
        pytest.param(body("sh.keptn.event.deployment.triggered"), "unknown event type action: triggered"),
        pytest.param(body("sh.keptn.event.deployment.done"), "unknown event type action: done"),
        pytest.param(body(data={"project": "p", "stage": "qa"}), MISSING_SCOPE, id="sequence-no-service"),
        pytest.param(body(data={**SCOPE, "stage": "prod"}), STAGE_MISMATCH, id="stage-mismatch"),
        pytest.param(
            body("sh.keptn.event.test.started", triggeredid="t", data={"stage": "qa", "service": "s"}),
            MISSING_SCOPE,
            id="started-no-project",
        ),
        pytest.param(body("sh.keptn.event.test.started"), MISSING_TRIGGEREDID, id="started-no-triggeredid"),
        pytest.param(
            body("sh.keptn.event.test.started", triggeredid=""), MISSING_TRIGGEREDID, id="empty-triggeredid"
        ),
        pytest.param(
            body("sh.keptn.event.test.finished", triggeredid="t", data={**SCOPE, "status": "succeeded"}),
            MISSING_RESULT,
            id="finished-no-result",
        ),
        pytest.param(
            body("sh.keptn.event.test.finished", triggeredid="t", data={**SCOPE, "result": "pass"}),
            MISSING_STATUS,
            id="finished-no-status",
        ),
        pytest.param(
            body("sh.keptn.event.test.finished", data={**SCOPE, "result": "pass", "status": "errored"}),
            MISSING_TRIGGEREDID,
            id="finished-no-triggeredid",
        ),
        pytest.param(
            body("sh.keptn.event.test.finished", data=dict(SCOPE)),
            MISSING_RESULT,
            id="result-checked-before-triggeredid",
        ),
        pytest.param(
            body("sh.keptn.event.monitoring.configure", data={"type": "prometheus", "service": "s"}),
            MISSING_MONITORING_FIELDS,
            id="monitoring-no-project",
        ),
        pytest.param(
            body("sh.keptn.event.monitoring.configure", data={"project": "p"}),
            MISSING_MONITORING_FIELDS,
            id="monitoring-no-type",
        ),
        pytest.param(
            body("sh.keptn.event.monitoring.configure", data={"project": "p", "type": 1}),
            UNPARSABLE_DATA,
            id="monitoring-type-not-string",
        ),
        pytest.param(body(data={**SCOPE, "project": 7}), UNPARSABLE_DATA, id="project-number"),
        pytest.param(body(data={**SCOPE, "result": True}), UNPARSABLE_DATA, id="result-boolean"),
        pytest.param(body(data={**SCOPE, "message": {}}), UNPARSABLE_DATA, id="message-object"),
        pytest.param(body(data={**SCOPE, "labels": {"a": 1}}), UNPARSABLE_DATA, id="label-number"),
        pytest.param(body(data={**SCOPE, "labels": ["a"]}), UNPARSABLE_DATA, id="labels-array"),
        pytest.param(body(data="text"), UNPARSABLE_DATA, id="data-string"),
        pytest.param(body("sh.keptn.event.test.started", data=[1]), UNPARSABLE_DATA, id="data-array"),
        pytest.param(body(data={**SCOPE, "project": None}), MISSING_SCOPE, id="null-reads-as-empty"),
    ],
)
def test_rejected(raw: dict[str, Any], message: str) -> None:
    """Each rule answers with Keptn's exact text."""
    assert rejection(raw) == message


def test_keys_are_matched_exactly() -> None:
    """Unlike Go's case-insensitive decoder, "Project" does not count as "project" (a deviation)."""
    assert rejection(body(data={"Project": "p", "stage": "qa", "service": "s"})) == MISSING_SCOPE


# --- the body: field types and required fields --------------------------------------------------


@pytest.mark.parametrize(
    "field", ["type", "source", "id", "shkeptncontext", "triggeredid", "gitcommitid", "time"]
)
def test_envelope_strings(field: str) -> None:
    """The string fields of Keptn's body model must be strings."""
    raw = {**body(), field: 12}
    assert rejection(raw) == f"invalid CloudEvent: '{field}' must be a string, not a number"


def test_required_fields_in_keptn_order() -> None:
    """data, then type, are required (go-swagger's texts); source is defaulted, not required."""
    assert rejection({"type": "sh.keptn.log.error"}) == DATA_REQUIRED
    assert rejection({"data": {}}) == TYPE_REQUIRED
    assert rejection({}) == DATA_REQUIRED
    assert rejection({"type": "sh.keptn.log.error", "data": None}) == DATA_REQUIRED
    assert run({"type": "sh.keptn.log.error", "data": {}}).source == DEFAULT_SOURCE


def test_time_must_be_a_date_time_when_given() -> None:
    """A client time is replaced, but one that is not a date-time is refused as Keptn's model does."""
    assert rejection(body(time="yesterday")) == 'time in body must be of type date-time: "yesterday"'
    assert run(body(time="2020-01-01T00:00:00.000Z")).time == NOW
    assert run(body(time="")).time == NOW


def test_data_must_be_an_object_even_where_keptn_does_not_look() -> None:
    """Unchecked types with non-object data are refused: slogate stores data as an object."""
    message = rejection(body("sh.keptn.log.error", data="oops"))
    assert message.startswith("data must be a JSON object, not a string")


def test_nesting_is_bounded() -> None:
    """Data nested deeper than MAX_DEPTH levels is refused before anything recurses over it."""
    deep: Any = "leaf"
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    assert "deeper than" in rejection(body("sh.keptn.log.error", data={"x": deep}))
    shallow: Any = "leaf"
    for _ in range(MAX_DEPTH - 3):
        shallow = {"k": shallow}
    assert run(body("sh.keptn.log.error", data=shallow)).data == shallow


# --- the envelope rewrite ------------------------------------------------------------------------


def test_envelope_is_rewritten() -> None:
    """New id and time always; source, triggeredid, gitcommitid and data kept; a UUID context kept."""
    event = run(
        body(
            "sh.keptn.event.test.started",
            id="client-id",
            time="2020-01-01T00:00:00Z",
            source="my-ci",
            shkeptncontext=CONTEXT,
            triggeredid="trig-1",
            gitcommitid="abc123",
            specversion="0.2",
            extra="ignored",
        )
    )
    assert event == KeptnEvent(
        id=NEW_ID,
        type="sh.keptn.event.test.started",
        source="my-ci",
        time=NOW,
        shkeptncontext=CONTEXT,
        data=SCOPE,
        triggeredid="trig-1",
        gitcommitid="abc123",
    )
    assert (event.project, event.stage, event.service) == ("sockshop", "qa", "carts")


def test_time_is_stored_in_utc() -> None:
    """The given now may carry any offset; the event's time is the same instant in UTC."""
    later = NOW.astimezone(timezone(timedelta(hours=5, minutes=30)))
    event = accept(body(), now=later, event_id=NEW_ID, new_context=NEW_CONTEXT)
    assert event.time == NOW
    assert event.time.tzinfo is UTC


def test_naive_now_is_a_programming_error() -> None:
    """The domain has no clock and refuses to guess a timezone."""
    with pytest.raises(ValueError, match="must carry a timezone"):
        accept(body(), now=datetime(2024, 1, 1), event_id=NEW_ID, new_context=NEW_CONTEXT)


@pytest.mark.parametrize("source", [None, ""])
def test_missing_source_is_defaulted(source: str | None) -> None:
    """An absent or empty source becomes Keptn's API source URL."""
    assert run(body(source=source)).source == DEFAULT_SOURCE


def test_absent_context_gets_the_new_one() -> None:
    """Without (or with an empty) shkeptncontext the event starts a new context."""
    assert run(body()).shkeptncontext == NEW_CONTEXT
    assert run(body(shkeptncontext="")).shkeptncontext == NEW_CONTEXT


@pytest.mark.parametrize(
    ("given_context", "expected"),
    [
        pytest.param("my-context", "6d792d63-6f6e-4465-b874-202020202020", id="padded"),
        pytest.param("a", "61202020-2020-4020-a020-202020202020", id="one-char"),
        pytest.param("1234567890123456", "31323334-3536-4738-b930-313233343536", id="exactly-16"),
        pytest.param("1234567890123456-and-more", "31323334-3536-4738-b930-313233343536", id="first-16"),
        pytest.param("ü", "c3bc2020-2020-4020-a020-202020202020", id="pads-runes-reads-bytes"),
    ],
)
def test_non_uuid_context_is_derived_like_keptn(given_context: str, expected: str) -> None:
    """Go's uuid.New() over the padded string: its first 16 bytes with the v4/RFC 4122 bits set.

    Expected values worked out byte by byte: e.g. "my-context" + 6 spaces is 6d 79 2d 63 6f 6e 74 65
    78 74 20…; byte 6 (0x74) becomes 0x44 (version 4), byte 8 (0x78) becomes 0xb8 (variant 10).
    """
    assert derived_context(given_context) == expected
    assert run(body(shkeptncontext=given_context)).shkeptncontext == expected


@given(st.text(min_size=1, max_size=40))
def test_derivation_is_deterministic_and_a_v4_uuid(text: str) -> None:
    """Any string derives the same RFC 4122 version-4 UUID every time."""
    text = go_json(text)
    derived = uuid.UUID(keptn_context(text, NEW_CONTEXT))
    assert keptn_context(text, NEW_CONTEXT) == (text if go_uuid_parses(text) else str(derived))
    if not go_uuid_parses(text):
        assert derived.version == 4
        assert derived.variant == uuid.RFC_4122
        assert str(derived) == derived_context(text)


@pytest.mark.parametrize(
    "text",
    [
        CONTEXT,
        CONTEXT.upper(),
        "urn:uuid:" + CONTEXT,
        "URN:UUID:" + CONTEXT,
        "{" + CONTEXT + "}",
        "x" + CONTEXT + "y",  # Go does not check the braces
        CONTEXT.replace("-", ""),
    ],
)
def test_go_uuid_forms_are_kept_verbatim(text: str) -> None:
    """Every form Go's uuid.Parse accepts is kept exactly as sent (not normalized)."""
    assert go_uuid_parses(text)
    assert keptn_context(text, NEW_CONTEXT) == text


@pytest.mark.parametrize(
    "text",
    [
        CONTEXT[:-1],
        CONTEXT + "0",
        CONTEXT.replace("-", "_"),
        "g" + CONTEXT[1:],
        "urn:uuix:" + CONTEXT,
        CONTEXT.replace("-", "")[:-1] + "z",
        "ü" * 16 + "abcd",  # 36 bytes, but not a UUID
    ],
)
def test_non_uuids(text: str) -> None:
    """Wrong lengths, separators, prefixes or digits are not UUIDs for Go either."""
    assert not go_uuid_parses(text)


@given(st.uuids())
def test_every_uuid_parses(value: uuid.UUID) -> None:
    """Python's UUIDs in canonical, hex and URN form parse in Go too."""
    assert go_uuid_parses(str(value))
    assert go_uuid_parses(value.hex)
    assert go_uuid_parses(value.urn)


def test_lone_surrogates_become_replacement_characters() -> None:
    """Strings are what Go's decoder yields: a lone surrogate (in keys too) becomes U+FFFD."""
    assert go_json({"k\ud800": ["a\udc00b", 1, None, ("t",)]}) == {"k\ufffd": ["a\ufffdb", 1, None, ["t"]]}
    assert go_json("plain") == "plain"
    event = run(body("sh.keptn.log.error", shkeptncontext="ctx\ud800", data={"m": "x\ud83d"}))
    assert event.data == {"m": "x\ufffd"}
    assert event.shkeptncontext == derived_context("ctx\ufffd")


# --- the way out ---------------------------------------------------------------------------------


def test_to_cloudevent() -> None:
    """A stored event as Keptn's datastore returns it; optional extensions only when set."""
    event = run(body(shkeptncontext=CONTEXT))
    assert to_cloudevent(event) == {
        "specversion": "1.0",
        "id": NEW_ID,
        "source": "ci",
        "type": "sh.keptn.event.qa.delivery.triggered",
        "time": "2024-05-01T12:00:30.25Z",
        "datacontenttype": "application/json",
        "data": SCOPE,
        "shkeptncontext": CONTEXT,
    }
    answered = run(body("sh.keptn.event.test.started", triggeredid="t1", gitcommitid="c0ffee"))
    document = to_cloudevent(answered)
    assert (document["triggeredid"], document["gitcommitid"]) == ("t1", "c0ffee")


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 5, 1, 12, 0, tzinfo=UTC), "2024-05-01T12:00:00Z"),
        (datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC), "2024-05-01T12:00:00.123456Z"),
        (datetime(2024, 5, 1, 12, 0, 0, 120000, tzinfo=UTC), "2024-05-01T12:00:00.12Z"),
        (datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))), "2024-05-01T12:00:00Z"),
    ],
)
def test_rfc3339_like_go(moment: datetime, text: str) -> None:
    """Go's RFC3339Nano in UTC: trailing zeros of the fraction dropped, Z for UTC."""
    assert format_rfc3339(moment) == text


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "a boolean"),
        (1.5, "a number"),
        ("s", "a string"),
        ([], "an array"),
        ({}, "an object"),
    ],
)
def test_json_kind(value: object, kind: str) -> None:
    """Messages name JSON types."""
    assert json_kind(value) == kind
