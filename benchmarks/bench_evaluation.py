"""Time the quality gate's engine, ``evaluate_gate``, on large SLOs compared with ten previous evaluations.

For 10, 100 and 1,000 objectives (a mix of absolute and relative criteria, pass and warning) this builds
the SLO text, parses it with slogate's own parser, makes SLI results for every objective and ten stored
previous evaluations with a value for every SLI, and then times ``evaluate_gate`` alone. It prints a
table (median and best of many runs) and writes ``benchmarks/results/bench_evaluation.json``.

Target: 1,000 objectives compared with 10 evaluations in under 20 ms on one core.

Run from the repository root: ``python benchmarks/bench_evaluation.py`` (``--quick`` for fewer runs).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slogate.adapters.yamlfile import load_document
from slogate.domain.evaluation.gate import SLOFile, evaluate_gate
from slogate.domain.evaluation.slo_parser import parse_slo
from slogate.domain.protocol.gate_events import (
    EVALUATION_FINISHED,
    PASS,
    SLIResults,
    SLIValue,
    StoredEvaluation,
)

SIZES = (10, 100, 1_000)
HISTORY_SIZE = 10
TARGET_OBJECTIVES = 1_000
TARGET_MS = 20.0
MIN_RUNS = 30
MIN_SECONDS = 2.0
RESULTS = Path(__file__).resolve().parent / "results" / "bench_evaluation.json"

PROJECT, STAGE, SERVICE = "sockshop", "staging", "carts"

# Objective shapes, cycled: (pass criteria sets, warning criteria sets, key SLI). Relative criteria
# need the history; the values below make every status (pass, warning, fail) occur.
_SHAPES: tuple[tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...], bool], ...] = (
    ((("<=+10%", "<600"),), (("<=800",),), False),  # relative + absolute pass, absolute warning
    ((("<=100",),), (("<=150",),), False),  # absolute pass and warning
    ((("<=+5%",),), (("<=+20%",),), False),  # relative pass and warning
    (((">=-20%",), (">=50",)), (), False),  # two pass sets (OR), no warning
    ((("<=0.5", "<=+50%"),), (("<=1",), ("<=+100%",)), True),  # key SLI, warning OR
    ((), (("<=10",),), False),  # informational (no pass criteria)
)


@dataclass(frozen=True)
class Case:
    """One benchmark input: the SLO file, the SLI results and the history."""

    objectives: int
    slo_file: SLOFile
    sli: SLIResults
    history: tuple[StoredEvaluation, ...]


def sli_name(index: int) -> str:
    """The SLI name of objective ``index``."""
    return f"sli_{index:05d}_response_time_p95"


def slo_text(objectives: int) -> str:
    """A Keptn slo.yaml with ``objectives`` objectives compared with the last 10 evaluations."""
    lines = [
        "spec_version: '1.0'",
        "comparison:",
        "  compare_with: several_results",
        "  include_result_with_score: pass_or_warn",
        f"  number_of_comparison_results: {HISTORY_SIZE}",
        "  aggregate_function: avg",
        "objectives:",
    ]
    for index in range(objectives):
        pass_sets, warning_sets, key_sli = _SHAPES[index % len(_SHAPES)]
        lines += [f"  - sli: {sli_name(index)}", f'    displayName: "Objective {index}"']
        if key_sli:
            lines.append("    key_sli: true")
        if index % 7 == 0:
            lines.append("    weight: 2")
        for key, sets in (("pass", pass_sets), ("warning", warning_sets)):
            if sets:
                lines.append(f"    {key}:")
                for criteria in sets:
                    lines.append("      - criteria:")
                    lines += [f'          - "{criterion}"' for criterion in criteria]
    lines += ["total_score:", '  pass: "90%"', '  warning: "75%"', ""]
    return "\n".join(lines)


def measured_value(index: int) -> float:
    """Today's value of SLI ``index``: mostly good, some slower, so that statuses vary."""
    return 40.0 + (index % 13) * 7.5 + (60.0 if index % 11 == 0 else 0.0)


def previous_value(index: int, age: int) -> float:
    """The value of SLI ``index`` in the evaluation ``age`` steps back."""
    return 45.0 + (index % 13) * 7.0 + (age % 4) * 1.5


