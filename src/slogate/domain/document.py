"""A parsed YAML document as the domain sees it: plain containers whose scalars keep their source text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Scalar:
    """A YAML scalar: the text as written and the value YAML resolved it to (None for null)."""

    text: str
    value: object

    @property
    def is_null(self) -> bool:
        """Whether the scalar is YAML null (``~``, ``null`` or nothing)."""
        return self.value is None


Node: TypeAlias = "dict[str, Node] | list[Node] | Scalar | str | int | float | bool | None"


def as_scalar(node: object) -> Scalar | None:
    """``node`` as a :class:`Scalar` (plain Python scalars are wrapped), or None for containers."""
    if isinstance(node, Scalar):
        return node
    if node is None:
        return Scalar("", None)
    if isinstance(node, bool):
        return Scalar("true" if node else "false", node)
    if isinstance(node, str | int | float):
        return Scalar(str(node), node)
    return None


def is_null(node: object) -> bool:
    """Whether ``node`` is YAML null, bare or wrapped."""
    return node is None or (isinstance(node, Scalar) and node.is_null)


def kind_of(node: object) -> str:
    """A short name of the node's kind for error messages (``a list``, ``a number`` …)."""
    if isinstance(node, dict):
        return "a mapping"
    if isinstance(node, list):
        return "a list"
    scalar = as_scalar(node)
    value = scalar.value if scalar is not None else node
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a " + type(value).__name__
