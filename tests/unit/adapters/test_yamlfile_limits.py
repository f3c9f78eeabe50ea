"""Alias bombs, deep nesting and huge documents are refused with the limit named, on both parser paths."""

from __future__ import annotations

import pytest
import yaml

from slogate.adapters import yamlcompose, yamlfile
from slogate.errors import DocumentError, DocumentLimitError
from tests.support.yaml_bombs import aliases_of_a_big_node, billion_laughs, nested_block, nested_flow

PATHS = [pytest.param(True, marks=pytest.mark.skipif(not yaml.__with_libyaml__, reason="no libyaml")), False]


def parse(text: str, libyaml: bool) -> object:
    return yamlfile.parse(text, keep_text=True, libyaml=libyaml)


@pytest.mark.parametrize("libyaml", PATHS)
def test_billion_laughs_is_refused_naming_the_node_limit(libyaml: bool) -> None:
    text = billion_laughs()
    assert len(text) < 500
    with pytest.raises(yamlcompose.YAMLLimitError, match=f"limit of {yamlcompose.MAX_NODES} nodes"):
        parse(text, libyaml)


def test_the_refusal_is_a_document_error_for_the_file() -> None:
    with pytest.raises(DocumentLimitError) as caught:
        yamlfile.load_document(billion_laughs(), "slo.yaml")
    message = caught.value.message
    assert message.startswith("slo.yaml: refused: more than the limit of 250000 nodes")
    assert "alias" in message
    assert "line " in message
    with pytest.raises(DocumentError, match=r"^webhook.yaml: refused: .*limit of 250000 nodes"):
        yamlfile.load_plain(billion_laughs(), "webhook.yaml")


@pytest.mark.parametrize("libyaml", PATHS)
def test_a_small_alias_tree_within_the_limit_is_read_expanded(libyaml: bool) -> None:
    document = yamlfile.parse(billion_laughs(levels=3, width=3), keep_text=False, libyaml=libyaml)
    assert isinstance(document, dict)
    assert document["l3"] == [[["lol"] * 3] * 3] * 3


@pytest.mark.parametrize("libyaml", PATHS)
def test_many_aliases_to_one_big_node_are_refused(libyaml: bool) -> None:
    text = aliases_of_a_big_node(20_000, 13)
    with pytest.raises(yamlcompose.YAMLLimitError, match="limit of 250000 nodes") as caught:
        parse(text, libyaml)
    mark = caught.value.problem_mark
    assert mark is not None
    assert mark.line == 1
    fewer = aliases_of_a_big_node(20_000, 11)
    assert len(yamlfile.parse(fewer, keep_text=False, libyaml=libyaml)["copies"]) == 11  # type: ignore[index]


@pytest.mark.parametrize("libyaml", PATHS)
def test_the_node_limit_counts_exactly(libyaml: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlcompose, "MAX_NODES", 10)
    assert parse("[" + ", ".join(["1"] * 9) + "]", libyaml) is not None  # the list and 9 items
    with pytest.raises(yamlcompose.YAMLLimitError, match="limit of 10 nodes"):
        parse("[" + ", ".join(["1"] * 10) + "]", libyaml)
    assert parse("a: &a [1, 2]\nb: *a\n", libyaml) is not None  # 1 + 2×(1+2) + 1 = 8
    with pytest.raises(yamlcompose.YAMLLimitError, match="limit of 10 nodes"):
        parse("a: &a [1, 2]\nb: *a\nc: *a\n", libyaml)  # 8 + 1 + 3 = 12


@pytest.mark.parametrize("libyaml", PATHS)
@pytest.mark.parametrize("nested", [nested_flow, nested_block], ids=["flow", "block"])
def test_nesting_deeper_than_the_limit_is_refused(libyaml: bool, nested: object) -> None:
    assert callable(nested)
    assert parse(nested(yamlcompose.MAX_DEPTH), libyaml) is not None
    with pytest.raises(
        yamlcompose.YAMLLimitError, match=f"more than the limit of {yamlcompose.MAX_DEPTH} levels"
    ):
        parse(nested(yamlcompose.MAX_DEPTH + 1), libyaml)


@pytest.mark.parametrize("libyaml", PATHS)
def test_very_deep_nesting_is_refused_without_recursion_errors(libyaml: bool) -> None:
    for depth in (1_001, 100_000):
        with pytest.raises(yamlcompose.YAMLLimitError, match="nested more than the limit of 100 levels deep"):
            parse(nested_flow(depth), libyaml)
    with pytest.raises(
        DocumentError, match=r"^shipyard\.yaml: refused: nested more than the limit of 100 levels"
    ):
        yamlfile.load_document(nested_block(500), "shipyard.yaml")


