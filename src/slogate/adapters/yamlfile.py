"""Read YAML safely and within limits into the domain's document tree, keeping each scalar's source text.

Every YAML text from users goes through here: libyaml's parser (PyYAML's pure-Python one when libyaml is
absent) feeds :class:`~slogate.adapters.yamlcompose.BoundedComposer`, which refuses alias bombs, deep
nesting and huge documents before they cost time or memory; PyYAML's safe constructor builds the values."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import Node, ScalarNode

from slogate.adapters.yamlbuild import NotPlainError, build
from slogate.adapters.yamlcompose import (
    BoundedComposer,
    YAMLLimitError,
    check_composed,
    check_size,
    depth_error,
    fits_libyaml_composer,
)
from slogate.domain.document import Scalar
from slogate.errors import DocumentError, DocumentLimitError

__all__ = ["YAMLLimitError", "load_document", "load_plain", "safe_load"]

_SCALAR_TAGS = ("null", "bool", "int", "float", "binary", "timestamp", "str")

LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"  # libyaml's scanner reads ahead of our composer
LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))  # libyaml's C parser is there


class _TextKeepingConstructor(SafeConstructor):
    """PyYAML's safe constructor whose scalars become :class:`Scalar` (text as written + value)."""


def _keep_text(original: Any) -> Any:
    def construct(constructor: SafeConstructor, node: ScalarNode) -> Scalar:
        return Scalar(node.value, original(constructor, node))

    return construct


for _tag in _SCALAR_TAGS:
    _full_tag = f"tag:yaml.org,2002:{_tag}"
    _TextKeepingConstructor.add_constructor(
        _full_tag, _keep_text(SafeConstructor.yaml_constructors[_full_tag])
    )


def parse(
    text: str, *, keep_text: bool, single: bool = False, libyaml: bool | None = None, text_keys: bool = False
) -> object:
    """The first YAML document of ``text`` (None when there is none); yaml.YAMLError (YAMLLimitError for
    a limit) when it does not parse. ``keep_text`` makes scalars :class:`Scalar`; ``single`` refuses a
    second document; ``libyaml`` chooses the parser (default: the C one when available); ``text_keys`` makes
    mapping keys their text, so that the domain indexes mappings by string."""
    check_size(text)
    use_c = LIBYAML if libyaml is None else libyaml
    events: Any = yaml.CSafeLoader(text) if use_c else yaml.SafeLoader(text)  # both an EventSource
    try:
        alias_free = use_c and fits_libyaml_composer(text)
        if alias_free:
            node = _composed_by_libyaml(events, single=single)
        else:
            node = BoundedComposer(events).first_document(single=single)
    except yaml.MarkedYAMLError as error:
        if error.problem != LIBYAML_TOO_DEEP:
            raise
        raise depth_error(error.problem_mark) from None  # libyaml's own limit (1000) met first
    finally:
        events.dispose()
    if node is None:
        return None
    if alias_free:
        try:
            return build(node, keep_text=keep_text, text_keys=text_keys)
        except NotPlainError:
            pass  # a tag or key of another kind: PyYAML's constructor builds it
    constructor = _TextKeepingConstructor() if keep_text else SafeConstructor()
    document = constructor.construct_document(node)
    return _plain_keys(document) if text_keys else document


def _composed_by_libyaml(loader: Any, *, single: bool) -> Node | None:
    """The first document's root node as libyaml composes it, held to the limits (None if there is none)."""
    if single:
        node: Node | None = loader.get_single_node()
    else:
        node = loader.get_node() if loader.check_node() else None
    if node is not None:
        check_composed(node)
    return node


def _plain_keys(node: object) -> object:
    """Mapping keys become their text, so that the domain indexes mappings by string."""
    if isinstance(node, dict):
        return {_key_text(key): _plain_keys(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain_keys(item) for item in node]
    return node


def _key_text(key: object) -> str:
    return key.text if isinstance(key, Scalar) else str(key)


def load_document(text: str, source: str) -> object:
    """Parse the first YAML document of ``text``; ``source`` names the file in errors."""
    try:
        return parse(text, keep_text=True, text_keys=True)
    except yaml.YAMLError as error:
        raise _document_error(source, error) from error
    except RecursionError as error:  # pragma: no cover - the depth limit comes first
        raise DocumentError(source, "not valid YAML: nested too deeply") from error


def _document_error(source: str, error: yaml.YAMLError) -> DocumentError:
    if isinstance(error, YAMLLimitError):
        return DocumentLimitError(source, f"refused: {error}")
    return DocumentError(source, _describe(error))


def _describe(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return f"not valid YAML: {problem}"
    return f"not valid YAML: {problem} (line {mark.line + 1}, column {mark.column + 1})"


def load_plain(text: str, source: str) -> object:
    """Parse the first YAML document of ``text`` into plain Python values (configuration files whose
    values executors use as they are); ``source`` names the file in errors."""
    try:
        return parse(text, keep_text=False)
    except yaml.YAMLError as error:
        raise _document_error(source, error) from error
    except RecursionError as error:  # pragma: no cover - the depth limit comes first
        raise DocumentError(source, "not valid YAML: nested too deeply") from error


def safe_load(text: str) -> object:
    """``yaml.safe_load`` within the limits: one document in plain values; yaml.YAMLError (with
    ``problem`` and ``problem_mark``) when it does not parse or breaks a limit."""
    return parse(text, keep_text=False, single=True)
