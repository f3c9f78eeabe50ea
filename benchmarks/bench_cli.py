"""Time whole ``slogate`` processes: how fast the command line starts and evaluates an SLO file.

Each case runs the installed interpreter as a new process (``python -m slogate …``), exactly as a user or a
CI job would, and a bare ``python -c pass`` runs interleaved with it, so that the ratio shows what slogate
adds on top of starting Python on this machine at this moment. After a warm-up run of each, every case
runs at least 7 times; the table shows median and best wall-clock time, and the median CPU time (user +
system) of the process, which a busy machine inflates less than wall time. Bytecode is cached in a
temporary directory (``PYTHONPYCACHEPREFIX``; ``PYTHONDONTWRITEBYTECODE`` is unset), as it is for an
installed package: the warm-up run compiles, the timed runs do not. ``slo evaluate`` runs on a
generated case (the SLO of ``bench_evaluation.py`` with 100 or 1,000 objectives, SLI results for every
objective and 10 earlier evaluations). Results go to ``benchmarks/results/bench_cli.json``.

Targets (median wall): ``--help``, ``version`` and ``slo lint`` of a small file ≤ 0.15 s; ``slo evaluate``
≤ 0.12 s with 100 objectives and ≤ 0.25 s with 1,000.

Run from the repository root: ``python benchmarks/bench_cli.py`` (``--runs N`` for more runs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``benchmarks.bench_evaluation`` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_evaluation import (  # noqa: E402
    HISTORY_SIZE,
    measured_value,
    previous_value,
    sli_name,
    slo_text,
)

MIN_RUNS = 7
RESULTS = Path(__file__).resolve().parent / "results" / "bench_cli.json"
SOURCE = ROOT / "src"
PROJECT, STAGE, SERVICE = "sockshop", "staging", "carts"
SMALL_SLO = """\
spec_version: '1.0'
comparison:
  compare_with: single_result
  include_result_with_score: pass
  aggregate_function: avg
objectives:
  - sli: response_time_p95
    displayName: "Response time P95"
    key_sli: true
    pass:
      - criteria:
          - "<=+10%"
          - "<600"
    warning:
      - criteria:
          - "<=800"
  - sli: error_rate
    pass:
      - criteria:
          - "<=1"
total_score:
  pass: "90%"
  warning: "75%"
"""


@dataclass(frozen=True)
class Command:
    """One timed command: its arguments after ``python -m slogate`` and its median target in seconds."""

    name: str
    args: tuple[str, ...]
    target_s: float


def sli_results(objectives: int) -> dict[str, Any]:
    """The data of a get-sli.finished event with a value for each of ``objectives`` SLIs."""
    return {
        "project": PROJECT,
        "stage": STAGE,
        "service": SERVICE,
        "get-sli": {
            "start": "2024-05-06T10:00:00.000Z",
            "end": "2024-05-06T10:05:00.000Z",
            "indicatorValues": [
                {"metric": sli_name(i), "value": measured_value(i), "success": True}
                for i in range(objectives)
            ],
        },
    }


def history(objectives: int) -> list[dict[str, Any]]:
    """Ten stored evaluation.finished events, newest first, each with a value for every SLI."""
    return [
        {
            "id": f"ev-{age:02d}",
            "type": "sh.keptn.event.evaluation.finished",
            "time": f"2024-05-{6 - age // 24:02d}T{23 - age % 24:02d}:00:00.000Z",
            "invalidated": False,
            "data": {
                "project": PROJECT,
                "stage": STAGE,
                "service": SERVICE,
                "result": "pass",
                "evaluation": {
                    "indicatorResults": [
                        {
                            "value": {
                                "metric": sli_name(i),
                                "value": previous_value(i, age),
                                "success": True,
                                "comparedValue": previous_value(i, age + 1),
                            }
                        }
                        for i in range(objectives)
                    ]
                },
            },
        }
        for age in range(1, HISTORY_SIZE + 1)
    ]


def write_evaluate_case(directory: Path, objectives: int) -> tuple[Path, Path, Path]:
    """Write ``slo.yaml``, ``sli.json`` and ``history.json`` of ``objectives`` objectives to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    slo = directory / "slo.yaml"
    sli = directory / "sli.json"
    previous = directory / "history.json"
    slo.write_text(slo_text(objectives), encoding="utf-8")
    sli.write_text(json.dumps(sli_results(objectives)), encoding="utf-8")
    previous.write_text(json.dumps(history(objectives)), encoding="utf-8")
    return slo, sli, previous


