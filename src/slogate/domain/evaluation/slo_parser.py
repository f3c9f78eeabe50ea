"""Turn a parsed ``slo.yaml`` document into the SLO model with Keptn's defaults and type strictness.

Keptn decodes the file with Go's yaml.v3 into typed structs: unknown keys are ignored, scalars given
to string fields are kept as written, floats given to integer fields are truncated, and a type that
cannot be converted (a list where a string is expected, ``key_sli: "true"``) fails the whole file.
Those failures are collected as errors; what Keptn accepts but silently drops is collected as notes
for ``slo lint``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from slogate.domain.document import as_scalar, is_null, kind_of
from slogate.domain.evaluation.slo import (
    DEFAULT_HISTORY_SIZE,
    DEFAULT_ON_INSUFFICIENT,
    DEFAULT_OVERALL_RULE,
    OBJECTIVE_RULES,
    OVERALL_RULES,
    SLO,
    Comparison,
    CriteriaSet,
    DataPolicy,
    Objective,
    TotalScore,
    TrafficFloor,
)
from slogate.domain.problems import Problem, Severity, child
from slogate.errors import InputError

_INT64_LIMIT = 2.0**63
_TRUE_WORDS = frozenset({"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"})
_FALSE_WORDS = frozenset({"n", "N", "no", "No", "NO", "off", "Off", "OFF"})
_TOP_KEYS = ("spec_version", "filter", "comparison", "objectives", "total_score", "sufficiency")
_COMPARISON_KEYS = (
    "compare_with",
    "include_result_with_score",
    "number_of_comparison_results",
    "aggregate_function",
)
_POLICY_KEYS = ("on_no_data", "min_comparison_results", "traffic_floor", "on_insufficient")
_OBJECTIVE_KEYS = ("sli", "displayName", "pass", "warning", "weight", "key_sli", *_POLICY_KEYS)
_FLOOR_KEYS = ("sli", "min")
_SUFFICIENCY_KEYS = ("on_insufficient",)
_CRITERIA_KEYS = ("criteria",)
_TOTAL_SCORE_KEYS = ("pass", "warning")


class SLOParseError(InputError, ValueError):
    """The SLO document cannot be decoded; ``problems`` lists every reason at once."""

    code = "invalid_slo"

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class _Reader:
    """Collects errors (Keptn rejects the file) and notes (Keptn silently ignores something)."""

    errors: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.append(Problem(path, message))

    def note(self, path: str, message: str, severity: Severity = Severity.ERROR) -> None:
        self.notes.append(Problem(path, message, severity))

    def mapping(self, node: object, path: str, known: tuple[str, ...] | None) -> dict[str, object] | None:
        """``node`` as a mapping (None for null), noting keys Keptn would ignore (unless free-form)."""
        if is_null(node):
            return None
        if not isinstance(node, dict):
            self.error(path, f"must be a mapping, found {kind_of(node)}")
            return None
        for key in node:
            if known is not None and key not in known:
                self.note(child(path, key), _unknown_key_message(key, known))
        return node

    def sequence(self, node: object, path: str) -> list[object]:
        """``node`` as a list (empty for null)."""
        if is_null(node):
            return []
        if not isinstance(node, list):
            self.error(path, f"must be a list, found {kind_of(node)}")
            return []
        return node

    def text(self, node: object, path: str) -> str:
        """A string field: any scalar is taken as written, null is empty."""
        scalar = as_scalar(node)
        if scalar is None:
            self.error(path, f"must be a string, found {kind_of(node)}")
            return ""
        return "" if scalar.is_null else scalar.text

    def integer(self, node: object, path: str) -> int:
        """An integer field: floats are truncated toward zero as yaml.v3 does; null is 0."""
        scalar = as_scalar(node)
        value = scalar.value if scalar is not None else node
        if value is None:
            return 0
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and math.isfinite(value) and abs(value) < _INT64_LIMIT:
            self.note(
                path,
                f"{scalar_text(node)} is not an integer; Keptn truncates it to {int(value)}",
                Severity.WARNING,
            )
            return int(value)
        shown = f" {scalar_text(node)!r}" if scalar is not None else ""
        self.error(path, f"must be an integer, found {kind_of(node)}{shown}")
        return 0

    def boolean(self, node: object, path: str) -> bool:
        """A boolean field: YAML booleans and yaml.v3's YAML 1.1 words (yes, on, …); null is false."""
        scalar = as_scalar(node)
        value = scalar.value if scalar is not None else node
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in _TRUE_WORDS | _FALSE_WORDS:
            return value in _TRUE_WORDS
        shown = f" {scalar_text(node)!r}" if scalar is not None else ""
        self.error(
            path,
            f"must be true or false, found {kind_of(node)}{shown}"
            + (" (remove the quotes)" if isinstance(value, str) else ""),
        )
        return False


