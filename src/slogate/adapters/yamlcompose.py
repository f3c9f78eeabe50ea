"""Compose YAML nodes from a parser's events within limits on size, nesting depth and alias expansion."""

from __future__ import annotations

from typing import Any, Protocol

import yaml
from yaml.events import (
    AliasEvent,
    Event,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from slogate.errors import SlogateError

# The limits every YAML document read by slogate is held to (a Keptn slo.yaml of 1,000 objectives has
# about 180,000 characters, 17,000 nodes and 7 levels).
MAX_CHARACTERS = 4 * 1024 * 1024
MAX_DEPTH = 100
MAX_NODES = 250_000  # counted with every alias expanded: each alias counts the nodes it repeats


class YAMLLimitError(SlogateError, yaml.YAMLError):
    """A document exceeds a limit; ``problem`` says which and how to fix it, ``problem_mark`` where
    (a ``yaml.YAMLError`` inside the composer, turned into ``DocumentLimitError`` at its edge)."""

    code = "yaml_limit"

    def __init__(self, problem: str, problem_mark: yaml.Mark | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = problem_mark

    def __str__(self) -> str:
        mark = self.problem_mark
        if mark is None:
            return self.problem
        return f"{self.problem} (line {mark.line + 1}, column {mark.column + 1})"


class EventSource(Protocol):
    """A YAML parser (PyYAML's pure-Python ``SafeLoader`` or libyaml's ``CSafeLoader``) and resolver."""

    def check_event(self, *choices: type[Event]) -> bool: ...  # pragma: no cover - a protocol

    def peek_event(self) -> Event: ...  # pragma: no cover - a protocol

    def get_event(self) -> Event: ...  # pragma: no cover - a protocol

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str: ...  # pragma: no cover


def check_size(text: str) -> None:
    """Refuse a text longer than :data:`MAX_CHARACTERS` before anything parses it."""
    if len(text) > MAX_CHARACTERS:
        raise YAMLLimitError(
            f"{len(text)} characters exceed the limit of {MAX_CHARACTERS} characters for a YAML "
            "document: split the file or make it smaller"
        )


_SEQUENCE, _MAPPING = 0, 1
_NO_KEY = object()  # a mapping frame's key slot when the next node is a key


class BoundedComposer:
    """PyYAML's ``Composer`` without recursion, counting nodes (aliases expanded) and depth as it goes.

    The nodes are the ones PyYAML's composer makes from the same events; a limit stops the composing at the
    event that exceeds it, before more memory is spent."""

    def __init__(self, events: EventSource) -> None:
        self._events = events
        self._anchors: dict[str, Node] = {}
        self._extent: dict[str, tuple[int, int]] = {}  # a finished anchored node: (nodes, levels)

    def first_document(self, *, single: bool) -> Node | None:
        """The root node of the stream's first document (None for an empty stream); with ``single`` a
        second document is an error, as in ``yaml.safe_load``."""
        events = self._events
        if events.check_event(StreamStartEvent):
            events.get_event()
        if events.check_event(StreamEndEvent):
            return None
        events.get_event()  # DOCUMENT-START
        root = self._compose()
        events.get_event()  # DOCUMENT-END
        if single and not events.check_event(StreamEndEvent):
            second: Any = events.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream",
                root.start_mark,
                "but found another document",
                second.start_mark,
            )
        return root

    def _compose(self) -> Node:  # one flat loop: it runs for every event of every document
        get, resolve = self._events.get_event, self._events.resolve
        # a frame: [node, kind, key slot, anchor, depth, nodes counted before it, deepest outside it]
        stack: list[list[Any]] = []
        counted = deepest = 0
        while True:
            event: Any = get()
            kind = type(event)
            level = len(stack) + 1
            done: Node
            if kind is ScalarEvent:
                counted += 1
                if level > deepest:
                    deepest = level
                if event.anchor is not None or counted > MAX_NODES or level > MAX_DEPTH:
                    self._new(event, counted, level)
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(ScalarNode, event.value, event.implicit)
                done = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
                if event.anchor is not None:
                    self._anchors[event.anchor] = done
                    self._extent[event.anchor] = (1, 1)
            elif kind is SequenceEndEvent or kind is MappingEndEvent:
                node, _, _, anchor, depth, before, outside = stack.pop()
                node.end_mark = event.end_mark
                if anchor is not None:
                    self._extent[anchor] = (counted - before, deepest - depth + 1)
                deepest = max(deepest, outside)
                done = node
            elif kind is AliasEvent:
                done, nodes, levels = self._alias(event)
                counted += nodes
                deepest = max(deepest, level + levels - 1)
                _check(counted, deepest, event)
            else:
                counted += 1
                if event.anchor is not None or counted > MAX_NODES or level > MAX_DEPTH:
                    self._new(event, counted, level)
                sequence = kind is SequenceStartEvent
                node_kind = SequenceNode if sequence else MappingNode
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(node_kind, None, event.implicit)
                node = node_kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
                if event.anchor is not None:
                    self._anchors[event.anchor] = node
                frame = _SEQUENCE if sequence else _MAPPING
                stack.append([node, frame, _NO_KEY, event.anchor, level, counted - 1, deepest])
                deepest = level
                continue
            if not stack:
                return done
            top = stack[-1]
            if top[1] == _SEQUENCE:
                top[0].value.append(done)
            elif top[2] is _NO_KEY:
                top[2] = done
            else:
                top[0].value.append((top[2], done))
                top[2] = _NO_KEY

    def _new(self, event: Any, counted: int, level: int) -> None:
        """Refuse a new node that breaks a limit or reuses an anchor (the rare path of ``_compose``)."""
        anchor = event.anchor
        if anchor is not None and anchor in self._anchors:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                self._anchors[anchor].start_mark,
                "second occurrence",
                event.start_mark,
            )
        _check(counted, level, event)

    def _alias(self, event: Any) -> tuple[Node, int, int]:
        """The node an alias repeats, with its size in nodes and in levels."""
        anchor = event.anchor
        if anchor not in self._anchors:
            raise yaml.composer.ComposerError(
                None, None, f"found undefined alias {anchor!r}", event.start_mark
            )
        if anchor not in self._extent:
            raise YAMLLimitError(
                f"the alias *{anchor} is inside the node it refers to: a recursive structure is not "
                "allowed; repeat the values instead",
                event.start_mark,
            )
        nodes, levels = self._extent[anchor]
        return self._anchors[anchor], nodes, levels


