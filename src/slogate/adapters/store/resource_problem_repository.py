"""``SqlResourceProblemStore``: the ``ResourceProblemStore`` port over the ``resource_problems`` table."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from sqlalchemy import ColumnElement, Engine, delete, select

from slogate.domain.problems import Problem, Severity
from slogate.ports import ResourceLevel

from .database import Sessions
from .resource_problem_tables import ResourceProblemRow as Row


class SqlResourceProblemStore:
    """The problems of uploaded files in a SQL database; implements ``ResourceProblemStore``."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def record(self, level: ResourceLevel, revision: str, files: Mapping[str, Sequence[Problem]]) -> None:
        """Replace the rows of the URIs of ``files`` in one transaction (no row for no problem)."""
        with self._sessions.begin() as session:
            session.execute(delete(Row).where(*_at(level), Row.uri.in_(list(files))))
            session.add_all(
                Row(
                    project=level.project,
                    stage=level.stage,
                    service=level.service,
                    uri=uri,
                    revision=revision,
                    problems=json.dumps([_encode(problem) for problem in problems]),
                )
                for uri, problems in files.items()
                if problems
            )

    def problems(self, level: ResourceLevel, uri: str) -> tuple[Problem, ...]:
        """The problems kept for ``uri`` at ``level``."""
        with self._sessions() as session:
            text = session.scalar(select(Row.problems).where(*_at(level), Row.uri == uri))
        return tuple(_decode(item) for item in json.loads(text)) if text else ()

    def project_problems(self, project: str) -> list[tuple[ResourceLevel, str, tuple[Problem, ...]]]:
        """Every row of ``project``, by stage, service and URI."""
        with self._sessions() as session:
            rows = session.scalars(
                select(Row).where(Row.project == project).order_by(Row.stage, Row.service, Row.uri)
            ).all()
            return [
                (
                    ResourceLevel(row.project, row.stage, row.service),
                    row.uri,
                    tuple(_decode(item) for item in json.loads(row.problems)),
                )
                for row in rows
            ]

    def forget(self, level: ResourceLevel, uri: str) -> None:
        """Drop the row of ``uri`` at ``level``."""
        with self._sessions.begin() as session:
            session.execute(delete(Row).where(*_at(level), Row.uri == uri))

    def purge_project(self, project: str) -> None:
        """Drop every row of ``project``."""
        with self._sessions.begin() as session:
            session.execute(delete(Row).where(Row.project == project))


def _at(level: ResourceLevel) -> tuple[ColumnElement[bool], ...]:
    return (Row.project == level.project, Row.stage == level.stage, Row.service == level.service)


def _encode(problem: Problem) -> dict[str, str]:
    return {"path": problem.path, "severity": str(problem.severity), "message": problem.message}


def _decode(item: dict[str, str]) -> Problem:
    return Problem(item["path"], item["message"], Severity(item["severity"]))
