"""Fixtures shared by every test directory, and the rule that marks real-parts tests ``slow``.

The fixtures start a real Prometheus, the sample service, a throwaway PostgreSQL and a real browser. Each
test that needs one of them or a process tree is marked ``slow``: ``make test-fast`` leaves those out,
``make test`` runs everything.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest_plugins = ["tests.support.prometheus", "tests.support.postgres", "tests.support.browser"]

# fixtures that start a real Prometheus, sample service, PostgreSQL or browser
REAL_PART_FIXTURES = frozenset(
    {
        "prometheus_factory",
        "live_prometheus",
        "hello_app",
        "chromium_browser",
        "page",
        "bridge",
        "postgres_server",
    }
    | {"postgres_database_url"}
)
# test modules whose every test runs real processes (servers, executors' process trees, the CLI as a program)
PROCESS_TREE_PATHS = (
    "tests/e2e/",
    "tests/integration/executors/",
    "tests/integration/demo/",
    "tests/integration/cli/test_cli_program.py",
)


def needs_real_parts(item: pytest.Item) -> bool:
    """Whether ``item`` needs a real Prometheus, PostgreSQL, browser or process tree."""
    if item.nodeid.startswith(PROCESS_TREE_PATHS):
        return True
    if REAL_PART_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    callspec: Any = getattr(item, "callspec", None)
    return callspec is not None and any(value == "postgresql" for value in callspec.params.values())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need real parts as ``slow``."""
    for item in items:
        if needs_real_parts(item):
            item.add_marker(pytest.mark.slow)
