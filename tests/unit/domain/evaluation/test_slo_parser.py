"""Parsing slo.yaml: yaml.v3 strictness (§2.2), defaults (§2.3), percentages (§2.4) and lint notes."""

from __future__ import annotations

import datetime

import pytest

from slogate.domain.document import Scalar, as_scalar, is_null, kind_of
from slogate.domain.evaluation.scoring import parse_threshold
from slogate.domain.evaluation.slo import SLO, Comparison, CriteriaSet, Objective, TotalScore
from slogate.domain.evaluation.slo_parser import SLOParseError, parse_slo, scalar_text
from slogate.domain.problems import Problem, Severity, child
from tests.unit.conftest import parse_with_notes, yaml_slo


def _errors(text: str) -> list[str]:
    with pytest.raises(SLOParseError) as raised:
        yaml_slo(text)
    return [str(problem) for problem in raised.value.problems]


def _objective(fields: str) -> Objective:
    return yaml_slo("objectives:\n- sli: rt\n" + fields).objectives[0]


# --- §2.2 type strictness ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("invalid", "must be a mapping, found a string", id="document-is-a-word"),
        pytest.param("42", "must be a mapping, found a number", id="document-is-a-number"),
        pytest.param("- a", "must be a mapping, found a list", id="document-is-a-list"),
        pytest.param(
            "objectives:\n- sli: a\n  pass:\n  - criteria: '<5'",
            "objectives[0].pass[0].criteria: must be a list, found a string",
            id="criteria-single-string",
        ),
        pytest.param(
            "objectives:\n- sli: a\n  key_sli: 'true'",
            "objectives[0].key_sli: must be true or false, found a string 'true' (remove the quotes)",
            id="key-sli-quoted-true",
        ),
        pytest.param(
            "objectives:\n- sli: a\n  key_sli: 1",
            "objectives[0].key_sli: must be true or false, found a number '1'",
            id="key-sli-number",
        ),
        pytest.param(
            "objectives:\n- sli: a\n  key_sli: [true]",
            "objectives[0].key_sli: must be true or false, found a list",
            id="key-sli-list",
        ),
        pytest.param(
            "objectives:\n- sli: a\n  weight: '2'",
            "objectives[0].weight: must be an integer, found a string '2'",
            id="weight-quoted",
        ),
        pytest.param(
            "objectives:\n- sli: a\n  weight: 1.0e+30",
            "objectives[0].weight: must be an integer, found a number '1.0e+30'",
            id="weight-beyond-int64",
        ),
        pytest.param(
            "objectives:\n- sli: a\n  weight: .inf",
            "objectives[0].weight: must be an integer, found a number '.inf'",
            id="weight-infinite",
        ),
        pytest.param(
            "objectives:\n- sli: a\n  weight: true",
            "objectives[0].weight: must be an integer, found a boolean 'true'",
            id="weight-boolean",
        ),
        pytest.param(
            "objectives:\n- sli: a\n  weight: 2020-01-01",
            "objectives[0].weight: must be an integer, found a date '2020-01-01'",
            id="weight-date",
        ),
        pytest.param(
            "objectives: {a: 1}", "objectives: must be a list, found a mapping", id="objectives-mapping"
        ),
        pytest.param(
            "objectives:\n- a", "objectives[0]: must be a mapping, found a string", id="objective-word"
        ),
        pytest.param(
            "objectives:\n- sli: [a]", "objectives[0].sli: must be a string, found a list", id="sli-list"
        ),
        pytest.param(
            "objectives:\n- sli: a\n  pass: [x]",
            "objectives[0].pass[0]: must be a mapping, found a string",
            id="pass-item-word",
        ),
        pytest.param(
            "objectives:\n- sli: a\n  pass: {criteria: ['<5']}",
            "objectives[0].pass: must be a list, found a mapping",
            id="pass-mapping",
        ),
        pytest.param("comparison: [1]", "comparison: must be a mapping, found a list", id="comparison-list"),
        pytest.param("filter: [1]", "filter: must be a mapping, found a list", id="filter-list"),
        pytest.param("filter: {a: [1]}", "filter.a: must be a string, found a list", id="filter-value-list"),
        pytest.param(
            "total_score: 90", "total_score: must be a mapping, found a number", id="total-score-word"
        ),
        pytest.param(
            "total_score: {pass: [90]}", "total_score.pass: must be a string, found a list", id="pass-list"
        ),
    ],
)
def test_type_errors_fail_the_whole_file(text: str, expected: str) -> None:
    """Values yaml.v3 cannot decode into Keptn's typed structs make the whole file a parse error."""
    assert _errors(text) == [expected]


