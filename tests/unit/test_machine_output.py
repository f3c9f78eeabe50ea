"""Output for machines: ``unique_match`` (a full id or the one id a prefix starts; none is not found,
several are listed) and when standard output counts as a terminal."""

from __future__ import annotations

import pytest

from slogate.errors import InputError, NotFoundError
from slogate.services.usecases.id_prefix import unique_match

IDS = ["c5793f2a-0001", "c5793f2a-0002", "d0000000-0001"]


def test_a_full_id_or_a_unique_prefix_names_one() -> None:
    assert unique_match("c5793f2a-0001", IDS, "evaluation id", "none") == "c5793f2a-0001"
    assert unique_match("d", IDS, "evaluation id", "none") == "d0000000-0001"
    assert unique_match("c5793f2a-0002", [*IDS, "c5793f2a-00021"], "id", "none") == "c5793f2a-0002"


@pytest.mark.parametrize("typed", ["", "e", "C5793F2A", "c5793f2a-0003"])
def test_no_match_is_the_callers_not_found_error(typed: str) -> None:
    with pytest.raises(NotFoundError) as raised:
        unique_match(typed, IDS, "evaluation id", "no evaluation with id 'x'")
    assert raised.value.message == "no evaluation with id 'x'"


def test_an_ambiguous_prefix_lists_the_candidates() -> None:
    with pytest.raises(InputError) as raised:
        unique_match("c5793", IDS, "evaluation id", "none")
    assert raised.value.message == (
        "the evaluation id 'c5793' is ambiguous: 2 start with it (c5793f2a-0001, c5793f2a-0002); "
        "give more characters of the one you mean"
    )


def test_many_candidates_are_listed_up_to_ten() -> None:
    many = [f"ab{number:02d}" for number in range(12)] * 2  # duplicates count once
    with pytest.raises(InputError) as raised:
        unique_match("ab", many, "approval id", "none")
    assert "12 start with it (ab00, ab01, ab02, ab03, ab04, ab05, ab06, ab07, ab08, ab09 and 2 more)" in (
        raised.value.message
    )


def test_a_closed_or_missing_standard_output_is_no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """``on_terminal`` decides the width and the digits; a stream it cannot ask is not a terminal."""
    import io
    import sys

    from slogate.cli import output

    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stdout", closed)
    assert output.on_terminal() is False
    monkeypatch.setattr(sys, "stdout", None)
    assert output.on_terminal() is False
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert output.console().width == output.FULL_WIDTH
