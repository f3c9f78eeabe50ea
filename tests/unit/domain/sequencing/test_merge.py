"""Keptn's property merge (§3.11) with the number/boolean quirk fixed."""

from __future__ import annotations

from typing import Any

import pytest

from slogate.domain.sequencing.merge import merge


@pytest.mark.parametrize(
    ("old", "new", "merged"),
    [
        ({"a": {"b": "1", "c": "2"}}, {"a": {"b": "3"}}, {"a": {"b": "3", "c": "2"}}),
        ({"a": None}, {"a": {"b": "1"}}, {"a": {"b": "1"}}),
        ({}, {"a": "1"}, {"a": "1"}),
        ({"uris": ["a", "b"]}, {"uris": ["c"]}, {"uris": ["c", "a", "b"]}),  # new first, no de-duplication
        ({"uris": ["a"]}, {"uris": ["a"]}, {"uris": ["a", "a"]}),
        ("old", "new", "new"),
        (None, "new", "new"),
        (
            {"index": 1, "flag": True},
            {"index": 2, "flag": False},
            {"index": 2, "flag": False},
        ),  # Keptn: 1, True
        ({"a": "text"}, {"a": {"b": "1"}}, {"a": {"b": "1"}}),
        ({"a": {"b": "1"}}, {"a": "text"}, {"a": "text"}),
        ({"a": "kept"}, {"a": None}, {"a": "kept"}),
    ],
)
def test_merge(old: Any, new: Any, merged: Any) -> None:
    assert merge(old, new) == merged


def test_merge_modifies_neither_argument() -> None:
    old, new = {"a": {"b": ["1"]}}, {"a": {"b": ["2"]}}
    merge(old, new)
    assert (old, new) == ({"a": {"b": ["1"]}}, {"a": {"b": ["2"]}})
