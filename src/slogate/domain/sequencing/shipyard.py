"""The shipyard (stages → sequences → tasks): decoding it as Keptn does, and Keptn's validation of it.

Keptn decodes ``shipyard.yaml`` with Go's yaml.v3 into typed structs: unknown keys are ignored,
any scalar given to a string field is kept as written, null leaves the zero value, and a container
where a scalar is expected (or a scalar where a container is expected) fails the whole document
with ``could not unmarshal provided shipyard content``. Validation then checks the version
(``>= 0.2`` after stripping ``spec.keptn.sh/``) and the stage names, with Keptn's messages.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from slogate.domain.document import Scalar, as_scalar, is_null, kind_of
from slogate.domain.problems import child
from slogate.domain.sequencing.entity_names import is_entity_name
from slogate.errors import InputError

SHIPYARD_URI = "shipyard.yaml"
VERSION_PREFIX = "spec.keptn.sh/"
EVALUATION = "evaluation"

SHIPYARD_MISSING = "shipyard must contain a valid shipyard spec encoded in base64"
SHIPYARD_NOT_BASE64 = "could not decode shipyard content"
SHIPYARD_NOT_DECODABLE = "could not unmarshal provided shipyard content"
SHIPYARD_INVALID = "provided shipyard file is not valid: {reason}"
VERSION_UNPARSEABLE = "could not parse shipyard version"
VERSION_TOO_OLD = "Invalid shipyard APIVersion {version}. Expected >= 0.2"
NO_STAGES = "Shipyard must contain at least one stage.\nPlease update the Shipyard file and try again."
STAGE_WITHOUT_NAME = "all stages within the shipyard must have a name"
STAGE_NAME_INVALID = (
    "Stage {name} contains upper case letter(s) or special character(s).\n"
    "Keptn relies on the following conventions: start with a lower case letter, then lower case "
    "letters, numbers, and hyphens are allowed.\nPlease update stage name in your shipyard and try again."
)
STAGE_DUPLICATE = "Stage {name} is defined more than once.\nPlease update the Shipyard file and try again."
STAGES_CHANGED = "stage name cannot be changed or removed"

_SEMVER = re.compile(
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_UINT64_LIMIT = 2**64
_MINIMUM_VERSION = (0, 2, 0)
_YAML12_BOOLEANS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_PASSING = ("pass", "warning")


class ShipyardError(InputError, ValueError):
    """The shipyard is unusable; ``str()`` is Keptn's message, ``problems`` says where (decoding only)."""

    code = "invalid_shipyard"

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Task:
    """One task of a sequence; ``properties`` (plain JSON values) become ``data.<task>`` of its event."""

    name: str
    triggered_after: str = ""
    properties: object = None


@dataclass(frozen=True, slots=True)
class Trigger:
    """A ``triggeredOn`` entry: ``<stage>.<sequence>.finished`` and its ``selector.match``.

    ``match`` is None when no ``match`` is given (the trigger then fires on pass and warning).
    """

    event: str
    match: tuple[tuple[str, str], ...] | None = None

    def fires(self, result: str, last_task: str) -> bool:
        """Whether a sequence that finished with ``result`` after running ``last_task`` last fires it."""
        if self.match is None:
            return result in _PASSING
        match = dict(self.match)
        return match.get("result", "") == result or match.get(f"{last_task}.result", "") == result


@dataclass(frozen=True, slots=True)
class TaskSequence:
    """A named sequence of tasks in a stage, optionally started by other sequences finishing."""

    name: str
    triggered_on: tuple[Trigger, ...] = ()
    tasks: tuple[Task, ...] = ()


