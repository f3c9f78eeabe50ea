"""``make demo``: the offline quality-gate tour, told through real ``slogate`` commands.

It replays the Keptn tutorial's gate on the tutorial's own SLO: v0.1.1 passes, the slow v0.1.2
fails on its key SLI, the fixed v0.1.3 is compared with the last passing build only, a throughput
drop ends in a warning, and ``slo lint`` explains a broken SLO. Each evaluation is appended to a
history file, newest first, as slogate's server will keep it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

PROJECT, STAGE, SERVICE = "fulltour", "qa", "helloservice"
RESPONSE_TIME = "http_response_time_seconds_main_page_sum"


@dataclass(frozen=True)
class Build:
    """One build of the tutorial service and the SLI values its load test produced."""

    version: str
    story: str
    response_time: float
    throughput: float
    goroutines: float
    minute: int


BUILDS = (
    Build("v0.1.1", "the first build: nothing to compare with yet", 0.004, 0.55, 7, 0),
    Build("v0.1.2", "the slow build (every request sleeps 400 ms)", 0.41, 0.52, 7, 10),
    Build("v0.1.3", "the fix: compared with v0.1.1, the last build that passed", 0.005, 0.56, 8, 20),
    Build("v0.1.4", "fast again, but throughput fell by 90 %", 0.006, 0.05, 8, 30),
)


def _heading(text: str) -> None:
    print(f"\n\033[1;36m━━ {text}\033[0m", flush=True)


def _run(args: list[str]) -> int:
    """Run ``slogate ARGS`` in view of the user (its output goes straight to the terminal)."""
    print(f"\033[2m$ slogate {' '.join(args)}\033[0m", flush=True)
    code = subprocess.run([sys.executable, "-m", "slogate", *args], check=False).returncode
    print(f"\033[2m(exit code {code})\033[0m", flush=True)
    return code


def _sli_results(build: Build) -> dict[str, object]:
    start = f"2026-11-26T10:{build.minute:02d}:00.000Z"
    end = f"2026-11-26T10:{build.minute + 5:02d}:00.000Z"
    values = {
        RESPONSE_TIME: build.response_time,
        "request_throughput": build.throughput,
        "go_routines": build.goroutines,
    }
    return {
        "project": PROJECT,
        "stage": STAGE,
        "service": SERVICE,
        "labels": {"buildId": build.version},
        "get-sli": {
            "start": start,
            "end": end,
            "indicatorValues": [
                {"metric": metric, "value": value, "success": True} for metric, value in values.items()
            ],
        },
    }


def _evaluate(build: Build, workdir: Path, slo: Path, history: Path) -> None:
    sli_file = workdir / f"sli-{build.version}.json"
    sli_file.write_text(json.dumps(_sli_results(build), indent=2))
    args = ["slo", "evaluate", "--slo", str(slo), "--sli-results", str(sli_file)]
    args += ["--history", str(history)]
    _run(args)
    data = json.loads(_run_quietly([*args, "-o", "json"]))
    entries = json.loads(history.read_text())
    entry = {
        "id": str(uuid.uuid4()),
        "type": "sh.keptn.event.evaluation.finished",
        "time": data["evaluation"]["timeEnd"],
        "invalidated": False,
        "data": data,
    }
    history.write_text(json.dumps([entry, *entries], indent=2))


def _run_quietly(args: list[str]) -> str:
    return subprocess.run(
        [sys.executable, "-m", "slogate", *args], check=False, capture_output=True, text=True
    ).stdout


def run_tour(workdir: Path) -> None:
    """Run every step of the tour, writing its files into ``workdir``."""
    data = resources.files("slogate.demo") / "data"
    slo, sli, broken = (workdir / name for name in ("slo.yaml", "sli.yaml", "broken-slo.yaml"))
    for target in (slo, sli, broken):
        target.write_text((data / target.name).read_text())
    history = workdir / "history.json"
    history.write_text("[]")

    _heading("The tutorial's SLO and SLI queries, checked before use")
    _run(["slo", "lint", str(slo), "--sli", str(sli)])
    for build in BUILDS:
        _heading(f"{build.version}: {build.story}")
        _evaluate(build, workdir, slo, history)
    _heading("A broken SLO: lint reports every problem, including what Keptn silently ignores")
    _run(["slo", "lint", str(broken)])
    _heading("Done")
    print(f"Files of this tour (SLO, SLI results, history of {len(BUILDS)} evaluations): {workdir}")


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and run the tour."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workdir", type=Path, help="where to keep the tour's files (default: a temp dir)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="slogate-tour-"))
    workdir.mkdir(parents=True, exist_ok=True)
    run_tour(workdir)


if __name__ == "__main__":
    main()
