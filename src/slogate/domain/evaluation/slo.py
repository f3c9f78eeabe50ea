"""The SLO model of a Keptn ``slo.yaml`` after parsing and defaulting (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field

SINGLE_RESULT = "single_result"
SEVERAL_RESULTS = "several_results"
AGGREGATE_FUNCTIONS = ("avg", "p50", "p90", "p95")
INCLUDE_RESULT_OPTIONS = ("all", "pass", "pass_or_warn")
DEFAULT_HISTORY_SIZE = 3
# slogate's data-sufficiency extension (Keptn ignores these keys): what an objective counts as
OBJECTIVE_RULES = ("fail", "warning", "pass", "informational")
OVERALL_RULES = ("pass", "warning", "fail")  # the best result an evaluation with insufficient data gets
DEFAULT_ON_INSUFFICIENT = "informational"
DEFAULT_OVERALL_RULE = "warning"


@dataclass(frozen=True, slots=True)
class CriteriaSet:
    """One ``- criteria: [...]`` item: all of its criteria must hold (AND)."""

    criteria: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TrafficFloor:
    """An objective is judged only when the value of ``sli`` reaches ``minimum``."""

    sli: str
    minimum: float


@dataclass(frozen=True, slots=True)
class DataPolicy:
    """An objective's data-sufficiency keys (slogate's extension); None/0 where the key is absent."""

    on_no_data: str | None = None
    min_comparison_results: int = 0
    traffic_floor: TrafficFloor | None = None
    on_insufficient: str = DEFAULT_ON_INSUFFICIENT


@dataclass(frozen=True, slots=True)
class Objective:
    """One SLO objective; without pass items it is informational."""

    sli: str
    display_name: str = ""
    pass_sets: tuple[CriteriaSet, ...] = ()
    warning_sets: tuple[CriteriaSet, ...] = ()
    weight: int = 1
    key_sli: bool = False
    policy: DataPolicy | None = None

    @property
    def informational(self) -> bool:
        """Whether the objective has no pass criteria and so is never scored."""
        return not self.pass_sets

    @property
    def label(self) -> str:
        """The display name, or the SLI name where the display name is empty (slogate's own output)."""
        return self.display_name or self.sli


@dataclass(frozen=True, slots=True)
class Comparison:
    """How previous evaluations are selected and aggregated for relative criteria."""

    compare_with: str = SINGLE_RESULT
    include_result_with_score: str = "all"
    number_of_comparison_results: int = 1
    aggregate_function: str = "avg"

    @property
    def history_size(self) -> int:
        """How many previous evaluations are requested (an unknown ``compare_with`` means 3)."""
        if self.compare_with == SINGLE_RESULT:
            return 1
        if self.compare_with == SEVERAL_RESULTS:
            return self.number_of_comparison_results
        return DEFAULT_HISTORY_SIZE

    @property
    def result_filter(self) -> frozenset[str] | None:
        """The previous ``data.result`` values admitted, or None when every result qualifies."""
        option = self.include_result_with_score.lower()
        if option == "pass":
            return frozenset({"pass"})
        if option == "pass_or_warn":
            return frozenset({"pass", "warning"})
        return None


@dataclass(frozen=True, slots=True)
class TotalScore:
    """The total-score thresholds exactly as written (``"90%"``, ``"90"``; empty when missing)."""

    pass_: str = ""
    warning: str = ""


@dataclass(frozen=True, slots=True)
class SLO:
    """A whole SLO file; ``total_score`` is None when the file has none."""

    objectives: tuple[Objective, ...] = ()
    comparison: Comparison = field(default_factory=Comparison)
    total_score: TotalScore | None = None
    filter: tuple[tuple[str, str], ...] = ()
    spec_version: str = ""
    on_insufficient: str = DEFAULT_OVERALL_RULE  # ``sufficiency.on_insufficient``
