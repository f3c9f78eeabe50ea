"""The SLO model of a Keptn ``slo.yaml`` after parsing and defaulting (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field

SINGLE_RESULT = "single_result"
SEVERAL_RESULTS = "several_results"
AGGREGATE_FUNCTIONS = ("avg", "p50", "p90", "p95")
INCLUDE_RESULT_OPTIONS = ("all", "pass", "pass_or_warn")
DEFAULT_HISTORY_SIZE = 3


@dataclass(frozen=True, slots=True)
class CriteriaSet:
    """One ``- criteria: [...]`` item: all of its criteria must hold (AND)."""

    criteria: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Objective:
    """One SLO objective; without pass items it is informational."""

    sli: str
    display_name: str = ""
    pass_sets: tuple[CriteriaSet, ...] = ()
    warning_sets: tuple[CriteriaSet, ...] = ()
    weight: int = 1
    key_sli: bool = False

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
