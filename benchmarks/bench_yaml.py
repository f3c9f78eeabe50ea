"""Time reading a 1,000-objective slo.yaml: the former pure-Python loader against the bounded libyaml path.

Rows: the loader slogate had before bounded parsing (PyYAML's pure-Python ``SafeLoader`` keeping each
scalar's text), ``load_document`` on the pure-Python parser (the fallback without libyaml),
``load_document`` on libyaml's parser (the default), and plain ``yaml.load`` with ``CSafeLoader``
(no text kept, no limits) for reference. CPU time of the process, median and best of the runs.

Run from the repository root: ``python benchmarks/bench_yaml.py`` (``--runs N``, default 15).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_evaluation import slo_text
from slogate.adapters import yamlfile
from slogate.domain.document import Scalar

OBJECTIVES = 1_000


class _FormerLoader(yaml.SafeLoader):
    """slogate's text-keeping loader before bounded parsing."""


def _keep(original: Any) -> Callable[[Any, Any], Scalar]:
    return lambda loader, node: Scalar(node.value, original(loader, node))


for _tag in ("null", "bool", "int", "float", "binary", "timestamp", "str"):
    _full = f"tag:yaml.org,2002:{_tag}"
    _FormerLoader.add_constructor(_full, _keep(yaml.SafeLoader.yaml_constructors[_full]))


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and best CPU seconds of ``runs`` calls."""
    seconds = []
    for _ in range(runs):
        began = time.process_time()
        action()
        seconds.append(time.process_time() - began)
    return statistics.median(seconds), min(seconds)


def main(argv: list[str] | None = None) -> int:
    """Check that every path reads the same document, then time each and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args(argv).runs
    text = slo_text(OBJECTIVES)
    rows: dict[str, Callable[[], object]] = {
        "former loader (pure Python)": lambda: yamlfile._plain_keys(
            next(iter(yaml.load_all(text, Loader=_FormerLoader)))
        ),
        "load_document, pure-Python parser": lambda: yamlfile._plain_keys(
            yamlfile.parse(text, keep_text=True, libyaml=False)
        ),
    }
    if yamlfile.LIBYAML:
        rows["load_document, libyaml parser"] = lambda: yamlfile.load_document(text, "slo.yaml")
        rows["yaml.load CSafeLoader (reference)"] = lambda: yaml.load(text, Loader=yaml.CSafeLoader)
    expected = repr(rows["former loader (pure Python)"]())
    for name in list(rows)[1:3]:
        assert repr(rows[name]()) == expected, f"{name} reads another document"
    print(f"slo.yaml of {OBJECTIVES} objectives, {len(text):,} characters; CPU ms, {runs} runs")
    for name, action in rows.items():
        median, best = timed(action, runs)
        print(f"  {name:36s} median {median * 1000:7.1f}  best {best * 1000:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
