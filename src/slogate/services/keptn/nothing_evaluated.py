"""What ``slogate/evaluation.yaml`` makes of an evaluation that evaluated nothing (Keptn's default: pass)."""

from __future__ import annotations

from dataclasses import dataclass

from slogate.domain.evaluation.nothing_evaluated import (
    EVALUATION_SETTINGS_URI,
    NOTHING_EVALUATED,
    parse_settings,
    settled_outcome,
)
from slogate.domain.protocol.gate_events import ERRORED, FAIL, PASS, SUCCEEDED
from slogate.errors import NotFoundError, SlogateError
from slogate.ports import DocumentLoader, ResourceReader


@dataclass(frozen=True, slots=True)
class Outcome:
    """The status, result and message of an evaluation that evaluated nothing."""

    status: str
    result: str
    message: str


def nothing_evaluated_outcome(
    resources: ResourceReader,
    load_document: DocumentLoader,
    scope: tuple[str, str, str],
    revision: str,
    message: str,
) -> Outcome:
    """Keptn's pass with ``message``, unless ``slogate/evaluation.yaml`` of the project, the stage or
    the service says otherwise; an invalid file errors the evaluation, naming the file and the fix."""
    try:
        outcome, source = settled_outcome(_levels(resources, load_document, scope, revision))
    except SlogateError as error:
        return Outcome(ERRORED, FAIL, f"{error.message}; {message}")
    if outcome == PASS:
        return Outcome(SUCCEEDED, PASS, message)
    return Outcome(SUCCEEDED, outcome, f"{message}; {source} makes it {outcome} ({NOTHING_EVALUATED})")


def _levels(
    resources: ResourceReader, load_document: DocumentLoader, scope: tuple[str, str, str], revision: str
) -> list[tuple[str, str | None]]:
    project, stage, service = scope
    levels: list[tuple[str, str | None]] = []
    for level_stage, level_service, at in (("", "", ""), (stage, "", revision), (stage, service, revision)):
        text = _read(resources, (project, level_stage, level_service), at)
        if text is None or not text.strip():
            continue
        source = f"{EVALUATION_SETTINGS_URI} ({_level(level_stage, level_service)})"
        levels.append((source, parse_settings(load_document(text, source), source)))
    return levels


def _read(resources: ResourceReader, scope: tuple[str, str, str], revision: str) -> str | None:
    """The file at one level; a revision from another level's history means the level's current text."""
    project, stage, service = scope
    for at in dict.fromkeys((revision, "")):
        try:
            return resources.read(project, stage, service, EVALUATION_SETTINGS_URI, at)
        except NotFoundError:
            continue
    return None


def _level(stage: str, service: str) -> str:
    if service:
        return f"service {service} in stage {stage}"
    return f"stage {stage}" if stage else "project"
