"""YAML documents that attack a parser: alias bombs, deep nesting, aliases of one big node."""

from __future__ import annotations


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic: each level a list of ``width`` aliases of the level below (``width**levels`` leaves)."""
    lines = ["l0: &l0 lol"]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def nested_flow(depth: int) -> str:
    """``depth`` levels: depth-1 nested lists and the scalar at the bottom."""
    return "[" * (depth - 1) + "x" + "]" * (depth - 1)


def nested_block(depth: int) -> str:
    """``depth`` levels: depth-1 nested mappings and the scalar at the bottom."""
    return "".join(f"{'  ' * level}k{level}:\n" for level in range(depth - 2)) + f"{'  ' * (depth - 2)}k: v\n"


def aliases_of_a_big_node(items: int, copies: int) -> str:
    """A list of ``items`` scalars under an anchor, then a list of ``copies`` aliases of it."""
    big = "[" + ", ".join(["0"] * items) + "]"
    return f"big: &big {big}\ncopies: [{', '.join(['*big'] * copies)}]\n"
