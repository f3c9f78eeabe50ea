"""Port of the problems found in uploaded files, kept with the file until it is written or deleted again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from slogate.domain.problems import Problem
from slogate.ports.resources import ResourceLevel


class ResourceProblemStore(Protocol):
    """The problems of each file's current version, per level and URI.

    Example::

        store.record(ResourceLevel("shop", "qa", "carts"), commit, {"slo.yaml": problems})
        store.problems(ResourceLevel("shop", "qa", "carts"), "slo.yaml")   # problems
    """

    def record(self, level: ResourceLevel, revision: str, files: Mapping[str, Sequence[Problem]]) -> None:
        """Replace what is kept for each URI of ``files`` (written by ``revision``); none kept for an
        empty sequence."""
        ...

    def problems(self, level: ResourceLevel, uri: str) -> tuple[Problem, ...]:
        """The problems kept for the current version of ``uri`` at ``level`` (empty when none)."""
        ...

    def project_problems(self, project: str) -> list[tuple[ResourceLevel, str, tuple[Problem, ...]]]:
        """Every file of ``project`` with problems kept: its level, its URI and the problems, sorted."""
        ...

    def forget(self, level: ResourceLevel, uri: str) -> None:
        """The file was deleted: keep nothing for it."""
        ...

    def purge_project(self, project: str) -> None:
        """The project was deleted: keep nothing for any of its files."""
        ...