@pytest.mark.parametrize("libyaml", PATHS)
def test_an_alias_counts_the_levels_it_repeats(libyaml: bool) -> None:
    deep = nested_flow(60)
    assert parse(f"a: &deep {deep}\n", libyaml) is not None
    with pytest.raises(yamlcompose.YAMLLimitError, match="limit of 100 levels"):
        parse(f"a: &deep {deep}\nb: {'[' * 45}*deep{']' * 45}\n", libyaml)  # 2 + 45 + 60 - 1 levels


@pytest.mark.parametrize("libyaml", PATHS)
def test_a_recursive_alias_is_refused(libyaml: bool) -> None:
    with pytest.raises(yamlcompose.YAMLLimitError, match=r"the alias \*a is inside the node it refers to"):
        parse("a: &a [1, *a]\n", libyaml)
    with pytest.raises(DocumentError, match="recursive structure is not allowed"):
        yamlfile.load_plain("a: &a {b: *a}\n", "executors.yaml")


def test_a_document_larger_than_the_limit_is_refused_before_parsing() -> None:
    limit = yamlcompose.MAX_CHARACTERS
    assert yamlfile.load_document("#" * limit, "slo.yaml") is None
    with pytest.raises(DocumentError) as caught:
        yamlfile.load_document("#" * (limit + 1), "slo.yaml")
    assert caught.value.message == (
        f"slo.yaml: refused: {limit + 1} characters exceed the limit of {limit} characters for a YAML "
        "document: split the file or make it smaller"
    )
    with pytest.raises(yamlcompose.YAMLLimitError, match="characters exceed the limit"):
        yamlfile.safe_load("a" * (limit + 1))


def test_a_limit_error_without_a_place_prints_its_problem() -> None:
    assert str(yamlcompose.YAMLLimitError("too big")) == "too big"


# --- libyaml's own composer: documents without aliases and no longer than MAX_NODES characters ----------


def test_only_small_documents_without_aliases_are_composed_by_libyaml() -> None:
    assert yamlcompose.fits_libyaml_composer("a: [1, 2]\n")
    assert not yamlcompose.fits_libyaml_composer("a: &x 1\nb: *x\n")  # an alias could expand
    assert not yamlcompose.fits_libyaml_composer("#" * (yamlcompose.MAX_NODES + 1))
    assert yamlcompose.fits_libyaml_composer("#" * yamlcompose.MAX_NODES)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="no libyaml")
@pytest.mark.parametrize(
    "text", ["?\n" * 200, "? ? ? \n" * 30, "- - -\n" * 40, "-\n" * 200, "{?, ?}\n" * 1, "[a," * 50 + "]" * 50]
)
def test_libyaml_composes_at_most_one_node_per_character_and_the_root(text: str) -> None:
    """The memory bound of the fast path: its tree is no bigger than the bounded composer lets one grow."""
    loader = yaml.CSafeLoader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    assert root is not None
    nodes, pending = 0, [root]
    while pending:
        node = pending.pop()
        nodes += 1
        if isinstance(node.value, list):
            for item in node.value:
                pending.extend(item if isinstance(item, tuple) else (item,))
    assert 0 < nodes <= len(text) + 1


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="no libyaml")
@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("[" + ", ".join(["1"] * 10) + "]", 10),
        ("a: {b: [1, 2]}\nc: [[3], {d: 4}, 5]\n", 9),
        (nested_flow(8), 20),
        (nested_block(9), 20),
    ],
)
def test_the_checked_libyaml_tree_is_refused_where_the_bounded_composer_refuses_it(
    text: str, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same limits, same message, same line and column on both composers (MAX_NODES and MAX_DEPTH
    lowered so that small documents break them; the fast path forced on)."""
    monkeypatch.setattr(yamlcompose, "MAX_NODES", limit)
    monkeypatch.setattr(yamlcompose, "MAX_DEPTH", 7)
    refusals = []
    for fast in (True, False):
        monkeypatch.setattr(yamlfile, "fits_libyaml_composer", lambda _text, fast=fast: fast)
        with pytest.raises(yamlcompose.YAMLLimitError) as caught:
            yamlfile.parse(text, keep_text=True, libyaml=True)
        refusals.append(str(caught.value))
    assert refusals[0] == refusals[1]
    assert "line " in refusals[0]
