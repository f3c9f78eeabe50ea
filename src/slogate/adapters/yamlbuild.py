"""Build Python values from a composed YAML node tree in one loop, as PyYAML's safe constructor would.

The safe constructor handles every tag through generators and per-node bookkeeping; Keptn files use only
strings, numbers, booleans, nulls, mappings and sequences, and for those one loop over the tree gives the
same values in a third less time. A tree with any other tag (timestamps, binary, sets, merge keys …) or a
collection as a mapping key is left to the safe constructor, so results and errors stay PyYAML's. Trees
with aliases (one node in two places) are not given to it.
"""

from __future__ import annotations

from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from slogate.domain.document import Scalar
from slogate.errors import SlogateError

STR = "tag:yaml.org,2002:str"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
PLAIN_SCALARS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null")}
_CONVERT = {tag: SafeConstructor.yaml_constructors[tag] for tag in PLAIN_SCALARS}


def build(root: Node, *, keep_text: bool, text_keys: bool = False) -> Any:
    """The document under ``root`` (a tree without aliases): dicts, lists and scalar values (:class:`Scalar`
    with ``keep_text``; ``text_keys``: mapping keys as written); :class:`NotPlainError` when the tree holds
    anything else, for PyYAML's safe constructor to build."""
    return _build(root, SafeConstructor(), keep_text, text_keys)


class NotPlainError(SlogateError):
    """A node the quick builder leaves to PyYAML's safe constructor (its caller catches it)."""

    code = "yaml_not_plain"

    def __init__(self) -> None:
        super().__init__("a YAML node the quick builder leaves to PyYAML's safe constructor")


def _build(root: Node, constructor: SafeConstructor, keep_text: bool, text_keys: bool) -> Any:
    def value_of(node: Node) -> Any:
        tag = node.tag
        if isinstance(node, ScalarNode):
            if tag == STR:
                value = node.value
            elif tag in _CONVERT:
                value = _CONVERT[tag](constructor, node)
            else:
                raise NotPlainError
            return Scalar(node.value, value) if keep_text else value
        if tag == MAP and isinstance(node, MappingNode):
            return {}
        if tag == SEQ and isinstance(node, SequenceNode):
            return []
        raise NotPlainError

    result = value_of(root)
    pending: list[tuple[Node, Any]] = [(root, result)]
    while pending:
        node, target = pending.pop()
        if isinstance(node, SequenceNode):
            for item in node.value:
                built = value_of(item)
                target.append(built)
                if not isinstance(item, ScalarNode):
                    pending.append((item, built))
        elif isinstance(node, MappingNode):
            for key, item in node.value:
                if not isinstance(key, ScalarNode):
                    raise NotPlainError  # a collection as a key: PyYAML's own error
                built = value_of(item)
                target[key.value if text_keys else value_of(key)] = built
                if not isinstance(item, ScalarNode):
                    pending.append((item, built))
    return result
