"""The access file: groups and users mapped to grants; errors name the file and the field; a broken file
grants nothing (fails closed); a changed file is read again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slogate.adapters.access_file import AccessFile, parse_access
from slogate.domain.access import Grant, Role
from slogate.errors import ConfigError

GOOD = """
groups:
  team-shop:
    - {project: shop, role: operator, stages: [production]}
    - {project: shop, role: viewer}
  platform:
    - role: admin
users:
  alice:
    - {project: blog, role: Owner}
"""


def test_groups_and_users_become_grants(tmp_path: Path) -> None:
    path = tmp_path / "access.yaml"
    path.write_text(GOOD)
    access = AccessFile(path)
    access.check()
    assert access.grants_for_subjects(["group:team-shop", "user:bob"]) == (
        Grant(Role.OPERATOR, "shop", frozenset({"production"})),
        Grant(Role.VIEWER, "shop"),
    )
    assert access.grants_for_subjects(["group:platform"]) == (Grant(Role.ADMIN),)
    assert access.grants_for_subjects(["user:alice"]) == (Grant(Role.OWNER, "blog"),)
    assert access.grants_for_subjects(["group:alice", "user:team-shop"]) == ()  # kinds do not mix


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("- a\n", "must be a mapping with 'groups'"),
        ("teams: {}\n", "unknown section 'teams'"),
        ("groups: [a]\n", "groups must map each name"),
        ("groups: {ops: {role: admin}}\n", "groups.ops must be a list"),
        ("groups: {ops: [admin]}\n", r"groups.ops\[0\] must be a mapping"),
        ("groups: {ops: [{role: root}]}\n", r"groups.ops\[0\].role: unknown role 'root' without a project"),
        (
            "groups: {ops: [{project: p, role: admin}]}\n",
            r"groups.ops\[0\].role: unknown role 'admin' on a project",
        ),
        ("groups: {ops: [{project: p}]}\n", r"groups.ops\[0\].role is missing"),
        ("users: {al: [{project: p, role: viewer, stage: [x]}]}\n", r"users.al\[0\]: unknown field 'stage'"),
        ("users: {al: [{project: p, role: viewer, stages: prod}]}\n", r"users.al\[0\].stages must be a list"),
        ("users: {al: [{role: auditor, stages: [prod]}]}\n", r"a global role holds in every stage"),
        ("users: {al: [{project: [p], role: viewer}]}\n", r"users.al\[0\].project must be a project name"),
        ("groups: {ops: [}\n", "not valid YAML"),
    ],
)
def test_a_broken_file_names_the_file_and_the_field(tmp_path: Path, document: str, message: str) -> None:
    path = tmp_path / "access.yaml"
    path.write_text(document)
    with pytest.raises(ConfigError, match=message) as caught:
        AccessFile(path).check()
    assert str(path) in caught.value.message


def test_a_missing_file_is_named_and_an_empty_one_grants_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the access file"):
        AccessFile(tmp_path / "nope.yaml").check()
    (tmp_path / "empty.yaml").write_text("")
    assert AccessFile(tmp_path / "empty.yaml").grants_for_subjects(["group:x"]) == ()
    assert AccessFile(None).grants_for_subjects(["group:x"]) == ()
    assert parse_access(None, "x") == {}


def test_a_changed_file_is_read_again_and_a_broken_one_grants_nothing(tmp_path: Path) -> None:
    path = tmp_path / "access.yaml"
    path.write_text(GOOD)
    access = AccessFile(path)
    assert access.grants_for_subjects(["group:platform"]) == (Grant(Role.ADMIN),)
    path.write_text("groups: {platform: [{role: auditor}]}\n")
    os.utime(path, ns=(1, 1))  # a new stamp even within the clock's resolution
    assert access.grants_for_subjects(["group:platform"]) == (Grant(Role.AUDITOR),)
    path.write_text("groups: {platform: [{role: nobody}]}\n")
    os.utime(path, ns=(2, 2))
    assert access.grants_for_subjects(["group:platform"]) == ()  # fails closed, not the old grants
