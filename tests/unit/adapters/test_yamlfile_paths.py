"""The libyaml path and the pure-Python path give exactly the documents the former loader gave."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from slogate.adapters import yamlfile
from slogate.domain.document import Scalar
from slogate.errors import DocumentError, DocumentLimitError

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted(
    [
        *ROOT.joinpath("tests", "data").rglob("*.yaml"),
        *ROOT.joinpath("src", "slogate", "demo", "data").rglob("*.yaml"),
    ]
)

needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml")

TRICKY = {
    "quoted numbers": (
        "a: '1'\nb: \"2.0\"\nc: 1e3\nd: 0x1F\ne: 0o17\nf: 1_000\ng: 012\nh: +1\ni: 1:20\nj: 1.0e+3\n"
    ),
    "special floats": "a: .inf\nb: -.Inf\nc: .NaN\nd: 0.\ne: -0.0\nf: 1e400\n",
    "nulls": "a: ~\nb: null\nc: Null\nd:\ne: 'null'\n~: tilde key\n",
    "booleans": "a: yes\nb: No\nc: on\nd: OFF\ne: True\nf: false\ng: y\nh: n\ni: 'true'\ntrue: key\n",
    "numeric keys": "1: one\n2.5: two and a half\n0x10: sixteen\n",
    "anchors and merge keys": (
        "base: &b {x: 1, y: 2}\nmore: &m {z: 3}\nd1:\n  <<: *b\n  y: 9\nd2:\n  <<: [*b, *m]\n  w: 0\n"
        "list: &l [1, 2]\nagain: *l\nscalar: &s text\nsame: *s\n"
    ),
    "multi-line strings": (
        "literal: |\n  line 1\n  line 2\nfolded: >\n  folded\n  text\n\n  para\nstrip: |-\n  x\n"
        "keep: >+\n  y\n\nplain: first\n  second\n"
    ),
    "quoted strings": "a: \"\\u263A \\x41 \\t tab\"\nb: 'it''s'\nc: \"multi\n  line\"\nd: ''\n",
    "duplicate keys": "a: 1\nb: 2\na: 3\n",
    "tags": (
        "a: !!str 1\nb: !!int '3'\nc: !!float 1\nd: !!binary aGVsbG8=\ne: !!timestamp 2001-12-14\n"
        "f: 2001-12-14t21:59:43.10-05:00\ng: !!set {x, y}\nh: !!omap [p: 1, q: 2]\ni: !!pairs [p: 1, p: 2]\n"
        "j: ! 12\nk: !!null ''\nl: !!bool yes\n"
    ),
    "tag directive": "%TAG !e! tag:yaml.org,2002:\n---\na: !e!str 12\n",
    "multiple documents": "a: 1\n---\nb: 2\n",
    "explicit document": "--- \nvalue\n...\n",
    "only comments": "# nothing here\n",
    "empty": "",
    "scalar document": "42\n",
    "byte order mark": "\ufeffa: 1\n",
    "flow and block": "a: [1, {b: [2, 3]}, [4]]\nc:\n- - 5\n  - 6\n- d: 7\n",
    "sequence of mappings": "- name: a\n  v: 1\n- name: b\n  v: '2'\n",
    "unicode": "größe: 'über'\n日本: 語\n",
}

BROKEN = {
    "unclosed flow": "a: [1, 2\n",
    "undefined alias": "a: *nowhere\n",
    "duplicate anchor": "a: &x 1\nb: &x 2\n",
    "unknown tag": "a: !custom x\n",
    "unhashable key": "? [a, b]\n: c\n",
    "bad indentation": "a:\n  b: 1\n c: 2\n",
    "tab indentation": "a:\n\tb: 1\n",
    "control character": "a: \x07\n",
}


class _FormerLoader(yaml.SafeLoader):
    """The text-keeping loader slogate had before bounded parsing: the reference behaviour."""


def _keep(original: Any) -> Callable[[Any, Any], Scalar]:
    return lambda loader, node: Scalar(node.value, original(loader, node))


for _tag in ("null", "bool", "int", "float", "binary", "timestamp", "str"):
    _full = f"tag:yaml.org,2002:{_tag}"
    _FormerLoader.add_constructor(_full, _keep(yaml.SafeLoader.yaml_constructors[_full]))


def former_document(text: str) -> object:
    return yamlfile._plain_keys(next(iter(yaml.load_all(text, Loader=_FormerLoader)), None))


def former_plain(text: str) -> object:
    return next(iter(yaml.safe_load_all(text)), None)


def exact(value: object) -> str:
    """A text that differs whenever type, value, order or text differ (``1 == 1.0 == True`` does not do)."""
    return repr(value)


def cases() -> list[tuple[str, str]]:
    return [*((path.name, path.read_text(encoding="utf-8")) for path in FILES), *TRICKY.items()]


def test_there_are_files_to_compare() -> None:
    assert len(FILES) >= 10


@needs_libyaml
@pytest.mark.parametrize(("name", "text"), cases(), ids=[name for name, _ in cases()])
def test_both_paths_give_the_former_documents(name: str, text: str) -> None:
    expected = exact(former_document(text))
    assert exact(yamlfile._plain_keys(yamlfile.parse(text, keep_text=True, libyaml=True))) == expected
    assert exact(yamlfile._plain_keys(yamlfile.parse(text, keep_text=True, libyaml=False))) == expected
    assert exact(yamlfile.load_document(text, name)) == expected


@needs_libyaml
@pytest.mark.parametrize(("name", "text"), cases(), ids=[name for name, _ in cases()])
def test_both_paths_give_the_former_plain_values(name: str, text: str) -> None:
    expected = exact(former_plain(text))
    assert exact(yamlfile.parse(text, keep_text=False, libyaml=True)) == expected
    assert exact(yamlfile.parse(text, keep_text=False, libyaml=False)) == expected
    assert exact(yamlfile.load_plain(text, name)) == expected


def test_scalars_keep_their_source_text() -> None:
    document = yamlfile.load_document("a: 1.50\nb: '007'\nc: ~\n", "x.yaml")
    assert document == {"a": Scalar("1.50", 1.5), "b": Scalar("007", "007"), "c": Scalar("~", None)}


@pytest.mark.parametrize("libyaml", [pytest.param(True, marks=needs_libyaml), False])
@pytest.mark.parametrize(("name", "text"), BROKEN.items(), ids=list(BROKEN))
def test_broken_documents_are_refused_on_both_paths(name: str, text: str, libyaml: bool) -> None:
    with pytest.raises(yaml.YAMLError):
        former_document(text)
    with pytest.raises(yaml.YAMLError):
        yamlfile.parse(text, keep_text=True, libyaml=libyaml)
    with pytest.raises(yaml.YAMLError):
        yamlfile.parse(text, keep_text=False, libyaml=libyaml)


def test_a_broken_document_is_a_document_error_naming_file_and_place() -> None:
    with pytest.raises(DocumentError) as caught:
        yamlfile.load_document("a: [1, 2\n", "slo.yaml")
    assert caught.value.message.startswith("slo.yaml: not valid YAML: ")
    assert not isinstance(caught.value, DocumentLimitError)
    assert "line 2" in caught.value.message
    with pytest.raises(DocumentError, match=r"^executors.yaml: not valid YAML: found undefined alias"):
        yamlfile.load_plain("a: *x\n", "executors.yaml")


@pytest.mark.parametrize("libyaml", [pytest.param(True, marks=needs_libyaml), False])
def test_safe_load_refuses_a_second_document_like_pyyaml(libyaml: bool) -> None:
    with pytest.raises(yaml.composer.ComposerError, match="expected a single document"):
        yaml.safe_load("a: 1\n---\nb: 2\n")
    with pytest.raises(yaml.composer.ComposerError, match="expected a single document"):
        yamlfile.parse("a: 1\n---\nb: 2\n", keep_text=False, single=True, libyaml=libyaml)
    assert yamlfile.safe_load("a: [1, x]\n") == {"a": [1, "x"]}
    assert yamlfile.safe_load("") is None


def test_without_libyaml_the_pure_python_parser_reads_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "LIBYAML", False)
    monkeypatch.setattr(yaml, "CSafeLoader", None)  # would fail if it were used
    assert yamlfile.load_document("a: &x [1]\nb: *x\n", "x.yaml") == {
        "a": [Scalar("1", 1)],
        "b": [Scalar("1", 1)],
    }


def test_an_error_without_a_place_still_says_what_is_wrong() -> None:
    with pytest.raises(DocumentError, match=r"^x\.yaml: not valid YAML: unacceptable character #x0007"):
        yamlfile.load_document("a: \x07\n", "x.yaml")
