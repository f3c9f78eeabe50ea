"""Property tests: criteria parser, Go numbers, scoring invariants, value matching and history lookups."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from slogate.domain.evaluation.comparison import previous_values, select_previous
from slogate.domain.evaluation.criteria import OPERATORS, CriterionError, parse_criterion
from slogate.domain.evaluation.gate import SLOFile, evaluate_gate
from slogate.domain.evaluation.objectives import ValuePool
from slogate.domain.evaluation.slo import SLO, Comparison, CriteriaSet, Objective, TotalScore
from slogate.domain.gonumbers import format_go_float, parse_go_float
from slogate.domain.protocol.gate_events import SLIValue, StoredEvaluation
from tests.unit.conftest import sli_results

# Enough examples to find parser corner cases, no deadline so a slow CI machine never flakes.
FAST = settings(max_examples=150, deadline=None)

CRITERIA_ALPHABET = "<=>|+-%. 0123456789eExXpP_infaINFAN"

criterion_like = st.one_of(st.text(), st.text(alphabet=CRITERIA_ALPHABET, max_size=12))


def _outcome(text: str) -> tuple[str, ...]:
    """What parsing gives: the error text, or the criterion's kind with the value as text (NaN-safe)."""
    try:
        c = parse_criterion(text)
    except CriterionError as error:
        return ("error", str(error))
    return (c.operator, repr(c.value), str(c.relative), str(c.percentage), str(c.increase))


@FAST
@given(criterion_like)
def test_parser_raises_only_criterion_error(text: str) -> None:
    """Any string either parses or raises CriterionError with one of Keptn's two messages."""
    outcome = _outcome(text)
    if outcome[0] == "error":
        assert outcome[1] in ("invalid criteria string", "could not parse criteria target value")
    else:
        assert outcome[0] in OPERATORS


@FAST
@given(criterion_like, st.lists(st.integers(min_value=0, max_value=20), max_size=6))
def test_spaces_anywhere_are_ignored(text: str, positions: list[int]) -> None:
    """Inserting spaces anywhere in a criterion never changes how it parses."""
    spaced = text
    for position in positions:
        at = position % (len(spaced) + 1)
        spaced = spaced[:at] + " " + spaced[at:]
    assert _outcome(spaced) == _outcome(text)


operator_first = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(["<", "<=", "=", ">=", ">", "|", "=>", "<>"]),
    st.text(alphabet=CRITERIA_ALPHABET, max_size=8),
)


@FAST
@given(operator_first)
def test_parsed_operator_is_one_of_five(text: str) -> None:
    """Strings passing the first-character pattern either fail step 6 or carry one of the five operators."""
    outcome = _outcome(text)
    assert outcome == ("error", "could not parse criteria target value") or outcome[0] in {
        "<",
        "<=",
        "=",
        ">=",
        ">",
    }


numbers = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)


@FAST
@given(
    st.sampled_from(OPERATORS),
    st.sampled_from(["", "+", "-"]),
    numbers,
    st.booleans(),
)
def test_round_trip_of_generated_criteria(operator: str, sign: str, number: float, percent: bool) -> None:
    """A criterion built from operator, optional sign, number and optional % parses back to those parts."""
    text = f"{operator}{sign}{format_go_float(number)}{'%' if percent else ''}"
    criterion = parse_criterion(text)
    assert criterion.operator == operator
    assert criterion.value == number
    assert criterion.relative is (bool(sign) or percent)
    assert criterion.percentage is percent
    assert criterion.increase is (sign != "-")


@FAST
@given(st.floats(allow_nan=False))
def test_go_format_round_trips_through_go_parse(value: float) -> None:
    """Every Go-formatted double (infinities as +Inf/-Inf) parses back to itself."""
    assert parse_go_float(format_go_float(value)) == value


# --- scoring invariants ------------------------------------------------------------------------------

objective_specs = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10),  # weight
        st.floats(min_value=0, max_value=100),  # pass threshold for '<='
        st.floats(min_value=0, max_value=100),  # warning threshold for '<='
        st.one_of(st.none(), st.floats(min_value=0, max_value=200)),  # measured value, None = missing
        st.booleans(),  # informational
    ),
    min_size=1,
    max_size=6,
)