def test_weight_given_as_a_list_is_an_error() -> None:
    """A list given to the integer weight is a parse error."""
    errors = _errors("objectives:\n- sli: a\n  weight: [1]")
    assert len(errors) == 1
    assert errors[0] == "objectives[0].weight: must be an integer, found a list"


def test_all_parse_errors_are_reported_at_once() -> None:
    """Every decoding error is collected, and the exception text joins them."""
    with pytest.raises(SLOParseError) as raised:
        yaml_slo("spec_version: {a: 1}\nfilter: [1]\n")
    assert [p.path for p in raised.value.problems] == ["filter", "spec_version"]
    assert str(raised.value) == (
        "filter: must be a mapping, found a list; spec_version: must be a string, found a mapping"
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param("  key_sli: true\n", True, id="true"),
        pytest.param("  key_sli: false\n", False, id="false"),
        pytest.param("  key_sli: True\n", True, id="capitalised"),
        pytest.param("  key_sli: yes\n", True, id="yaml11-yes"),
        pytest.param("  key_sli: 'on'\n", True, id="yaml11-quoted-on"),
        pytest.param("  key_sli: y\n", True, id="yaml11-y"),
        pytest.param("  key_sli: 'no'\n", False, id="yaml11-quoted-no"),
        pytest.param("  key_sli: OFF\n", False, id="yaml11-off"),
        pytest.param("  key_sli:\n", False, id="null"),
        pytest.param("", False, id="missing"),
    ],
)
def test_key_sli_booleans(fields: str, expected: bool) -> None:
    """key_sli takes YAML booleans and the YAML 1.1 words yaml.v3 accepts for typed bools."""
    assert _objective(fields).key_sli is expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param("  weight: 2\n", 2, id="integer"),
        pytest.param("  weight: 1.5\n", 1, id="float-truncated"),
        pytest.param("  weight: 2.9\n", 2, id="float-truncated-not-rounded"),
        pytest.param("  weight: -1.5\n", -1, id="negative-float-toward-zero"),
        pytest.param("  weight: 0.5\n", 1, id="float-truncated-to-zero-then-defaulted"),
        pytest.param("  weight: 0\n", 1, id="zero-defaulted"),
        pytest.param("", 1, id="missing-defaulted"),
        pytest.param("  weight:\n", 1, id="null-defaulted"),
        pytest.param("  weight: -3\n", -3, id="negative-kept"),
    ],
)
def test_weight(fields: str, expected: int) -> None:
    """weight is an integer: floats truncate toward zero, 0 and missing become 1, negatives stay."""
    assert _objective(fields).weight == expected


def test_truncated_weight_is_noted_as_a_warning() -> None:
    """A float weight is accepted but noted, with the value Keptn truncates it to."""
    _, notes = parse_with_notes("objectives:\n- sli: a\n  weight: 1.5\n")
    assert notes == (
        Problem("objectives[0].weight", "1.5 is not an integer; Keptn truncates it to 1", Severity.WARNING),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("total_score: {pass: 90}", TotalScore("90", ""), id="number-as-text"),
        pytest.param("total_score: {pass: 90%}", TotalScore("90%", ""), id="bare-percent"),
        pytest.param("total_score: {pass: '90%', warning: 75}", TotalScore("90%", "75"), id="both"),
        pytest.param("total_score: {pass: 90.50}", TotalScore("90.50", ""), id="float-text-as-written"),
        pytest.param("total_score: {pass: ~, warning: ''}", TotalScore("", ""), id="null-and-empty"),
        pytest.param("total_score: {}", TotalScore("", ""), id="empty-block"),
    ],
)
def test_total_score_scalars_are_kept_as_written(text: str, expected: TotalScore) -> None:
    """Scalars given to string fields keep their source text (pass: 90 -> "90")."""
    assert yaml_slo(text).total_score == expected


def test_filter_values_are_text() -> None:
    """Filter values are taken as written (1 -> "1"), in file order, nulls as empty strings."""
    slo = yaml_slo("filter:\n  id: 1\n  handler: ItemsController.addToCart\n  zone: ~\n  ok: true\n")
    assert slo.filter == (("id", "1"), ("handler", "ItemsController.addToCart"), ("zone", ""), ("ok", "true"))


