"""Exit codes from verdicts, the same for every command that evaluates."""

from __future__ import annotations

from slogate.domain.protocol.gate_events import ERRORED, FAIL, WARNING

EXIT_PASS, EXIT_FAIL, EXIT_ERRORED = 0, 1, 2


def exit_code(status: str, result: str, fail_on_warning: bool) -> int:
    """0 pass or warning, 1 fail (or warning with ``fail_on_warning``), 2 errored."""
    if status == ERRORED:
        return EXIT_ERRORED
    if result == FAIL or (result == WARNING and fail_on_warning):
        return EXIT_FAIL
    return EXIT_PASS