def _gate_score(
    specs: list[tuple[int, float, float, float | None, bool]], key: int | None = None
) -> tuple[str, float]:
    objectives = []
    values = []
    for index, (weight, passing, warning, measured, informational) in enumerate(specs):
        sli = f"s{index}"
        objectives.append(
            Objective(
                sli,
                pass_sets=() if informational else (CriteriaSet((f"<={format_go_float(passing)}",)),),
                warning_sets=(CriteriaSet((f"<={format_go_float(warning)}",)),),
                weight=weight,
                key_sli=index == key,
            )
        )
        if measured is not None:
            values.append(SLIValue(sli, measured, True))
    slo = SLO(objectives=tuple(objectives), total_score=TotalScore("90%", "75%"))
    event = evaluate_gate(sli_results(*values), SLOFile("generated", slo), ())
    return event.evaluation.result, event.evaluation.score


@FAST
@given(objective_specs)
def test_score_is_a_percentage_for_non_negative_weights(
    specs: list[tuple[int, float, float, float | None, bool]],
) -> None:
    """With non-negative weights the total score stays within 0..100."""
    _, score = _gate_score(specs)
    assert 0.0 <= score <= 100.0


@FAST
@given(objective_specs, st.integers(min_value=0, max_value=5), st.floats(min_value=0, max_value=1))
def test_better_value_never_lowers_the_score(
    specs: list[tuple[int, float, float, float | None, bool]], pick: int, factor: float
) -> None:
    """Lowering a measured value under '<=' absolute criteria never lowers the total score."""
    index = pick % len(specs)
    weight, passing, warning, measured, informational = specs[index]
    assume(measured is not None)
    assert measured is not None
    better = list(specs)
    better[index] = (weight, passing, warning, measured * factor, informational)
    assert _gate_score(better)[1] >= _gate_score(specs)[1]


@FAST
@given(objective_specs, st.integers(min_value=0, max_value=5), st.booleans())
def test_failed_key_sli_always_fails(
    specs: list[tuple[int, float, float, float | None, bool]], pick: int, missing: bool
) -> None:
    """A scored key SLI that fails (value above both thresholds, or missing) always makes the result fail."""
    index = pick % len(specs)
    weight, passing, warning, _, _ = specs[index]
    failing = list(specs)
    measured = None if missing else max(passing, warning) + 1.0
    failing[index] = (max(weight, 1), passing, warning, measured, False)
    result, _ = _gate_score(failing, key=index)
    assert result == "fail"


# --- value matching and history lookups against straightforward reference implementations ----------


def _reference_pool(values: list[str], wanted: list[str]) -> tuple[list[str | None], list[str]]:
    """Keptn's loop: first match by scan, the last value fills the freed place."""
    pool = list(values)
    taken: list[str | None] = []
    for metric in wanted:
        for index, name in enumerate(pool):
            if name == metric:
                pool[index] = pool[-1]
                pool.pop()
                taken.append(name)
                break
        else:
            taken.append(None)
    return taken, pool


metric_names = st.lists(st.sampled_from("abcd"), max_size=10)


@FAST
@given(metric_names, metric_names)
def test_value_pool_matches_keptns_removal_order(delivered: list[str], wanted: list[str]) -> None:
    """ValuePool takes and leaves the same values, in the same order, as Keptn's scan-and-swap loop."""
    values = [SLIValue(name, float(index), True) for index, name in enumerate(delivered)]
    pool = ValuePool(values)
    taken = [pool.take(metric) for metric in wanted]
    expected_taken, expected_remaining = _reference_pool(delivered, wanted)
    assert [None if value is None else value.metric for value in taken] == expected_taken
    assert pool.remaining() == expected_remaining
    reference = list(values)
    for value in taken:
        if value is not None:
            index = reference.index(value)
            reference[index] = reference[-1]
            reference.pop()
    assert pool.remaining() == [value.metric for value in reference]


history_entries = st.lists(
    st.lists(
        st.one_of(
            st.none(),
            st.builds(SLIValue, st.sampled_from("abc"), st.floats(allow_nan=False), st.booleans()),
        ),
        max_size=4,
    ),
    max_size=5,
)


@FAST
@given(history_entries, st.sampled_from("abcd"))
def test_selected_history_lookup_matches_a_scan(entries: list[list[SLIValue | None]], sli: str) -> None:
    """The values of an SLI in the selected history are the successful ones, in event and entry order."""
    history = [StoredEvaluation(f"e{i}", indicator_values=tuple(values)) for i, values in enumerate(entries)]
    selected = select_previous(history, Comparison("several_results", "all", 10, "avg"), "p", "s", "v")
    expected = [
        v.value for values in entries for v in values if v is not None and v.metric == sli and v.success
    ]
    assert previous_values(selected).get(sli, []) == expected