def evaluate_args(case: tuple[Path, Path, Path]) -> tuple[str, ...]:
    """``slo evaluate`` of a written case, JSON output."""
    slo, sli, previous = case
    return ("slo", "evaluate", "--slo", str(slo), "--sli-results", str(sli), "--history", str(previous))


def commands(directory: Path) -> list[Command]:
    """Every timed command, with its inputs written into ``directory``."""
    small = directory / "small-slo.yaml"
    small.write_text(SMALL_SLO, encoding="utf-8")
    case_100 = evaluate_args(write_evaluate_case(directory / "e100", 100))
    case_1000 = evaluate_args(write_evaluate_case(directory / "e1000", 1_000))
    return [
        Command("slogate --help", ("--help",), 0.15),
        Command("slogate version", ("version",), 0.15),
        Command("slogate slo lint (small file)", ("slo", "lint", str(small)), 0.15),
        Command("slogate slo evaluate, 100 objectives × 10", (*case_100, "-o", "json"), 0.12),
        Command("slogate slo evaluate, 1,000 objectives × 10", (*case_1000, "-o", "json"), 0.25),
    ]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(argv: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one whole process; its output is discarded, its exit code 0 or 1."""
    cpu = _children_cpu()
    begin = time.perf_counter()
    completed = subprocess.run(argv, env=environment, capture_output=True, check=False)
    elapsed = time.perf_counter() - begin
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {completed.returncode}: {completed.stderr.decode()}")
    return elapsed, _children_cpu() - cpu


def time_command(command: Command, runs: int, environment: dict[str, str]) -> dict[str, Any]:
    """Time ``command`` and a bare ``python -c pass`` alternately, after one warm-up run of each."""
    slogate = [sys.executable, "-m", "slogate", *command.args]
    bare = [sys.executable, "-c", "pass"]
    run_once(slogate, environment)
    run_once(bare, environment)
    timings: list[float] = []
    cpu: list[float] = []
    baseline: list[float] = []
    for _ in range(runs):
        wall, used = run_once(slogate, environment)
        timings.append(wall)
        cpu.append(used)
        baseline.append(run_once(bare, environment)[0])
    median, bare_median = statistics.median(timings), statistics.median(baseline)
    return {
        "command": command.name,
        "args": list(command.args),
        "runs": runs,
        "median_s": median,
        "best_s": min(timings),
        "median_cpu_s": statistics.median(cpu),
        "python_pass_median_s": bare_median,
        "ratio_to_python_pass": median / bare_median,
        "target_median_s": command.target_s,
        "met": median <= command.target_s,
    }


def main(argv: list[str] | None = None) -> int:
    """Time every command; print the table and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help=f"timed runs per case (≥ {MIN_RUNS})")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args(argv)
    runs = max(args.runs, MIN_RUNS)
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as directory:
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        environment["PYTHONPYCACHEPREFIX"] = str(Path(directory) / "pycache")
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, (str(SOURCE), environment.get("PYTHONPATH")))
        )
        rows = [time_command(command, runs, environment) for command in commands(Path(directory))]

    python = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    print(f"whole slogate processes, median of {runs} runs after a warm-up ({python})")
    header = (
        f"{'command':<44}  {'median s':>8}  {'best s':>7}  {'cpu s':>6}  {'python -c pass':>14}  "
        f"{'ratio':>6}  "
        f"{'target s':>8}  verdict"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['command']:<44}  {row['median_s']:>8.3f}  {row['best_s']:>7.3f}  "
            f"{row['median_cpu_s']:>6.3f}  "
            f"{row['python_pass_median_s']:>14.3f}  {row['ratio_to_python_pass']:>5.1f}×  "
            f"{row['target_median_s']:>8.2f}  {'met' if row['met'] else 'MISSED'}"
        )
    met = all(row["met"] for row in rows)
    print(
        f"targets: {'all met' if met else 'MISSED: ' + ', '.join(r['command'] for r in rows if not r['met'])}"
    )

    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "cli",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "targets_met": met,
        "results": rows,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
