"""The criteria grammar (§3): parsing steps, kinds, target arithmetic and comparison."""

from __future__ import annotations

import math

import pytest

from slogate.domain.evaluation.criteria import (
    INVALID_CRITERIA,
    INVALID_TARGET,
    Criterion,
    CriterionError,
    negated_operator,
    parse_criterion,
)

Kind = tuple[str, float, bool, bool, bool]


def _kind(criterion: Criterion) -> Kind:
    return (
        criterion.operator,
        criterion.value,
        criterion.relative,
        criterion.percentage,
        criterion.increase,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # absolute thresholds
        pytest.param("<600", ("<", 600.0, False, False, True), id="crit-lt-absolute"),
        pytest.param("<=1.5", ("<=", 1.5, False, False, True), id="crit-le-absolute"),
        pytest.param("=0", ("=", 0.0, False, False, True), id="crit-eq-absolute"),
        pytest.param(">=5", (">=", 5.0, False, False, True), id="crit-ge-absolute"),
        pytest.param(">5", (">", 5.0, False, False, True), id="crit-gt-absolute"),
        # relative, percentage increase
        pytest.param("<=+10%", ("<=", 10.0, True, True, True), id="crit-percent-increase-signed"),
        pytest.param("<=10%", ("<=", 10.0, True, True, True), id="crit-percent-without-sign-is-increase"),
        # relative, percentage decrease
        pytest.param(">=-10%", (">=", 10.0, True, True, False), id="crit-percent-decrease"),
        pytest.param(">-5%", (">", 5.0, True, True, False), id="crit-percent-decrease-gt"),
        # relative, absolute delta
        pytest.param("<=+50", ("<=", 50.0, True, False, True), id="crit-delta-up"),
        pytest.param("=+1", ("=", 1.0, True, False, True), id="crit-delta-up-eq"),
        pytest.param("<-5", ("<", 5.0, True, False, False), id="crit-delta-down"),
        pytest.param("=-1", ("=", 1.0, True, False, False), id="crit-delta-down-eq"),
        pytest.param("<+50", ("<", 50.0, True, False, True), id="crit-delta-up-lt"),
        pytest.param("=0%", ("=", 0.0, True, True, True), id="crit-equal-to-baseline"),
        # step 1: every space anywhere is removed
        pytest.param("  <=+10   %", ("<=", 10.0, True, True, True), id="spaces-around-percent"),
        pytest.param("< 1 0", ("<", 10.0, False, False, True), id="spaces-inside-number"),
        pytest.param(" > = 5 ", (">=", 5.0, False, False, True), id="spaces-inside-operator"),
        # step 3: the first matching operator wins
        pytest.param("<=5", ("<=", 5.0, False, False, True), id="le-before-lt"),
        pytest.param(">=5", (">=", 5.0, False, False, True), id="ge-before-gt"),
        # step 6: Go ParseFloat forms
        pytest.param("<.5", ("<", 0.5, False, False, True), id="parsefloat-leading-dot"),
        pytest.param("<5.", ("<", 5.0, False, False, True), id="parsefloat-trailing-dot"),
        pytest.param("<1e3", ("<", 1000.0, False, False, True), id="parsefloat-exponent"),
        pytest.param("<10.5", ("<", 10.5, False, False, True), id="parsefloat-decimal"),
        pytest.param("<inf", ("<", math.inf, False, False, True), id="parsefloat-inf"),
        pytest.param("<=+inf%", ("<=", math.inf, True, True, True), id="parsefloat-inf-percent"),
        pytest.param("<1_000", ("<", 1000.0, False, False, True), id="parsefloat-underscore"),
        pytest.param("<0x1p4", ("<", 16.0, False, False, True), id="parsefloat-hex"),
        # step 5 removes one sign; ParseFloat then accepts a second one
        pytest.param("<=+-5", ("<=", -5.0, True, False, True), id="sign-then-signed-number"),
    ],
)
def test_parse_criterion_kinds(text: str, expected: Kind) -> None:
    """Each written form gives the operator, value and kind listed in §3."""
    assert _kind(parse_criterion(text)) == expected


def test_parse_criterion_accepts_nan_target() -> None:
    """Go's ParseFloat admits NaN, so '<NaN' parses (and never holds)."""
    criterion = parse_criterion("<NaN")
    assert criterion.operator == "<"
    assert math.isnan(criterion.value)
    assert not criterion.holds(1.0, criterion.target(0.0))


