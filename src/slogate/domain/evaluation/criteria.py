"""The criteria grammar of Keptn SLOs (``<600``, ``<=+10%``, ``>=-5%``) and how a criterion is judged."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from slogate.domain.gonumbers import parse_go_float
from slogate.errors import InputError

INVALID_CRITERIA = "invalid criteria string"
INVALID_TARGET = "could not parse criteria target value"

# Checked in this order, so that "<=" wins over "<" and ">=" over ">" (and "=>" parses as "=").
OPERATORS: tuple[str, ...] = ("<=", "<", "=", ">=", ">")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
}
_NEGATED = {"<": ">=", "<=": ">", "=": "!=", ">=": "<", ">": "<="}
_FIRST_CHARACTERS = frozenset("<=>|")


class CriterionError(InputError, ValueError):
    """A criterion string that Keptn's parser rejects; ``str()`` is Keptn's own error text."""

    code = "invalid_criterion"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One parsed criterion: an operator and a threshold, absolute or relative to a baseline."""

    text: str
    operator: str
    value: float
    relative: bool = False
    percentage: bool = False
    increase: bool = True

    def target(self, baseline: float) -> float:
        """The threshold against ``baseline``, computed in Keptn's order of operations."""
        if not self.relative:
            return self.value
        if self.percentage:
            factor = 100.0 + self.value if self.increase else 100.0 - self.value
            return (baseline * factor) / 100.0
        return baseline + self.value if self.increase else baseline - self.value

    def holds(self, measured: float, target: float) -> bool:
        """Whether ``measured`` satisfies this criterion's operator against ``target``."""
        return _COMPARE[self.operator](measured, target)


def parse_criterion(text: str) -> Criterion:
    """Parse ``text`` exactly as lighthouse does, or raise :class:`CriterionError` with its message."""
    rest = text.replace(" ", "")
    if not rest or rest[0] not in _FIRST_CHARACTERS:
        raise CriterionError(INVALID_CRITERIA)
    op = next((candidate for candidate in OPERATORS if rest.startswith(candidate)), "")
    rest = rest[len(op) :]
    relative = percentage = False
    increase = True
    if rest.endswith("%"):
        relative = percentage = True
        rest = rest[:-1]
    if rest.startswith("-"):
        relative, increase = True, False
        rest = rest[1:]
    elif rest.startswith("+"):
        relative = True
        rest = rest[1:]
    value = parse_go_float(rest)
    if value is None:
        raise CriterionError(INVALID_TARGET)
    return Criterion(text, op, value, relative, percentage, increase)


def negated_operator(op: str) -> str:
    """The operator that describes a violation of ``op`` (``<=`` is violated when ``>``)."""
    return _NEGATED[op]


# Criterion texts repeat in objectives, evaluations and lint; a Criterion is immutable (errors: not cached).
cached_criterion = lru_cache(maxsize=4096)(parse_criterion)
