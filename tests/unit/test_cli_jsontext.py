"""The CLI's fast JSON writer prints exactly what ``json.dumps(go_numbers(doc), indent=2)`` printed."""

from __future__ import annotations

import json
import math
import random
from enum import IntEnum, StrEnum
from typing import Any

import pytest

from slogate.cli.jsontext import dumps_go
from slogate.cli.output import go_numbers


class Colour(StrEnum):
    """A string enum, as the CLI's documents hold (statuses, formats)."""

    RED = "red"


class Level(IntEnum):
    """An integer enum."""

    HIGH = 3


def reference(document: Any, ensure_ascii: bool) -> str:
    """What the CLI printed before: the standard library's indented encoder."""
    return json.dumps(go_numbers(document), indent=2, ensure_ascii=ensure_ascii)


HOSTILE = [
    pytest.param({}, id="empty-object"),
    pytest.param([], id="empty-array"),
    pytest.param({"a": {}, "b": [], "c": [{}], "d": [[]]}, id="nested-empties"),
    pytest.param([100.0, -0.0, 0.5, 1e21, 1e20, -1e20, 1e-7, 1.5e300, 2**53 + 0.0], id="go-numbers"),
    pytest.param([math.nan, math.inf, -math.inf], id="non-finite"),
    pytest.param([True, False, None, 0, -1, 10**30, Level.HIGH], id="literals-and-ints"),
    pytest.param({"ümlaut ✓ ≥": 'line\nbreak\t"quote" \\ \u0000 \u2028 😀'}, id="escapes"),
    pytest.param({"status": Colour.RED, Colour.RED: [Colour.RED]}, id="str-enum"),
    pytest.param("just a string", id="scalar"),
    pytest.param(85.05154639175258, id="float-scalar"),
]


@pytest.mark.parametrize("document", HOSTILE)
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_same_text_as_the_standard_library(document: Any, ensure_ascii: bool) -> None:
    """Empty containers, Go-shaped and non-finite numbers, escapes and enums give identical text."""
    assert dumps_go(document, ensure_ascii, go_numbers) == reference(document, ensure_ascii)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            {1: "int key", 2.0: "float key", None: "null key", False: "bool key"}, id="non-str-keys"
        ),
        pytest.param({"tuple": (1.0, 2.5, [3.0])}, id="tuple-keeps-floats"),
    ],
)
def test_what_it_does_not_write_falls_back_to_the_standard_library(document: Any) -> None:
    """Non-string keys and tuples (which go_numbers leaves as they are) are the standard library's."""
    assert dumps_go(document, True, go_numbers) == reference(document, True)


def test_an_unencodable_value_raises_what_json_raises() -> None:
    """A set is no JSON: the same TypeError as before."""
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_go({"values": {1, 2}}, True, go_numbers)


def _random_document(generator: random.Random, depth: int) -> Any:
    kind = generator.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return generator.choice([None, True, False])
    if kind == 1:
        return generator.randint(-(10**12), 10**12)
    if kind == 2:
        return generator.choice([float(generator.randint(-1000, 1000)), generator.uniform(-1e6, 1e6)])
    if kind == 3:
        return generator.choice([1e21, 1e22, -1e21, 0.1, 1e-9, math.inf])
    if kind in (4, 5):
        return "".join(generator.choice('aZ09 "\\\n\té✓😀\u0001') for _ in range(generator.randrange(6)))
    if kind in (6, 7):
        return {
            _random_key(generator): _random_document(generator, depth + 1)
            for _ in range(generator.randrange(4))
        }
    return [_random_document(generator, depth + 1) for _ in range(generator.randrange(4))]


def _random_key(generator: random.Random) -> str:
    return "".join(generator.choice('ké"✓') for _ in range(generator.randrange(1, 4)))


def test_random_documents_give_the_same_text() -> None:
    """2,000 random documents (seeded) are written byte for byte as the standard library writes them."""
    generator = random.Random(20261206)
    for _ in range(2_000):
        document = _random_document(generator, 0)
        for ensure_ascii in (True, False):
            assert dumps_go(document, ensure_ascii, go_numbers) == reference(document, ensure_ascii), document
