"""Keptn's approval decision for an ``approval.triggered``: approve, decline, or wait for a person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slogate.domain.protocol.gate_events import FAIL, PASS, WARNING

AUTOMATIC, MANUAL = "automatic", "manual"


class Decision(StrEnum):
    """What the approval service does after ``approval.started``."""

    APPROVE = "approve"  # approval.finished with result pass
    DECLINE = "decline"  # approval.finished with result fail
    WAIT = "wait"  # manual: nothing more; a person sends approval.finished


@dataclass(frozen=True, slots=True)
class Approval:
    """The decision for one trigger, with the input result and the strategy Keptn reports for it."""

    result: str
    strategy: str
    decision: Decision

    @property
    def message(self) -> str:
        """The message of ``approval.started``, as Keptn words it."""
        return f"Approval strategy for result '{self.result}': {self.strategy}"

    @property
    def finished_result(self) -> str | None:
        """The result of the ``approval.finished`` to send, or None when a person decides."""
        if self.decision is Decision.APPROVE:
            return PASS
        if self.decision is Decision.DECLINE:
            return FAIL
        return None


def _text(block: Mapping[str, Any], key: str) -> str:
    value = block.get(key)
    return value if isinstance(value, str) else ""


def _block(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def input_result(data: Mapping[str, Any]) -> str:
    """``data.result`` (the previous task's result), else ``data.evaluation.result``, else ''."""
    return _text(data, "result") or _text(_block(data, "evaluation"), "result")


def strategy(result: str, approval: Mapping[str, Any]) -> str:
    """The strategy Keptn reports: the shipyard's for pass/warning (manual when unset), automatic
    for fail (an automatic decline), manual for any other result."""
    if result in (PASS, WARNING):
        return _text(approval, result) or MANUAL
    if result == FAIL:
        return AUTOMATIC
    return MANUAL


def decide(data: Mapping[str, Any]) -> Approval:
    """Keptn's rules: pass or warning whose strategy is exactly ``automatic`` → approve; fail →
    decline; anything else (manual, a missing ``approval`` block, no result) → wait."""
    result = input_result(data)
    approval = _block(data, "approval")
    if result in (PASS, WARNING) and _text(approval, result) == AUTOMATIC:
        decision = Decision.APPROVE
    elif result == FAIL:
        decision = Decision.DECLINE
    else:
        decision = Decision.WAIT
    return Approval(result, strategy(result, approval), decision)