def build_case(objectives: int) -> Case:
    """The SLO, SLI results and 10 previous evaluations for ``objectives`` objectives."""
    text = slo_text(objectives)
    slo, _ = parse_slo(load_document(text, "bench-slo.yaml"))
    assert len(slo.objectives) == objectives
    values = tuple(SLIValue(sli_name(i), measured_value(i), True) for i in range(objectives))
    sli = SLIResults(
        project=PROJECT,
        stage=STAGE,
        service=SERVICE,
        start="2024-05-06T10:00:00.000Z",
        end="2024-05-06T10:05:00.000Z",
        values=values,
    )
    history = tuple(
        StoredEvaluation(
            id=f"ev-{age:02d}",
            type=EVALUATION_FINISHED,
            time=f"2024-05-{6 - age // 24:02d}T{23 - age % 24:02d}:00:00.000Z",
            project=PROJECT,
            stage=STAGE,
            service=SERVICE,
            result=PASS,
            indicator_values=tuple(
                SLIValue(sli_name(i), previous_value(i, age), True, compared_value=previous_value(i, age + 1))
                for i in range(objectives)
            ),
        )
        for age in range(1, HISTORY_SIZE + 1)
    )
    return Case(objectives, SLOFile(text, slo), sli, history)


def check(case: Case) -> dict[str, Any]:
    """Run the case once and confirm that it really compared with every previous evaluation."""
    event = evaluate_gate(case.sli, case.slo_file, case.history)
    details = event.evaluation
    results = details.indicator_results or ()
    assert event.status == "succeeded", event.message
    assert len(details.compared_events) == HISTORY_SIZE, details.compared_events
    assert len(results) == case.objectives
    statuses = {
        status: sum(1 for r in results if r.status == status)
        for status in sorted({r.status for r in results})
    }
    return {"result": event.result, "score": details.score, "statuses": statuses}


def time_case(case: Case, min_runs: int, min_seconds: float) -> list[float]:
    """Wall-clock seconds of ``evaluate_gate`` per run: at least ``min_runs`` runs and ``min_seconds``."""
    evaluate_gate(case.sli, case.slo_file, case.history)  # warm up
    timings: list[float] = []
    started = time.perf_counter()
    while len(timings) < min_runs or time.perf_counter() - started < min_seconds:
        begin = time.perf_counter()
        evaluate_gate(case.sli, case.slo_file, case.history)
        timings.append(time.perf_counter() - begin)
    return timings


def main(argv: list[str] | None = None) -> int:
    """Build, check and time every size; print the table and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="5 runs per size instead of 2 s per size")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args(argv)
    min_runs, min_seconds = (5, 0.0) if args.quick else (MIN_RUNS, MIN_SECONDS)

    rows = []
    for size in SIZES:
        case = build_case(size)
        outcome = check(case)
        timings = time_case(case, min_runs, min_seconds)
        median, best = statistics.median(timings), min(timings)
        rows.append(
            {
                "objectives": size,
                "compared_evaluations": HISTORY_SIZE,
                "runs": len(timings),
                "median_ms": median * 1e3,
                "best_ms": best * 1e3,
                "median_us_per_objective": median * 1e6 / size,
                "best_us_per_objective": best * 1e6 / size,
                **outcome,
            }
        )

    python = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    print(f"evaluate_gate, compared with {HISTORY_SIZE} previous evaluations ({python})")
    header = (
        f"{'objectives':>10}  {'runs':>5}  {'median ms':>10}  {'best ms':>9}  {'µs/objective':>12}  result"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['objectives']:>10,}  {row['runs']:>5}  {row['median_ms']:>10.3f}  {row['best_ms']:>9.3f}  "
            f"{row['median_us_per_objective']:>12.2f}  {row['result']} ({row['score']:.2f})"
        )
    target_row = next(row for row in rows if row["objectives"] == TARGET_OBJECTIVES)
    met = target_row["median_ms"] < TARGET_MS
    print(
        f"target: {TARGET_OBJECTIVES:,} objectives × {HISTORY_SIZE} evaluations < {TARGET_MS:g} ms: "
        f"{'met' if met else 'MISSED'} (median {target_row['median_ms']:.2f} ms)"
    )

    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "evaluate_gate",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "target": {"objectives": TARGET_OBJECTIVES, "median_ms_below": TARGET_MS, "met": met},
        "results": rows,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