def _check(counted: int, depth: int, event: Any) -> None:
    """Refuse a node at ``depth`` that makes the document more than the limits allow."""
    if depth > MAX_DEPTH:
        raise depth_error(event.start_mark)
    if counted > MAX_NODES:
        raise YAMLLimitError(
            f"more than the limit of {MAX_NODES} nodes, counting each alias as the nodes it repeats: "
            "use fewer aliases or a smaller document",
            event.start_mark,
        )


def fits_libyaml_composer(text: str) -> bool:
    """Whether libyaml may compose ``text`` on its own (no Python composer in the loop, 3× faster): it has
    no alias, so nothing expands, and no more characters than :data:`MAX_NODES`, so its nodes (at most
    about one per character) cost no more than the bounded composer lets a document build before it
    refuses it. :func:`check_composed` then holds the composed tree to the same limits."""
    return len(text) <= MAX_NODES and "*" not in text


def check_composed(root: Node) -> None:
    """Refuse a composed tree deeper or larger than the limits, at the first node in document order that
    breaks one, as :class:`BoundedComposer` would have."""
    counted = 0
    pending: list[tuple[Node, int]] = [(root, 1)]
    while pending:
        node, level = pending.pop()
        counted += 1
        _check(counted, level, node)
        if isinstance(node, SequenceNode):
            pending.extend((item, level + 1) for item in reversed(node.value))
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                pending.append((value, level + 1))
                pending.append((key, level + 1))


def depth_error(mark: yaml.Mark | None) -> YAMLLimitError:
    """The refusal of a node nested deeper than :data:`MAX_DEPTH` at ``mark``."""
    return YAMLLimitError(
        f"nested more than the limit of {MAX_DEPTH} levels deep: flatten the structure", mark
    )
