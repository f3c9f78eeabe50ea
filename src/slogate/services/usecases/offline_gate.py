"""Use cases of the offline quality gate: load an SLO file, evaluate it, lint it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slogate.domain.document import as_scalar, is_null, kind_of
from slogate.domain.evaluation.explain import explain
from slogate.domain.evaluation.gate import SLOFile, evaluate_gate
from slogate.domain.evaluation.lint import lint_coverage, lint_slo
from slogate.domain.evaluation.slo import SLO
from slogate.domain.evaluation.slo_parser import SLOParseError, parse_slo
from slogate.domain.problems import Problem, Severity
from slogate.domain.protocol.gate_events import EvaluationFinished, SLIResults, StoredEvaluation
from slogate.errors import DocumentError, InputError

if TYPE_CHECKING:  # slogate.ports imports every port (the sequence engine's too): not for an offline gate
    from slogate.ports import DocumentLoader


@dataclass(frozen=True, slots=True)
class LoadedSLO:
    """An SLO file as the gate sees it, with what is wrong with it.

    ``file`` is None when the text is empty (Keptn: no SLO configured); ``file.slo`` is None when
    the text does not parse, and then ``problems`` says why.
    """

    source: str
    file: SLOFile | None
    problems: tuple[Problem, ...]

    @property
    def slo(self) -> SLO | None:
        """The parsed SLO, if any."""
        return self.file.slo if self.file is not None else None

    @property
    def problem_text(self) -> str:
        """Every problem on one line, for an error message."""
        return "; ".join(str(problem) for problem in self.problems)


@dataclass(frozen=True, slots=True)
class GateReport:
    """An evaluation and the sentence that explains it."""

    event: EvaluationFinished
    slo: SLO | None
    explanation: str


def load_slo(text: str, source: str, load_document: DocumentLoader) -> LoadedSLO:
    """Parse an SLO file's text; parse failures become problems, not exceptions."""
    if text == "":
        return LoadedSLO(
            source,
            None,
            (Problem("", "the file is empty: Keptn skips the evaluation and passes it"),),
        )
    try:
        slo, notes = parse_slo(load_document(text, source))
    except DocumentError as error:
        return LoadedSLO(source, SLOFile(text, None), (Problem("", error.detail),))
    except SLOParseError as error:
        return LoadedSLO(source, SLOFile(text, None), error.problems)
    return LoadedSLO(source, SLOFile(text, slo), notes)


def evaluate(slo: LoadedSLO, sli: SLIResults, history: tuple[StoredEvaluation, ...]) -> GateReport:
    """Evaluate SLI results against the SLO and the history, as Keptn's lighthouse would."""
    event = evaluate_gate(sli, slo.file, history)
    return GateReport(event, slo.slo, explain(event, slo.slo))


def lint(
    slo: LoadedSLO,
    indicators: Mapping[str, str] | None,
    sli_source: str,
    default_slis: Collection[str] = (),
) -> list[Problem]:
    """Every problem of the SLO, and with ``indicators`` also the coverage of its SLIs (``default_slis``:
    those the provider queries without an entry in sli.yaml)."""
    problems = list(slo.problems)
    if slo.slo is not None:
        problems += lint_slo(slo.slo)
        if indicators is not None:
            problems += lint_coverage(slo.slo, indicators, sli_source, default_slis)
    return sorted(problems, key=lambda problem: problem.severity != Severity.ERROR)


def input_errors(slo: LoadedSLO) -> list[Problem]:
    """What ``slo lint`` calls an error in the SLO (unknown keys, invalid criteria, no objectives, an
    empty or unparsable file): the standalone gate refuses to evaluate such a file unless lenient."""
    return [problem for problem in lint(slo, None, "") if problem.severity == Severity.ERROR]


def problems_note(slo: LoadedSLO) -> str:
    """The lint errors of the SLO as one clause for an evaluation's message ("" when there are none)."""
    if slo.file is None:
        return ""
    errors = input_errors(slo)
    if not errors:
        return ""
    listed = "; ".join(str(problem) for problem in errors)
    return f"{slo.source} has {len(errors)} problem(s) (slogate slo lint): {listed}"


def load_indicators(text: str, source: str, load_document: DocumentLoader) -> dict[str, str]:
    """The ``indicators`` of an ``sli.yaml`` file: SLI name -> query."""
    document = load_document(text, source)
    if not isinstance(document, dict):
        raise InputError(f"{source}: must be a mapping with an 'indicators' key, found {kind_of(document)}")
    indicators = document.get("indicators")
    if is_null(indicators):
        return {}
    if not isinstance(indicators, dict):
        raise InputError(
            f"{source}: indicators must be a mapping of SLI name to query, found {kind_of(indicators)}"
        )
    queries = {}
    for name, query in indicators.items():
        scalar = as_scalar(query)
        if scalar is None or scalar.is_null:
            raise InputError(f"{source}: indicators.{name}: must be a query string, found {kind_of(query)}")
        queries[name] = scalar.text
    return queries