def test_parse_criterion_keeps_the_text_as_written() -> None:
    """The criterion keeps its original text, spaces included, for the reported target."""
    assert parse_criterion("  <=+10   %").text == "  <=+10   %"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("invalid", INVALID_CRITERIA, id="word"),
        pytest.param("?10", INVALID_CRITERIA, id="unknown-operator"),
        pytest.param("10", INVALID_CRITERIA, id="no-operator"),
        pytest.param("+10", INVALID_CRITERIA, id="sign-without-operator"),
        pytest.param("", INVALID_CRITERIA, id="empty"),
        pytest.param("   ", INVALID_CRITERIA, id="only-spaces"),
        pytest.param("!=5", INVALID_CRITERIA, id="not-equal"),
        pytest.param("<10abc", INVALID_TARGET, id="trailing-letters"),
        pytest.param("<=10 ms", INVALID_TARGET, id="unit-after-number"),
        pytest.param("<10%%", INVALID_TARGET, id="double-percent"),
        pytest.param("<", INVALID_TARGET, id="operator-alone"),
        pytest.param("<=+", INVALID_TARGET, id="sign-alone"),
        pytest.param("<=-", INVALID_TARGET, id="minus-alone"),
        pytest.param("<%", INVALID_TARGET, id="percent-alone"),
        pytest.param("<+%", INVALID_TARGET, id="sign-and-percent-alone"),
        pytest.param("|5", INVALID_TARGET, id="pipe-passes-pattern-then-fails"),
        pytest.param("|<5", INVALID_TARGET, id="pipe-before-operator"),
        pytest.param("=>5", INVALID_TARGET, id="reversed-ge"),
        pytest.param("<>5", INVALID_TARGET, id="angle-brackets"),
        pytest.param("<<5", INVALID_TARGET, id="double-lt"),
        pytest.param("<+-+5", INVALID_TARGET, id="three-signs"),
        pytest.param("<+-nan", INVALID_TARGET, id="signed-nan-after-sign-removal"),
        pytest.param("<1e400", INVALID_TARGET, id="range-error"),
        pytest.param("<0x1p99999", INVALID_TARGET, id="hex-range-error"),
        pytest.param("<\u0131nf", INVALID_TARGET, id="non-ascii-inf"),
        pytest.param("<\t5", INVALID_TARGET, id="tab-is-not-a-space"),
    ],
)
def test_parse_criterion_errors(text: str, message: str) -> None:
    """Invalid criteria raise CriterionError with Keptn's exact error text."""
    with pytest.raises(CriterionError) as raised:
        parse_criterion(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "baseline", "expected"),
    [
        pytest.param("<600", 5.0, 600.0, id="absolute-ignores-baseline"),
        pytest.param("<=+10%", 5.0, 5.5, id="spec-example-increase"),
        pytest.param("<=10%", 5.0, 5.5, id="unsigned-percent-is-increase"),
        # (100 + p) first, then * baseline, then / 100: 0.1*110/100 is 0.11, not 0.11000000000000001
        pytest.param("<=+10%", 0.1, (0.1 * (100.0 + 10.0)) / 100.0, id="increase-order-of-operations"),
        pytest.param(">=-10%", 0.1, (0.1 * (100.0 - 10.0)) / 100.0, id="decrease-order-of-operations"),
        pytest.param(">=-5%", 0.7, (0.7 * (100.0 - 5.0)) / 100.0, id="decrease-order-of-operations-2"),
        pytest.param(">=-10%", 200.0, 180.0, id="percent-decrease"),
        pytest.param("=0%", 123.456, 123.456, id="zero-percent-is-the-baseline"),
        pytest.param("<=+10%", 0.0, 0.0, id="percent-of-zero-is-zero"),
        pytest.param("<=+50", 100.0, 150.0, id="delta-up"),
        pytest.param("<-5", 100.0, 95.0, id="delta-down"),
        pytest.param("=-1", 0.0, -1.0, id="delta-down-from-zero"),
    ],
)
def test_criterion_target(text: str, baseline: float, expected: float) -> None:
    """Targets are computed in Keptn's order of operations, bit for bit."""
    assert parse_criterion(text).target(baseline) == expected


def test_percentage_target_order_differs_from_naive_factor() -> None:
    """The exact order matters: baseline*(100+p)/100 differs from baseline*(1+p/100) for 0.1 and 10 %."""
    target = parse_criterion("<=+10%").target(0.1)
    assert target == 0.11
    assert target != 0.1 * (1 + 10 / 100)


@pytest.mark.parametrize(
    ("operator", "measured", "target", "holds"),
    [
        pytest.param("<", 1.0, 2.0, True, id="lt-below"),
        pytest.param("<", 2.0, 2.0, False, id="lt-equal"),
        pytest.param("<=", 2.0, 2.0, True, id="le-equal"),
        pytest.param("<=", 2.5, 2.0, False, id="le-above"),
        pytest.param("=", 2.0, 2.0, True, id="eq-equal"),
        pytest.param("=", 0.1 + 0.2, 0.3, False, id="eq-is-exact-float-equality"),
        pytest.param(">=", 2.0, 2.0, True, id="ge-equal"),
        pytest.param(">=", 1.0, 2.0, False, id="ge-below"),
        pytest.param(">", 3.0, 2.0, True, id="gt-above"),
        pytest.param(">", 2.0, 2.0, False, id="gt-equal"),
    ],
)
def test_criterion_holds_uses_operator_literally(
    operator: str, measured: float, target: float, holds: bool
) -> None:
    """The measured value is compared with the target by the operator as written."""
    assert Criterion("x", operator, target).holds(measured, target) is holds


@pytest.mark.parametrize(
    ("operator", "negated"),
    [("<", ">="), ("<=", ">"), ("=", "!="), (">=", "<"), (">", "<=")],
)
def test_negated_operator(operator: str, negated: str) -> None:
    """Each operator has the operator that describes its violation."""
    assert negated_operator(operator) == negated
