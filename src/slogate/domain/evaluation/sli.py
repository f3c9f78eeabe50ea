"""What a gate asks an SLI provider for, and how the provider's answer is summed up (Keptn's get-sli)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slogate.domain.protocol.gate_events import FAIL, PASS, WARNING, Labels, SLIValue

ALL_FAILED_MESSAGE = "unable to retrieve metrics"


@dataclass(frozen=True, slots=True)
class SLIRequest:
    """The data of a ``get-sli.triggered`` event plus the queries configured for the service.

    ``indicators`` are the SLO objectives' SLI names in file order; ``filters`` the SLO ``filter``
    entries (Keptn's ``customFilters``); ``queries`` the ``indicators`` of ``sli.yaml``.
    """

    project: str
    stage: str
    service: str
    start: datetime
    end: datetime
    indicators: tuple[str, ...]
    labels: Labels = ()
    deployment: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    queries: tuple[tuple[str, str], ...] = ()


def sli_outcome(values: Sequence[SLIValue]) -> tuple[str, str]:
    """The ``result`` and ``message`` of get-sli.finished: pass, warning if some failed, fail if all."""
    failed = sum(1 for value in values if not value.success)
    if not values or failed == 0:
        return PASS, ""
    if failed == len(values):
        return FAIL, ALL_FAILED_MESSAGE
    return WARNING, ""
