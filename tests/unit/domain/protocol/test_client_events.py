"""The CloudEvents the CLI and the Bridge send: sequence triggers and approval answers."""

from __future__ import annotations

import pytest

from slogate.domain.protocol.client_events import (
    APPROVAL_FINISHED,
    approval_answer,
    parse_labels,
    sequence_trigger,
)

SCOPE = ("fulltour", "qa", "helloservice")


def test_a_sequence_trigger_carries_the_scope_over_the_data_and_labels_only_when_given() -> None:
    event = sequence_trigger("cli", SCOPE, "delivery", {"buildId": "42"}, {"project": "other", "x": {"y": 1}})
    assert event == {
        "type": "sh.keptn.event.qa.delivery.triggered",
        "specversion": "1.0",
        "source": "cli",
        "datacontenttype": "application/json",
        "data": {"project": "fulltour", "stage": "qa", "service": "helloservice", "x": {"y": 1},
                 "labels": {"buildId": "42"}},
    }  # fmt: skip
    assert "labels" not in sequence_trigger("cli", SCOPE, "delivery", {}, {})["data"]


def test_an_approval_answer_names_the_trigger_it_answers() -> None:
    event = approval_answer("bridge", SCOPE, "ctx", "trigger-id", {"buildId": "42"}, "fail")
    assert (event["type"], event["shkeptncontext"], event["triggeredid"]) == (
        APPROVAL_FINISHED,
        "ctx",
        "trigger-id",
    )
    assert event["data"] == {
        "project": "fulltour", "stage": "qa", "service": "helloservice",
        "labels": {"buildId": "42"}, "status": "succeeded", "result": "fail",
    }  # fmt: skip
    assert "labels" not in approval_answer("bridge", SCOPE, "ctx", "t", {}, "pass")["data"]


def test_labels_are_pairs_split_by_commas_or_line_breaks_and_a_later_key_wins() -> None:
    assert parse_labels(" buildId = 42 ,env=ci\n\nowner=a=b,,env=prod ") == (
        ("buildId", "42"),
        ("env", "prod"),
        ("owner", "a=b"),
    )
    assert parse_labels("") == ()
    assert parse_labels("empty=") == (("empty", ""),)


@pytest.mark.parametrize("pair", ["buildId", "=x", " = x"])
def test_a_label_without_a_key_or_equals_sign_is_named(pair: str) -> None:
    with pytest.raises(ValueError, match=f"^'{pair.strip()}' is not key=value$"):
        parse_labels(f"a=1,{pair}")