IMPLICIT_EVALUATION = TaskSequence(EVALUATION, tasks=(Task(EVALUATION),))


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage and its sequences, in the order of the file."""

    name: str
    sequences: tuple[TaskSequence, ...] = ()

    def sequence(self, name: str) -> TaskSequence | None:
        """The first sequence called ``name``; every stage has an implicit one-task ``evaluation``."""
        for sequence in self.sequences:
            if sequence.name == name:
                return sequence
        return IMPLICIT_EVALUATION if name == EVALUATION else None


@dataclass(frozen=True, slots=True)
class Shipyard:
    """A decoded shipyard. ``kind`` and ``metadata.name`` are kept but, as in Keptn, never checked."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    stages: tuple[Stage, ...] = field(default_factory=tuple)

    @property
    def stage_names(self) -> tuple[str, ...]:
        """The stage names in the order of the file."""
        return tuple(stage.name for stage in self.stages)

    def stage(self, name: str) -> Stage | None:
        """The first stage called ``name``."""
        return next((stage for stage in self.stages if stage.name == name), None)

    def parent_stages(self, stage_name: str) -> tuple[str, ...]:
        """Stages whose sequences trigger one of ``stage_name``: the distinct ``<stage>`` prefixes of its
        ``triggeredOn`` events of exactly three parts, itself excluded (Keptn's ``parentStages``)."""
        stage = self.stage(stage_name)
        parents: list[str] = []
        for sequence in stage.sequences if stage is not None else ():
            for trigger in sequence.triggered_on:
                parts = trigger.event.split(".")
                if len(parts) == 3 and parts[0] != stage_name and parts[0] not in parents:
                    parents.append(parts[0])
        return tuple(parents)

    def triggered_by(
        self, stage: str, sequence: str, result: str, last_task: str
    ) -> tuple[tuple[str, TaskSequence], ...]:
        """The (stage, sequence) pairs that ``<stage>.<sequence>.finished`` with ``result`` starts, in
        file order; a sequence listed by two matching triggers is started twice, as in Keptn."""
        event = f"{stage}.{sequence}.finished"
        return tuple(
            (candidate_stage.name, candidate)
            for candidate_stage in self.stages
            for candidate in candidate_stage.sequences
            for trigger in candidate.triggered_on
            if trigger.event == event and trigger.fires(result, last_task)
        )


# --- names ---------------------------------------------------------------------------------------


# --- decoding ------------------------------------------------------------------------------------