def test_string_fields_take_any_scalar_as_text() -> None:
    """displayName, sli, spec_version and criteria accept numbers and booleans as their text."""
    slo = yaml_slo(
        """
        spec_version: 0.1
        objectives:
          - sli: 404
            displayName: true
            pass:
              - criteria: [5, '<1']
        """
    )
    assert slo.spec_version == "0.1"
    assert slo.objectives[0] == Objective("404", "true", (CriteriaSet(("5", "<1")),))


def test_unknown_keys_are_ignored_and_noted() -> None:
    """Unknown keys (e.g. a misspelt display_name) are silently lost by Keptn; lint notes them."""
    slo, notes = parse_with_notes(
        """
        foo: 1
        objectives:
          - sli: a
            display_name: Response time
            keySli: true
        comparison:
          zzzz: 1
        """
    )
    assert slo.objectives[0] == Objective("a")
    assert [str(note) for note in notes] == [
        "foo: unknown key 'foo' is ignored by Keptn "
        "(known keys: spec_version, filter, comparison, objectives, total_score, sufficiency)",
        "objectives[0].display_name: unknown key 'display_name' is ignored by Keptn "
        "(did you mean 'displayName'?)",
        "objectives[0].keySli: unknown key 'keySli' is ignored by Keptn (did you mean 'key_sli'?)",
        "comparison.zzzz: unknown key 'zzzz' is ignored by Keptn (known keys: compare_with, "
        "include_result_with_score, number_of_comparison_results, aggregate_function)",
    ]


def test_keys_are_case_sensitive() -> None:
    """DisplayName or SLI are not the known keys displayName and sli."""
    slo = yaml_slo("objectives:\n- SLI: a\n  DisplayName: b\n  sli: c\n")
    assert slo.objectives[0].sli == "c"
    assert slo.objectives[0].display_name == ""


def test_filter_keys_are_free_form() -> None:
    """Filter keys are user-defined, so none of them is noted as unknown."""
    _, notes = parse_with_notes("filter: {anything: x, other: y}")
    assert notes == ()


# --- §2.3 defaults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("objectives: []", Comparison("single_result", "all", 1, "avg"), id="block-absent"),
        pytest.param("comparison: ~", Comparison("single_result", "all", 1, "avg"), id="block-null"),
        pytest.param("comparison: {}", Comparison("", "all", 3, "avg"), id="block-empty"),
        pytest.param(
            "comparison: {compare_with: several_results}",
            Comparison("several_results", "all", 3, "avg"),
            id="number-missing-is-3",
        ),
        pytest.param(
            "comparison: {compare_with: several_results, number_of_comparison_results: 0}",
            Comparison("several_results", "all", 3, "avg"),
            id="number-zero-is-3",
        ),
        pytest.param(
            "comparison: {number_of_comparison_results: 5}",
            Comparison("", "all", 5, "avg"),
            id="number-kept",
        ),
        pytest.param(
            "comparison: {number_of_comparison_results: -2}",
            Comparison("", "all", -2, "avg"),
            id="negative-number-kept",
        ),
        pytest.param(
            "comparison: {number_of_comparison_results: 2.7}",
            Comparison("", "all", 2, "avg"),
            id="number-truncated",
        ),
        pytest.param(
            "comparison: {include_result_with_score: '', aggregate_function: ''}",
            Comparison("", "all", 3, "avg"),
            id="empty-strings-defaulted",
        ),
        pytest.param(
            "comparison: {compare_with: single_result}",
            Comparison("single_result", "all", 3, "avg"),
            id="single-result-keeps-defaulted-number",
        ),
        pytest.param(
            "comparison:\n  compare_with: several_results\n  include_result_with_score: pass_or_warn\n"
            "  number_of_comparison_results: 4\n  aggregate_function: p90\n",
            Comparison("several_results", "pass_or_warn", 4, "p90"),
            id="all-given",
        ),
        pytest.param(
            "comparison: {aggregate_function: AVG}",
            Comparison("", "all", 3, "AVG"),
            id="aggregate-kept-as-written",
        ),
    ],
)
def test_comparison_defaults(text: str, expected: Comparison) -> None:
    """An absent block gets single_result/all/1/avg; inside a present block the number defaults to 3."""
    assert yaml_slo(text).comparison == expected


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [
        pytest.param(Comparison(), 1, id="defaults"),
        pytest.param(
            Comparison("single_result", number_of_comparison_results=5), 1, id="single-ignores-number"
        ),
        pytest.param(Comparison("several_results", number_of_comparison_results=5), 5, id="several"),
        pytest.param(Comparison("", number_of_comparison_results=5), 3, id="empty-means-3"),
        pytest.param(Comparison("Single_Result", number_of_comparison_results=1), 3, id="case-sensitive"),
        pytest.param(Comparison("latest", number_of_comparison_results=1), 3, id="unknown-means-3"),
    ],
)
def test_history_size(comparison: Comparison, expected: int) -> None:
    """§4.1: single_result asks for 1, several_results for the number, anything else for 3."""
    assert comparison.history_size == expected


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        pytest.param("all", None, id="all"),
        pytest.param("pass", frozenset({"pass"}), id="pass"),
        pytest.param("PASS", frozenset({"pass"}), id="pass-case-insensitive"),
        pytest.param("pass_or_warn", frozenset({"pass", "warning"}), id="pass-or-warn"),
        pytest.param("Pass_Or_Warn", frozenset({"pass", "warning"}), id="pass-or-warn-mixed-case"),
        pytest.param("warn", None, id="unknown-means-all"),
    ],
)
def test_result_filter(option: str, expected: frozenset[str] | None) -> None:
    """include_result_with_score is compared case-insensitively; unknown values admit every result."""
    assert Comparison(include_result_with_score=option).result_filter == expected


