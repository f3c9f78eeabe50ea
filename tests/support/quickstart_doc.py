"""The steps of docs/quickstart-server.md as the tests run them: its files and its shell commands, in order.

A fenced block preceded by ``<!-- quickstart: file NAME -->`` is a file the reader creates as NAME; one
preceded by ``<!-- quickstart: run -->`` holds commands the reader runs. Other blocks are illustrations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "docs" / "quickstart-server.md"
EXAMPLES = ROOT / "docs" / "examples"
MARKED_BLOCK = re.compile(
    r"<!-- quickstart: (?P<kind>run|file) ?(?P<name>[^ >]*) -->\n```(?P<lang>[a-z]+)\n(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
MARKER = re.compile(r"<!-- quickstart:")


@dataclass(frozen=True)
class Step:
    """One marked block: ``run`` (shell commands) or ``file`` (the content of the file ``name``)."""

    kind: str
    name: str
    language: str
    body: str


def steps(text: str | None = None) -> list[Step]:
    """The marked blocks of the quickstart (or of ``text``), in order; ``ValueError`` for a marker that is
    not directly followed by a fenced block, so a broken marker cannot silently drop a step."""
    text = QUICKSTART.read_text(encoding="utf-8") if text is None else text
    found = [
        Step(match["kind"], match["name"], match["lang"], match["body"])
        for match in MARKED_BLOCK.finditer(text)
    ]
    markers = len(MARKER.findall(text))
    if markers != len(found):
        raise ValueError(f"{markers} quickstart markers but {len(found)} marked blocks: fix the markers")
    return found


def files(text: str | None = None) -> dict[str, str]:
    """The files the quickstart has the reader create: name → content."""
    return {step.name: step.body for step in steps(text) if step.kind == "file"}


def script(text: str | None = None) -> str:
    """The quickstart's commands as one bash script that stops at the first failing command and prints
    a ``=== step N`` line before each block."""
    blocks = [step.body for step in steps(text) if step.kind == "run"]
    parts = ["set -euo pipefail"]
    for number, body in enumerate(blocks, start=1):
        parts += [f"echo '=== step {number}'", body]
    return "\n".join(parts) + "\n"
