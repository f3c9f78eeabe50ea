"""Keptn's ``remediation.yaml`` (spec.keptn.sh/0.1.4) and the get-action task's choice of the next action."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from slogate.domain.document import as_scalar, kind_of
from slogate.domain.evaluation.window import duration_text
from slogate.domain.problems import Problem, child

API_VERSION = "spec.keptn.sh/0.1.4"
REMEDIATION_URI = "remediation.yaml"
DEFAULT = "default"
NOT_CONFORMING = f"remediation.yaml file does not conform to remediation spec {API_VERSION}"
NO_FILE = "Could not get remediation.yaml file for services {service} in stage {stage}."
UNPARSABLE = "Could not parse remediation.yaml file. Please validate it against the specification."
NO_ACTION = "unable to find action for {what}"
NO_MORE = "no more actions: all {count} actions for {what} were tried"
CLOSED = "problem closed: no further action"
MAX_LOOPS = "remediation stopped: it ran {loops} loops, the most SLOGATE_REMEDIATION_MAX_LOOPS allows"
OUT_OF_TIME = (
    "remediation stopped: it began {elapsed} ago, longer than SLOGATE_REMEDIATION_TIME_BUDGET "
    "({budget}) allows"
)
_SUCCEEDED, _ERRORED, _FAIL = "succeeded", "errored", "fail"


@dataclass(frozen=True, slots=True)
class Action:
    """One entry of ``actionsOnOpen``; ``value`` is passed through as written (a string or an object)."""

    name: str
    action: str
    description: str
    value: object

    def as_data(self) -> dict[str, object]:
        """The ``action`` object of get-action.finished and action.triggered."""
        return {
            "name": self.name,
            "action": self.action,
            "description": self.description,
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class Remediation:
    """The actions for one problem type, in order."""

    problem_type: str
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class RemediationFile:
    """A parsed remediation.yaml (``kind`` and ``metadata`` are display only, as in Keptn)."""

    api_version: str
    remediations: tuple[Remediation, ...]


def parse_remediation(document: object) -> tuple[RemediationFile | None, list[Problem]]:
    """The file as Keptn's YAML decoding reads it (unknown keys ignored, missing ones empty), or None
    with the problems that make Keptn refuse it (a wrong type, another ``apiVersion``)."""
    reader = _Reader()
    parsed = reader.file(document)
    if not reader.problems and parsed.api_version != API_VERSION:
        found = parsed.api_version or "nothing"
        reader.problems.append(Problem("apiVersion", f"{NOT_CONFORMING} (found {found})"))
    return (None, reader.problems) if reader.problems else (parsed, [])


class _Reader:
    """Decodes like Go's yaml into typed fields: a string field takes any scalar, nothing else."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def file(self, document: object) -> RemediationFile:
        root = self.mapping(document, "")
        spec = self.mapping(root.get("spec"), "spec")
        entries = self.items(spec.get("remediations"), "spec.remediations")
        remediations = tuple(
            self.remediation(entry, child("spec.remediations", index)) for index, entry in enumerate(entries)
        )
        return RemediationFile(self.text(root.get("apiVersion"), "apiVersion"), remediations)

    def remediation(self, node: object, path: str) -> Remediation:
        entry = self.mapping(node, path)
        actions_path = child(path, "actionsOnOpen")
        actions = tuple(
            self.action(item, child(actions_path, index))
            for index, item in enumerate(self.items(entry.get("actionsOnOpen"), actions_path))
        )
        return Remediation(self.text(entry.get("problemType"), child(path, "problemType")), actions)

    def action(self, node: object, path: str) -> Action:
        entry = self.mapping(node, path)
        name, action, description = (
            self.text(entry.get(key), child(path, key)) for key in ("name", "action", "description")
        )
        return Action(name, action, description, _json(entry.get("value")))

    def mapping(self, node: object, path: str) -> Mapping[str, object]:
        if isinstance(node, Mapping):
            return {str(key): value for key, value in node.items()}
        if node is not None:
            what = "must be a mapping" if path else "the file must be a mapping (apiVersion, kind, spec)"
            self.problems.append(Problem(path, f"{what}, not {kind_of(node)}"))
        return {}

    def items(self, node: object, path: str) -> list[object]:
        if isinstance(node, list):
            return node
        if node is not None:
            self.problems.append(Problem(path, f"must be a list, not {kind_of(node)}"))
        return []

    def text(self, node: object, path: str) -> str:
        scalar = as_scalar(node)
        if scalar is None:
            self.problems.append(Problem(path, f"must be a string, not {kind_of(node)}"))
            return ""
        return "" if scalar.is_null else scalar.text


