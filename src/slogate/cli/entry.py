"""The ``slogate`` console script: the garbage collector tuned for a short command, then the CLI."""

from __future__ import annotations

import gc

PYTHON_THRESHOLD = gc.get_threshold()  # (700, 10, 10) unless the interpreter was started otherwise
COMMAND_THRESHOLD = (100_000, 50, 100)


def main() -> None:
    """Run ``slogate``. A command allocates in one burst and exits, and with Python's thresholds the
    collector walks the same live objects again and again while modules load and documents are read
    (about a tenth of ``slo evaluate``'s time); like mypy, the CLI collects less often. Garbage without
    cycles is freed at once either way; ``slogate server`` restores Python's thresholds."""
    gc.set_threshold(*COMMAND_THRESHOLD)
    from slogate.cli.app import main as run_cli  # after the threshold: imports allocate most

    run_cli()


def collect_as_python_does() -> None:
    """Python's own collector thresholds again, for a process that runs for long (the server)."""
    gc.set_threshold(*PYTHON_THRESHOLD)