def test_objective_defaults() -> None:
    """A bare objective: weight 1, key_sli false, empty displayName, no pass/warning (informational)."""
    objective = yaml_slo("objectives:\n- sli: rt\n").objectives[0]
    assert objective == Objective("rt", "", (), (), 1, False)
    assert objective.informational


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param("", id="missing"),
        pytest.param("  pass: []\n  warning: []\n", id="explicit-empty-lists"),
        pytest.param("  pass:\n  warning:\n", id="nulls"),
    ],
)
def test_missing_and_empty_pass_lists_are_the_same(fields: str) -> None:
    """pass/warning missing, null or [] all leave the objective without criteria (informational)."""
    objective = _objective(fields)
    assert objective.pass_sets == ()
    assert objective.warning_sets == ()
    assert objective.informational


def test_null_objective_is_dropped_with_a_note() -> None:
    """A null objective entry is dropped; lint warns about it."""
    slo, notes = parse_with_notes("objectives:\n- sli: a\n- ~\n- sli: b\n")
    assert [o.sli for o in slo.objectives] == ["a", "b"]
    assert notes == (Problem("objectives[1]", "empty objective is dropped by Keptn", Severity.WARNING),)


def test_null_criteria_item_becomes_an_empty_set_with_a_note() -> None:
    """A null pass item is kept as an empty criteria set and noted as an error for lint."""
    slo, notes = parse_with_notes("objectives:\n- sli: a\n  pass: [~, {criteria: ~}]\n")
    assert slo.objectives[0].pass_sets == (CriteriaSet(), CriteriaSet())
    assert notes == (Problem("objectives[0].pass[0]", "empty criteria item (write '- criteria: [...]')"),)


def test_criteria_sets_keep_file_order() -> None:
    """Pass and warning items and their criteria keep the order of the file, spaces included."""
    objective = _objective(
        "  pass:\n    - criteria: ['<=+10%', ' < 600']\n    - criteria: ['<1']\n"
        "  warning:\n    - criteria: ['<=800']\n"
    )
    assert objective.pass_sets == (CriteriaSet(("<=+10%", " < 600")), CriteriaSet(("<1",)))
    assert objective.warning_sets == (CriteriaSet(("<=800",)),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("spec_version: '1.0'", None, id="total-score-missing"),
        pytest.param("total_score: ~", None, id="total-score-null"),
        pytest.param("objectives: ~", (), id="objectives-null"),
    ],
)
def test_missing_blocks_are_not_defaulted(text: str, expected: object) -> None:
    """total_score and objectives are not defaulted: None / empty, to fail at evaluation time."""
    slo = yaml_slo(text)
    assert (slo.total_score if expected is None else slo.objectives) == expected


def test_empty_document_is_an_empty_slo() -> None:
    """A document without content (only a comment) parses to an SLO without anything."""
    assert yaml_slo("# nothing here\n") == SLO()


def test_objective_label_falls_back_to_sli() -> None:
    """slogate's label is the displayName, or the SLI name when the displayName is empty."""
    assert Objective("rt", "Response time").label == "Response time"
    assert Objective("rt").label == "rt"