def scalar_text(node: object) -> str:
    """The source text of a scalar node ('' for containers)."""
    scalar = as_scalar(node)
    return scalar.text if scalar is not None else ""


def _unknown_key_message(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(known)})"
    return f"unknown key '{key}' is ignored by Keptn{hint}"


def parse_slo(document: object) -> tuple[SLO, tuple[Problem, ...]]:
    """Parse a document into an :class:`SLO`; raise :class:`SLOParseError` where Keptn would.

    Returns the SLO and the notes: things Keptn accepts silently that ``slo lint`` reports.
    """
    reader = _Reader()
    slo = _read_slo(reader, document)
    if reader.errors:
        raise SLOParseError(tuple(reader.errors))
    return slo, tuple(reader.notes)


def _read_slo(reader: _Reader, document: object) -> SLO:
    root = reader.mapping(document, "", _TOP_KEYS)
    if root is None:
        return SLO()
    filters = reader.mapping(root.get("filter"), "filter", None)
    return SLO(
        objectives=_read_objectives(reader, root.get("objectives")),
        comparison=_read_comparison(reader, root.get("comparison")),
        total_score=_read_total_score(reader, root.get("total_score")),
        filter=tuple(
            (key, reader.text(value, child("filter", key))) for key, value in (filters or {}).items()
        ),
        spec_version=reader.text(root.get("spec_version"), "spec_version"),
        on_insufficient=_read_sufficiency(reader, root.get("sufficiency")),
    )


def _read_comparison(reader: _Reader, node: object) -> Comparison:
    block = reader.mapping(node, "comparison", _COMPARISON_KEYS)
    if block is None:
        return Comparison()
    path = "comparison"
    include = reader.text(block.get("include_result_with_score"), child(path, "include_result_with_score"))
    number = reader.integer(
        block.get("number_of_comparison_results"), child(path, "number_of_comparison_results")
    )
    aggregate = reader.text(block.get("aggregate_function"), child(path, "aggregate_function"))
    return Comparison(
        compare_with=reader.text(block.get("compare_with"), child(path, "compare_with")),
        include_result_with_score=include or "all",
        number_of_comparison_results=number or DEFAULT_HISTORY_SIZE,
        aggregate_function=aggregate or "avg",
    )


def _read_total_score(reader: _Reader, node: object) -> TotalScore | None:
    block = reader.mapping(node, "total_score", _TOTAL_SCORE_KEYS)
    if block is None:
        return None
    return TotalScore(
        pass_=reader.text(block.get("pass"), "total_score.pass"),
        warning=reader.text(block.get("warning"), "total_score.warning"),
    )


def _read_objectives(reader: _Reader, node: object) -> tuple[Objective, ...]:
    objectives = []
    for index, item in enumerate(reader.sequence(node, "objectives")):
        path = child("objectives", index)
        if is_null(item):
            reader.note(path, "empty objective is dropped by Keptn", Severity.WARNING)
            continue
        block = reader.mapping(item, path, _OBJECTIVE_KEYS)
        if block is not None:
            objectives.append(_read_objective(reader, block, path))
    return tuple(objectives)


def _read_objective(reader: _Reader, block: dict[str, object], path: str) -> Objective:
    weight = reader.integer(block.get("weight"), child(path, "weight"))
    return Objective(
        sli=reader.text(block.get("sli"), child(path, "sli")),
        display_name=reader.text(block.get("displayName"), child(path, "displayName")),
        pass_sets=_read_criteria_sets(reader, block.get("pass"), child(path, "pass")),
        warning_sets=_read_criteria_sets(reader, block.get("warning"), child(path, "warning")),
        weight=weight or 1,
        key_sli=reader.boolean(block.get("key_sli"), child(path, "key_sli")),
        policy=_read_policy(reader, block, path),
    )