def decode_shipyard(encoded: str) -> str:
    """The YAML text of a base64-encoded shipyard (Go's standard encoding: padded, CR/LF ignored)."""
    if not encoded:
        raise ShipyardError(SHIPYARD_MISSING)
    try:
        raw = base64.b64decode(encoded.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise ShipyardError(SHIPYARD_NOT_BASE64) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ShipyardError(SHIPYARD_NOT_DECODABLE, ("the content is not UTF-8 text",)) from None


def parse_shipyard(document: object) -> Shipyard:
    """The shipyard of a parsed YAML document, or :class:`ShipyardError` where yaml.v3 would fail."""
    reader = _Reader()
    shipyard = reader.shipyard(document)
    if reader.problems:
        raise ShipyardError(SHIPYARD_NOT_DECODABLE, tuple(reader.problems))
    return shipyard


@dataclass
class _Reader:
    """Reads the document tree as yaml.v3 fills Keptn's structs, collecting type mismatches."""

    problems: list[str] = field(default_factory=list)

    def shipyard(self, document: object) -> Shipyard:
        root = self.mapping(document, "")
        metadata = self.mapping(root.get("metadata"), "metadata")
        spec = self.mapping(root.get("spec"), "spec")
        return Shipyard(
            api_version=self.text(root.get("apiVersion"), "apiVersion"),
            kind=self.text(root.get("kind"), "kind"),
            name=self.text(metadata.get("name"), "metadata.name"),
            stages=tuple(
                self.stage(item, child("spec.stages", index))
                for index, item in enumerate(self.sequence(spec.get("stages"), "spec.stages"))
            ),
        )

    def stage(self, node: object, path: str) -> Stage:
        block = self.mapping(node, path)
        sequences_path = child(path, "sequences")
        return Stage(
            name=self.text(block.get("name"), child(path, "name")),
            sequences=tuple(
                self.task_sequence(item, child(sequences_path, index))
                for index, item in enumerate(self.sequence(block.get("sequences"), sequences_path))
            ),
        )

    def task_sequence(self, node: object, path: str) -> TaskSequence:
        block = self.mapping(node, path)
        triggers_path, tasks_path = child(path, "triggeredOn"), child(path, "tasks")
        return TaskSequence(
            name=self.text(block.get("name"), child(path, "name")),
            triggered_on=tuple(
                self.trigger(item, child(triggers_path, index))
                for index, item in enumerate(self.sequence(block.get("triggeredOn"), triggers_path))
            ),
            tasks=tuple(
                self.task(item, child(tasks_path, index))
                for index, item in enumerate(self.sequence(block.get("tasks"), tasks_path))
            ),
        )

    def trigger(self, node: object, path: str) -> Trigger:
        block = self.mapping(node, path)
        selector_path = child(path, "selector")
        selector = self.mapping(block.get("selector"), selector_path)
        match_path = child(selector_path, "match")
        raw_match = selector.get("match")
        match = None
        if not is_null(raw_match):
            match = tuple(
                (key, self.text(value, child(match_path, key)))
                for key, value in self.mapping(raw_match, match_path).items()
            )
        return Trigger(event=self.text(block.get("event"), child(path, "event")), match=match)

    def task(self, node: object, path: str) -> Task:
        block = self.mapping(node, path)
        return Task(
            name=self.text(block.get("name"), child(path, "name")),
            triggered_after=self.text(block.get("triggeredAfter"), child(path, "triggeredAfter")),
            properties=plain_value(block.get("properties")),
        )

    def mapping(self, node: object, path: str) -> Mapping[str, object]:
        """A struct or map: null is empty; anything but a mapping is a type error."""
        if is_null(node):
            return {}
        if not isinstance(node, dict):
            self.problems.append(f"{path or 'the document'}: must be a mapping, found {kind_of(node)}")
            return {}
        return node

    def sequence(self, node: object, path: str) -> list[object]:
        """A list: null is empty; anything but a list is a type error."""
        if is_null(node):
            return []
        if not isinstance(node, list):
            self.problems.append(f"{path}: must be a list, found {kind_of(node)}")
            return []
        return node

    def text(self, node: object, path: str) -> str:
        """A string field: any scalar as written, null as empty; a container is a type error."""
        scalar = as_scalar(node)
        if scalar is None:
            self.problems.append(f"{path}: must be a string, found {kind_of(node)}")
            return ""
        return "" if scalar.is_null else scalar.text


def plain_value(node: object) -> object:
    """A node as the plain JSON value yaml.v3 decodes into ``interface{}`` (YAML 1.2 booleans;
    timestamps, sexagesimal numbers and infinities stay text)."""
    if isinstance(node, dict):
        return {key: plain_value(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain_value(item) for item in node]
    scalar = as_scalar(node)
    assert scalar is not None  # containers are handled above
    return _scalar_value(scalar)


def _scalar_value(scalar: Scalar) -> object:
    value = scalar.value
    if value is None:
        return None
    if isinstance(value, bool):
        return value if scalar.text in _YAML12_BOOLEANS else scalar.text
    if isinstance(value, int) and ":" not in scalar.text:
        return value
    if isinstance(value, float) and math.isfinite(value) and ":" not in scalar.text:
        return value
    return value if isinstance(value, str) else scalar.text


# --- validation ----------------------------------------------------------------------------------


def validate_shipyard(shipyard: Shipyard) -> None:
    """Keptn's checks of a new or updated shipyard: its version, then its stages."""
    try:
        check_version(shipyard.api_version)
        check_stages(shipyard)
    except ShipyardError as error:
        raise ShipyardError(SHIPYARD_INVALID.format(reason=error.message)) from None


def check_version(api_version: str) -> None:
    """``apiVersion`` without ``spec.keptn.sh/`` must be a semantic version ``>= 0.2`` (no pre-release)."""
    version = api_version.removeprefix(VERSION_PREFIX)
    parsed = _parse_semver(version)
    if parsed is None:
        raise ShipyardError(VERSION_UNPARSEABLE)
    numbers, prerelease = parsed
    if prerelease or numbers < _MINIMUM_VERSION:
        raise ShipyardError(VERSION_TOO_OLD.format(version=api_version))


def _parse_semver(text: str) -> tuple[tuple[int, int, int], str] | None:
    match = _SEMVER.fullmatch(text)
    if match is None:
        return None
    numbers = (
        int(match.group(1)),
        int(match.group(2)[1:]) if match.group(2) else 0,
        int(match.group(3)[1:]) if match.group(3) else 0,
    )
    prerelease = match.group(5) or ""
    if any(number >= _UINT64_LIMIT for number in numbers):
        return None
    if any(part.isdigit() and len(part) > 1 and part[0] == "0" for part in prerelease.split(".")):
        return None  # numeric pre-release identifiers must not have leading zeros
    return numbers, prerelease


def check_stages(shipyard: Shipyard) -> None:
    """At least one stage, each with a Keptn entity name; slogate also refuses a stage name used twice."""
    if not shipyard.stages:
        raise ShipyardError(NO_STAGES)
    seen: set[str] = set()
    for stage in shipyard.stages:
        if stage.name == "":
            raise ShipyardError(STAGE_WITHOUT_NAME)
        if not is_entity_name(stage.name):
            raise ShipyardError(STAGE_NAME_INVALID.format(name=stage.name))
        if stage.name in seen:
            raise ShipyardError(STAGE_DUPLICATE.format(name=stage.name))
        seen.add(stage.name)


def stages_unchanged(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Keptn's update rule: the same number of stages and every old name still there (reordering is fine)."""
    return len(old) == len(new) and all(name in new for name in old)