def _json(node: object) -> object:
    """``node`` as JSON carries it: containers kept, a scalar as YAML resolved it, else its text (a date)."""
    if isinstance(node, Mapping):
        return {str(key): _json(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_json(item) for item in node]
    scalar = as_scalar(node)
    if scalar is None:
        return str(node)
    value = scalar.value
    return value if value is None or isinstance(value, str | int | float | bool) else scalar.text


# --- the next action ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProblemKeys:
    """What the choice reads from the problem object: its root cause and its title."""

    root_cause: str
    title: str


def problem_keys(problem: object) -> ProblemKeys:
    """``rootCause`` and ``problemTitle`` of a problem object, keys matched regardless of case as Go's
    JSON decoding does (producers send ``ProblemTitle``; Keptn's remediation-service reads
    ``problemTitle``); the first spelling in the object wins."""
    found: dict[str, str] = {}
    if isinstance(problem, Mapping):
        for key, value in problem.items():
            name = str(key).lower()
            if name in ("rootcause", "problemtitle") and name not in found:
                found[name] = value if isinstance(value, str) else ""
    return ProblemKeys(found.get("rootcause", ""), found.get("problemtitle", ""))


@dataclass(frozen=True, slots=True)
class Choice:
    """The actions chosen for a problem, and how Keptn's messages name the match."""

    actions: tuple[Action, ...]
    what: str


def choose(file: RemediationFile, keys: ProblemKeys) -> Choice | None:
    """The first remediation whose problem type equals the root cause, else the title, else
    ``default`` (exact, case-sensitive comparisons, empty values included, as in Keptn)."""
    for value, label in ((keys.root_cause, "root cause"), (keys.title, "problem title")):
        for remediation in file.remediations:
            if remediation.problem_type == value:
                return Choice(remediation.actions, f"{label} {value}")
    for remediation in file.remediations:
        if remediation.problem_type == DEFAULT:
            return Choice(remediation.actions, f"problem type {DEFAULT}")
    return None


def unmatched(keys: ProblemKeys) -> str:
    """Keptn's name of a problem no remediation matches (the first non-empty of its keys)."""
    if keys.root_cause:
        return f"root cause {keys.root_cause}"
    return f"problem title {keys.title}" if keys.title else f"problem type {DEFAULT}"


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a remediation (one Keptn context) stands when get-action is asked again."""

    actions_chosen: int  # earlier get-action.finished events of the context that chose an action
    loops: int  # earlier get-action.finished events of the context
    elapsed: timedelta  # since the remediation was triggered
    closed: bool  # the context holds a closed problem


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of one remediation (settings)."""

    max_loops: int
    time_budget: timedelta


@dataclass(frozen=True, slots=True)
class Answer:
    """get-action.finished: status, result, message, and the action chosen with its 1-based index."""

    status: str
    result: str
    message: str
    action: Action | None = None
    index: int = 0


def next_action(
    file: RemediationFile | None,
    problem: object,
    progress: Progress,
    limits: Limits,
    refusal: str = UNPARSABLE,
) -> Answer:
    """The answer to get-action for a remediation at ``progress``: loop k runs action k (the index is
    kept per context, not taken from the payload as Keptn did); ``file`` None: the file is missing
    or Keptn could not parse it, as ``refusal`` says."""
    if progress.closed:
        return Answer(_SUCCEEDED, _FAIL, CLOSED)
    if progress.loops >= limits.max_loops:
        return Answer(_SUCCEEDED, _FAIL, MAX_LOOPS.format(loops=progress.loops))
    if progress.elapsed > limits.time_budget:
        elapsed, budget = duration_text(progress.elapsed), duration_text(limits.time_budget)
        return Answer(_SUCCEEDED, _FAIL, OUT_OF_TIME.format(elapsed=elapsed, budget=budget))
    if file is None:
        return Answer(_ERRORED, _FAIL, refusal)
    keys = problem_keys(problem)
    choice = choose(file, keys)
    if choice is None:
        return Answer(_SUCCEEDED, _FAIL, NO_ACTION.format(what=unmatched(keys)))
    index = progress.actions_chosen
    if index >= len(choice.actions):
        return Answer(_SUCCEEDED, _FAIL, NO_MORE.format(count=len(choice.actions), what=choice.what))
    action = choice.actions[index]
    message = f"action {index + 1} of {len(choice.actions)} for {choice.what}: {action.name}"
    return Answer(_SUCCEEDED, "pass", message, action, index + 1)