def _read_criteria_sets(reader: _Reader, node: object, path: str) -> tuple[CriteriaSet, ...]:
    sets = []
    for index, item in enumerate(reader.sequence(node, path)):
        item_path = child(path, index)
        if is_null(item):
            reader.note(item_path, "empty criteria item (write '- criteria: [...]')")
            sets.append(CriteriaSet())
            continue
        block = reader.mapping(item, item_path, _CRITERIA_KEYS)
        if block is None:
            continue
        criteria_path = child(item_path, "criteria")
        raw = block.get("criteria")
        criteria = tuple(
            reader.text(value, child(criteria_path, i))
            for i, value in enumerate(reader.sequence(raw, criteria_path))
        )
        sets.append(CriteriaSet(criteria))
    return tuple(sets)


def _read_sufficiency(reader: _Reader, node: object) -> str:
    with _ignored_by_keptn(reader) as keys:
        block = keys.mapping(node, "sufficiency", _SUFFICIENCY_KEYS)
        rule = _rule(keys, (block or {}).get("on_insufficient"), "sufficiency.on_insufficient", OVERALL_RULES)
    return rule or DEFAULT_OVERALL_RULE


@contextmanager
def _ignored_by_keptn(reader: _Reader) -> Iterator[_Reader]:
    """A reader for slogate's own keys: Keptn ignores them, so a wrong value does not fail the file; it
    is an error for ``slo lint`` (and the standalone gate) and is ignored until fixed."""
    keys = _Reader()
    yield keys
    reader.notes.extend(keys.notes)
    reader.notes.extend(Problem(e.path, f"{e.message}; ignored until fixed") for e in keys.errors)


def _read_policy(reader: _Reader, block: dict[str, object], path: str) -> DataPolicy | None:
    """The data-sufficiency keys of an objective (slogate's extension); None when it has none."""
    if not any(key in block for key in _POLICY_KEYS):
        return None
    rules = OBJECTIVE_RULES
    with _ignored_by_keptn(reader) as keys:
        minimum_path = child(path, "min_comparison_results")
        minimum = keys.integer(block.get("min_comparison_results"), minimum_path)
        if minimum < 0:
            keys.error(
                minimum_path,
                f"{minimum} is negative; write how many previous results a relative criterion needs, "
                "e.g. 3 (0 or no key: no minimum)",
            )
        return DataPolicy(
            on_no_data=_rule(keys, block.get("on_no_data"), child(path, "on_no_data"), rules),
            min_comparison_results=max(minimum, 0),
            traffic_floor=_read_floor(keys, block.get("traffic_floor"), child(path, "traffic_floor")),
            on_insufficient=_rule(keys, block.get("on_insufficient"), child(path, "on_insufficient"), rules)
            or DEFAULT_ON_INSUFFICIENT,
        )


def _rule(reader: _Reader, node: object, path: str, words: tuple[str, ...]) -> str | None:
    """One of ``words`` (None for null or absent); anything else is an error naming the choices."""
    if is_null(node):
        return None
    if as_scalar(node) is None:
        reader.error(path, f"must be one of {', '.join(words)}, found {kind_of(node)}")
        return None
    word = reader.text(node, path)
    if word in words:
        return word
    close = difflib.get_close_matches(word, words, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    reader.error(path, f"'{word}' is not one of {', '.join(words)}{hint}")
    return None


def _read_floor(reader: _Reader, node: object, path: str) -> TrafficFloor | None:
    """The traffic floor, or None when there is none or it is invalid (reported)."""
    block = reader.mapping(node, path, _FLOOR_KEYS)
    if block is None:
        return None
    sli = reader.text(block.get("sli"), child(path, "sli"))
    if not sli:
        reader.error(
            child(path, "sli"), "missing: name the SLI that counts the traffic, e.g. 'sli: request_count'"
        )
    minimum = _minimum(reader, block.get("min"), child(path, "min"))
    return TrafficFloor(sli, minimum) if sli and minimum is not None else None


def _minimum(reader: _Reader, node: object, path: str) -> float | None:
    """A required non-negative finite number (None when invalid, reported)."""
    if is_null(node):
        reader.error(path, "missing: the floor needs a minimum, e.g. 'min: 100'")
        return None
    scalar = as_scalar(node)
    value = scalar.value if scalar is not None else node
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        shown = f" {scalar_text(node)!r}" if scalar is not None else ""
        reader.error(path, f"must be a number such as 100, found {kind_of(node)}{shown}")
        return None
    if value < 0:
        reader.error(path, f"{scalar_text(node)} is negative; the floor is a minimum such as 100")
        return None
    return float(value)
