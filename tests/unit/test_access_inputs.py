"""The user input of tokens and bindings: expiries, names, subjects and roles, with the fix in each error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slogate.domain.access import Grant, Role
from slogate.errors import InputError
from slogate.services.usecases.access import check_name, check_subject, grant_of, parse_expiry

NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", NOW + timedelta(days=30)),
        ("12h", NOW + timedelta(hours=12)),
        ("90m", NOW + timedelta(minutes=90)),
        ("2w", NOW + timedelta(weeks=2)),
        ("2027-01-31", datetime(2027, 1, 31, tzinfo=UTC)),
        ("2027-01-31T10:00:00+02:00", datetime(2027, 1, 31, 8, tzinfo=UTC)),
        ("never", None),
        ("", None),
    ],
)
def test_expiries(text: str, expected: datetime | None) -> None:
    assert parse_expiry(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0d", "not in the future"),
        ("soon", "30d, 12h"),
        ("2026-12-01", "in the past"),
        ("-3d", "is not valid"),
    ],
)
def test_bad_expiries(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        parse_expiry(text, NOW)


def test_names_and_subjects() -> None:
    assert check_name("ci-sockshop.prod_1") == "ci-sockshop.prod_1"
    for bad in ("", "-x", "a b", "x" * 101, "ü"):
        with pytest.raises(InputError, match="token name"):
            check_name(bad)
    assert check_subject("group:team a") == "group:team a"
    for bad in ("team", "user:", "robot:x", "group: x"):
        with pytest.raises(InputError, match="user:<name> or group:<name>"):
            check_subject(bad)


def test_grants() -> None:
    assert grant_of("Operator", "sockshop", ["dev", " ", "prod"]) == Grant(
        Role.OPERATOR, "sockshop", frozenset({"dev", "prod"})
    )
    assert grant_of("admin") == Grant(Role.ADMIN)
    with pytest.raises(InputError, match="unknown role 'admin' on a project"):
        grant_of("admin", "sockshop")
    with pytest.raises(InputError, match="without --project"):
        grant_of("viewer")
    with pytest.raises(InputError, match="--stage needs --project"):
        grant_of("auditor", "", ["dev"])
