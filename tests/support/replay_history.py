"""A scripted evaluation history of the tutorial service, stored by the real gate, for the what-if tests."""

from __future__ import annotations

import asyncio
from importlib import resources

from slogate.ports import EventStore
from slogate.services.usecases.quality_gate import GateOutcome, run_gate
from tests.fakes import FakeClock, FakeProvider
from tests.integration.usecases.test_quality_gate import RT, tutorial_request

TUTORIAL_SLO = (resources.files("slogate.demo") / "data" / "slo.yaml").read_text()
# the key SLI's limit tightened from 0.2 s to 0.1 s: builds 3 (0.15 s) and 5 (0.12 s) would have failed
TIGHTER_SLO = TUTORIAL_SLO.replace('"<=0.2"', '"<=0.1"')
assert TIGHTER_SLO != TUTORIAL_SLO
# a new objective on an SLI no build collected
WITH_CPU = TUTORIAL_SLO.replace(
    "total_score:", "  - sli: cpu_seconds\n    pass:\n      - criteria: ['<=1']\ntotal_score:"
)
BUILDS: tuple[tuple[str, dict[str, float]], ...] = (
    ("1", {RT: 0.004, "request_throughput": 0.55, "go_routines": 7.0}),
    ("2", {RT: 0.41, "request_throughput": 0.52, "go_routines": 7.0}),
    ("3", {RT: 0.15, "request_throughput": 0.50, "go_routines": 8.0}),
    ("4", {RT: 0.08, "request_throughput": 0.53, "go_routines": 7.0}),
    ("5", {RT: 0.12, "request_throughput": 0.56, "go_routines": 9.0}),
)
FLIPPED_BY_TIGHTER = ("3", "5")


def write_history(store: EventStore) -> list[GateOutcome]:
    """Run the gate once per build of ``BUILDS`` (oldest first) on ``store``, as `slogate evaluate` does."""
    clock = FakeClock()
    return [
        asyncio.run(run_gate(tutorial_request((("buildId", build),)), FakeProvider(values), store, clock))
        for build, values in BUILDS
    ]
