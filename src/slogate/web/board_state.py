"""The evaluation board's state as URL query parameters, so that any view of it can be linked (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from slogate.web.breakdown import SORTS

VIEWS = ("heatmap", "chart")
COLUMNS = (  # the SLI table's sortable columns: (sort key, header)
    ("name", "Name"),
    ("value", "Value"),
    ("weight", "Weight"),
    ("result", "Result"),
    ("score", "Score"),
)


@dataclass(frozen=True, slots=True)
class BoardState:
    """What the query says: heatmap or chart, all SLIs or the first ones, the SLI table's order."""

    view: str = "heatmap"
    show_all: bool = False
    sort: str = "score"
    descending: bool = False

    @classmethod
    def of(cls, view: str, show_all: bool, sort: str, order: str) -> BoardState:
        """The state from the query's values; unknown values fall back to the defaults."""
        return cls(
            view=view if view in VIEWS else "heatmap",
            show_all=show_all,
            sort=sort if sort in SORTS else "score",
            descending=order == "desc",
        )

    def query(self, **changes: Any) -> str:
        """``?…`` for this state with ``changes``, leaving out defaults ("" when all are defaults)."""
        state = replace(self, **changes)
        pairs = [
            ("view", state.view if state.view != "heatmap" else ""),
            ("all", "true" if state.show_all else ""),
            ("sort", state.sort if state.sort != "score" else ""),
            ("order", "desc" if state.descending else ""),
        ]
        text = urlencode([(name, value) for name, value in pairs if value])
        return f"?{text}" if text else ""

    def headers(self, href: str) -> list[dict[str, str]]:
        """The SLI table's sortable headers: label, link (a second click reverses) and ``aria-sort``."""
        shown = []
        for key, label in COLUMNS:
            current = key == self.sort
            descending = not self.descending if current else False
            aria = ("descending" if self.descending else "ascending") if current else "none"
            arrow = (" ▼" if self.descending else " ▲") if current else ""
            link = href + self.query(sort=key, descending=descending)
            shown.append({"key": key, "label": label, "href": link, "aria": aria, "arrow": arrow})
        return shown
