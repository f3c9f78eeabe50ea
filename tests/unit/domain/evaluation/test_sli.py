"""The get-sli.finished outcome from provider values (prometheus-service's result rules)."""

from __future__ import annotations

import pytest

from slogate.domain.evaluation.sli import ALL_FAILED_MESSAGE, sli_outcome
from slogate.domain.protocol.gate_events import FAIL, PASS, WARNING, SLIValue

GOOD = SLIValue("a", 1.0, True)
BAD = SLIValue("b", 0.0, False, "query did not return any values")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param((), (PASS, ""), id="no-indicators"),
        pytest.param((GOOD, GOOD), (PASS, ""), id="all-succeeded"),
        pytest.param((GOOD, BAD), (WARNING, ""), id="some-failed"),
        pytest.param((BAD, BAD), (FAIL, ALL_FAILED_MESSAGE), id="all-failed"),
    ],
)
def test_sli_outcome(values: tuple[SLIValue, ...], expected: tuple[str, str]) -> None:
    """All succeeded -> pass, some failed -> warning, all failed -> fail 'unable to retrieve metrics'."""
    assert sli_outcome(values) == expected
