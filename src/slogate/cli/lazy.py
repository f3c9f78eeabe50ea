"""The root command group that imports a sub-command's module only when that sub-command is used.

``slogate slo evaluate`` imports and builds the ``slo`` group alone, ``slogate version`` nothing else;
``slogate --help`` (and a typo's "did you mean") lists every name, loading them all only for the help.
Each loader returns the Typer app (a group) or the function (a command) exactly as it was registered
before, so names, help texts, options and exit codes stay what they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, Literal

import typer
from typer.core import TyperGroup

Loader = Callable[[], Any]
"""Imports a command's module and returns its Typer app (a group) or its function (a command)."""

MARKUP: Literal["markdown"] = "markdown"


class LazyCommands(MutableMapping[str, Any]):
    """The sub-commands by name, in order; a lazy one is imported and built on first access."""

    def __init__(self, eager: MutableMapping[str, Any], lazy: dict[str, Loader], order: list[str]) -> None:
        self._built: dict[str, Any] = dict(eager)
        self._lazy = dict(lazy)
        known = set(self._built) | set(self._lazy)
        self._order = [name for name in order if name in known]
        self._order += [name for name in known if name not in self._order]

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            loader = self._lazy[name]  # KeyError for an unknown name, as a dict
            self._built[name] = build(name, loader())
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        if name not in self._order:
            self._order.append(name)

    def __delitem__(self, name: str) -> None:
        if name not in self._order:
            raise KeyError(name)
        self._built.pop(name, None)
        self._lazy.pop(name, None)
        self._order.remove(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._order

    def loaded(self) -> list[str]:
        """The names built so far (for tests: which sub-commands a run had to import)."""
        return [name for name in self._order if name in self._built]


def build(name: str, target: typer.Typer | Callable[..., Any]) -> Any:
    """The click command Typer makes of ``target`` when registered as ``name`` on a markdown-help root."""
    parent = typer.Typer(rich_markup_mode=MARKUP, pretty_exceptions_enable=False)
    if isinstance(target, typer.Typer):
        parent.add_typer(target, name=name)
    else:
        parent.command(name)(target)
    return typer.main.get_group(parent).commands[name]


def lazy_group(lazy: dict[str, Loader], order: list[str]) -> type[TyperGroup]:
    """A ``TyperGroup`` class whose sub-commands ``lazy`` loads on demand, listed in ``order``."""

    class LazyGroup(TyperGroup):
        def __init__(self, **attrs: Any) -> None:
            super().__init__(**attrs)
            self.commands = LazyCommands(self.commands, lazy, order)

    return LazyGroup
