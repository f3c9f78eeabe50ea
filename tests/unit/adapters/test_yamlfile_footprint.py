"""A YAML bomb is refused in milliseconds without a memory spike (a fresh process, generous bounds)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.yaml_bombs import aliases_of_a_big_node, billion_laughs, nested_block, nested_flow

MEASURE = """
import json, resource, sys, time, tracemalloc
from slogate.adapters.yamlfile import load_document
from slogate.errors import DocumentError
text = sys.stdin.read()
load_document("warm: [up]", "warm-up.yaml")


def load():
    try:
        load_document(text, "slo.yaml")
        return "accepted"
    except DocumentError as error:
        return error.message


before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
began = time.perf_counter()
outcome = load()
seconds = time.perf_counter() - began
grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
tracemalloc.start()
load()
peak = tracemalloc.get_traced_memory()[1]
measured = {"outcome": outcome, "seconds": seconds, "rss_mb": grown_kb / 1024, "peak_mb": peak / 2**20}
print(json.dumps(measured))
"""

BOMBS = {
    "billion-laughs": billion_laughs(),  # 414 bytes, 9**9 leaves
    "ten-million-nodes": billion_laughs(levels=7, width=10),
    "aliases-of-a-big-node": aliases_of_a_big_node(50_000, 1_000),
    "deep-flow-nesting": nested_flow(1_000_000),
    "deep-block-nesting": nested_block(1_000),
    "huge": "# " + "x" * (5 * 1024 * 1024),
}


@pytest.mark.parametrize("text", BOMBS.values(), ids=list(BOMBS))
def test_a_bomb_is_refused_fast_and_small(text: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE], input=text, capture_output=True, text=True, timeout=120, check=True
    )
    measured = json.loads(done.stdout)
    assert measured["outcome"].startswith("slo.yaml: refused: "), measured
    assert "limit" in measured["outcome"]
    assert measured["seconds"] < 2, measured
    assert measured["rss_mb"] < 100, measured  # the process's peak resident memory grew by less
    assert measured["peak_mb"] < 100, measured  # what Python allocated at most while parsing
