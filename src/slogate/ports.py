"""The small interfaces (ports) that services depend on and adapters implement."""

from __future__ import annotations

from typing import Protocol


class DocumentLoader(Protocol):
    """Parses YAML text into the domain's document tree, or raises ``DocumentError``."""

    def __call__(self, text: str, source: str) -> object:
        """Parse ``text``; ``source`` names the file in error messages."""
        ...