# --- §2.4 total_score percentages -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("90%", 90.0, id="percent"),
        pytest.param("90", 90.0, id="plain"),
        pytest.param("75.5%", 75.5, id="fraction"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("bla", None, id="word"),
        pytest.param("90%%", None, id="only-one-percent-stripped"),
        pytest.param("%90", None, id="leading-percent"),
        pytest.param(" 90", None, id="space"),
        pytest.param("", None, id="empty"),
    ],
)
def test_total_score_threshold_parsing(text: str, expected: float | None) -> None:
    """Exactly one trailing % is stripped before Go's ParseFloat; other text is not a number."""
    assert parse_threshold(text) == expected


@pytest.mark.parametrize(
    "yaml_value",
    [
        pytest.param("'90%'", id="quoted-percent"),
        pytest.param("'90'", id="quoted-number"),
        pytest.param("90%", id="bare-percent"),
        pytest.param("90", id="bare-number"),
    ],
)
def test_total_score_forms_all_mean_90(yaml_value: str) -> None:
    """ "90%", "90", 90% and 90 all mean 90 percent."""
    total = yaml_slo(f"total_score:\n  pass: {yaml_value}\n").total_score
    assert total is not None
    assert parse_threshold(total.pass_) == 90.0


# --- the document tree and problems ----------------------------------------------------------------


def test_parse_slo_accepts_plain_python_documents() -> None:
    """A document of plain Python values (e.g. from JSON) parses like a YAML one."""
    slo, notes = parse_slo(
        {
            "objectives": [{"sli": "rt", "weight": 2, "key_sli": True, "pass": [{"criteria": ["<5"]}]}],
            "total_score": {"pass": 90.0},
        }
    )
    assert slo.objectives == (Objective("rt", "", (CriteriaSet(("<5",)),), (), 2, True),)
    assert slo.total_score == TotalScore("90.0", "")
    assert notes == ()


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        pytest.param(Scalar("x", "x"), Scalar("x", "x"), id="scalar"),
        pytest.param(None, Scalar("", None), id="none"),
        pytest.param(True, Scalar("true", True), id="true"),
        pytest.param(False, Scalar("false", False), id="false"),
        pytest.param("text", Scalar("text", "text"), id="str"),
        pytest.param(3, Scalar("3", 3), id="int"),
        pytest.param(1.5, Scalar("1.5", 1.5), id="float"),
        pytest.param([1], None, id="list"),
        pytest.param({"a": 1}, None, id="dict"),
    ],
)
def test_as_scalar(node: object, expected: Scalar | None) -> None:
    """Plain scalars are wrapped with their text; containers are not scalars."""
    assert as_scalar(node) == expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        pytest.param({}, "a mapping", id="mapping"),
        pytest.param([], "a list", id="list"),
        pytest.param(None, "null", id="none"),
        pytest.param(Scalar("~", None), "null", id="null-scalar"),
        pytest.param(Scalar("yes", True), "a boolean", id="boolean"),
        pytest.param(Scalar("1", 1), "a number", id="int"),
        pytest.param(2.5, "a number", id="float"),
        pytest.param("x", "a string", id="string"),
        pytest.param(Scalar("2020-01-01", datetime.date(2020, 1, 1)), "a date", id="date"),
        pytest.param(frozenset(), "a frozenset", id="other-object"),
    ],
)
def test_kind_of(node: object, expected: str) -> None:
    """Node kinds are named for error messages."""
    assert kind_of(node) == expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [(None, True), (Scalar("", None), True), (Scalar("0", 0), False), ("", False), ([], False)],
)
def test_is_null(node: object, expected: bool) -> None:
    """Only None and null scalars are null; empty strings and lists are not."""
    assert is_null(node) is expected


def test_scalar_text() -> None:
    """The source text of a scalar, empty for containers."""
    assert scalar_text(Scalar("1.50", 1.5)) == "1.50"
    assert scalar_text([1]) == ""


def test_problem_text_and_paths() -> None:
    """Problems print as 'path: message' (just the message at the root); child paths nest."""
    assert str(Problem("objectives[0]", "bad")) == "objectives[0]: bad"
    assert str(Problem("", "bad")) == "bad"
    assert child("", "objectives") == "objectives"
    assert child("objectives", 2) == "objectives[2]"
    assert child("objectives[2]", "pass") == "objectives[2].pass"
    assert Problem("a", "b").severity is Severity.ERROR
