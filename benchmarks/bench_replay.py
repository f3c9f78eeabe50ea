"""Time the what-if replay: 1,000 stored evaluations of 50 objectives each, re-judged under a new SLO.

1. Evaluates 1,000 builds of one service in turn with the real engine (``evaluate_gate``) under an
   SLO of 50 objectives (absolute and relative criteria, ``compare_with: several_results`` over 3
   passing builds), each against the builds before it, and stores each ``evaluation.finished`` in a
   SQLite file with ``SqlEventStore.add``; every 40th build is invalidated.
2. Times ``replay_history`` (the use case behind ``slogate evaluations replay`` and the API): load
   the history, replay every build oldest first under a tightened SLO, report the newest 1,000 and
   the newest 50 (the default; the same 1,000 are replayed for their baselines), and the newest 50
   under the same SLO with ``include_result_with_score: all`` (Keptn's default: only the baselines
   of the oldest reported build are loaded). Best and median of several runs, in seconds; also the
   number of builds whose verdict changes.

Target (SQLite, this machine): a replay of 1,000 evaluations of 50 objectives <= 2 s.
Run from the repository root: ``python benchmarks/bench_replay.py`` (``--quick`` for 200 builds).
Writes ``benchmarks/results/bench_replay.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.yamlfile import load_document
from slogate.domain.evaluation.gate import evaluate_gate
from slogate.domain.protocol.gate_events import (
    EVALUATION_FINISHED,
    EVALUATION_INVALIDATED,
    LIGHTHOUSE,
    KeptnEvent,
    SLIResults,
    SLIValue,
    StoredEvaluation,
)
from slogate.domain.protocol.gate_json import decode_history, encode_evaluation_finished
from slogate.services.usecases import offline_gate as gate
from slogate.services.usecases.replay import ReplayRequest, replay_history

RESULTS = Path(__file__).resolve().parent / "results" / "bench_replay.json"
TARGET_SECONDS = 2.0
OBJECTIVES = 50
SCOPE = ("bench", "qa", "checkout")


def slo_text(limit: float, include: str = "pass") -> str:
    """An SLO of 50 objectives: even ones absolute (``<limit``), odd ones relative and absolute."""
    lines = [
        "spec_version: '1.0'",
        "comparison:",
        "  compare_with: several_results",
        "  number_of_comparison_results: 3",
        f"  include_result_with_score: {include}",
        "  aggregate_function: avg",
        "objectives:",
    ]
    for n in range(OBJECTIVES):
        criteria = f'["<{limit}"]' if n % 2 == 0 else f'["<=+25%", "<{limit * 1.5}"]'
        lines += [f"  - sli: sli_{n:02}", "    pass:", f"      - criteria: {criteria}"]
        lines += ["    warning:", f'      - criteria: ["<{limit * 2}"]']
    lines += ["total_score:", '  pass: "90%"', '  warning: "75%"']
    return "\n".join(lines) + "\n"


def fill(store: SqlEventStore, builds: int) -> None:
    """Evaluate ``builds`` builds in turn, each against the earlier ones, and store them."""
    loaded = gate.load_slo(slo_text(100.0), "slo.yaml", load_document)
    rng = random.Random(21)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    history: list[StoredEvaluation] = []
    events: list[KeptnEvent] = []
    for n in range(builds):
        values = tuple(SLIValue(f"sli_{i:02}", rng.uniform(40.0, 110.0), True) for i in range(OBJECTIVES))
        sli = SLIResults(
            *SCOPE, labels=(("buildId", str(n)),), start="2026-01-01T00:00:00.000Z", values=values
        )
        finished = evaluate_gate(sli, loaded.file, history[:20])  # the newest 20 hold 3 passing ones here
        data = encode_evaluation_finished(finished)
        event = KeptnEvent(
            str(uuid.uuid4()),
            EVALUATION_FINISHED,
            LIGHTHOUSE,
            start + timedelta(minutes=n),
            str(uuid.uuid4()),
            data,
            triggeredid=str(uuid.uuid4()),
        )
        events.append(event)
        invalidated = n % 40 == 39
        entry = {"id": event.id, "invalidated": invalidated, "data": data}
        history.insert(0, decode_history([entry])[0])
        if invalidated:
            invalidation = KeptnEvent(
                str(uuid.uuid4()),
                EVALUATION_INVALIDATED,
                "bench",
                event.time,
                event.shkeptncontext,
                {"project": SCOPE[0], "stage": SCOPE[1], "service": SCOPE[2]},
                triggeredid=event.triggeredid,
            )
            events.append(invalidation)
    for first in range(0, len(events), 200):
        store.add(events[first : first + 200])


def time_replay(store: SqlEventStore, last: int, runs: int, include: str = "pass") -> tuple[list[float], int]:
    """Seconds of each of ``runs`` replays under the tightened SLO; builds whose verdict changes."""
    tightened = gate.load_slo(slo_text(90.0, include), "slo-tighter.yaml", load_document)
    request = ReplayRequest(*SCOPE, tightened, last)
    timings, changed = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        report = replay_history(store, request)
        timings.append(time.perf_counter() - started)
        changed = report.changed
    return timings, changed


def main() -> None:
    """Fill, time, print a table, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="200 builds and fewer runs, for a smoke run")
    args = parser.parse_args()
    builds, runs = (200, 2) if args.quick else (1_000, 5)
    with tempfile.TemporaryDirectory(prefix="slogate-bench-") as directory:
        engine = open_database(f"sqlite:///{Path(directory) / 'history.db'}")
        try:
            upgrade(engine)
            store = SqlEventStore(engine)
            started = time.perf_counter()
            fill(store, builds)
            filled = time.perf_counter() - started
            rows = {f"{last:,}": time_replay(store, last, runs) for last in (builds, 50)}
            rows["50, filter all"] = time_replay(store, 50, runs, "all")
        finally:
            engine.dispose()
    print(f"slogate what-if replay (CPython {platform.python_version()}, {os.cpu_count()} CPUs, SQLite)")
    print(
        f"{builds:,} stored evaluations of {OBJECTIVES} objectives (stored in {filled:.1f} s), "
        f"{runs} runs each"
    )
    print(
        f"{'reported builds':>16} {'best s':>8} {'median s':>9} {'changed':>8}  "
        f"target <= {TARGET_SECONDS:.0f} s"
    )
    results = {}
    for last, (timings, changed) in rows.items():  # "filter all": include_result_with_score: all
        best, median = min(timings), statistics.median(timings)
        verdict = "met" if median <= TARGET_SECONDS else "MISSED"
        print(f"{last:>16} {best:>8.3f} {median:>9.3f} {changed:>8}  {verdict}")
        results[last] = {"best_s": best, "median_s": median, "changed": changed, "timings_s": timings}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "stored_evaluations": builds,
        "objectives": OBJECTIVES,
        "target_s": TARGET_SECONDS,
        "replays": results,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    RESULTS.write_text(json.dumps(document, indent=2))
    print(f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
