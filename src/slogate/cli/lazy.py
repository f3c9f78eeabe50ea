"""The root command group that imports a sub-command's module only when that sub-command is used.

``slogate slo evaluate`` imports and builds the ``slo`` group alone, ``slogate version`` nothing else.
``slogate --help`` lists every command with its one-line help: for that list a group is built without
its sub-commands (their modules are not imported), from the same Typer app, so the text is the same.
Each entry names the Typer app (a group) or the function (a command) exactly as it was registered
before, so names, help texts, options and exit codes stay what they were.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal, cast

import typer
from typer.core import TyperGroup

from slogate.cli.help import App

MARKUP: Literal["markdown"] = "markdown"


@dataclass(frozen=True)
class Entry:
    """A root sub-command: how to get its Typer app or function, and the modules that add to it.

    ``target`` imports the command's module and returns the app or function; ``registers`` are
    modules imported before it is used whose import adds sub-commands to the app (Keptn's verbs).
    """

    target: Callable[[], Any]
    registers: tuple[str, ...] = ()


class LazyCommands(MutableMapping[str, Any]):
    """The sub-commands by name, in order; a lazy one is imported and built on first access."""

    def __init__(self, eager: MutableMapping[str, Any], lazy: dict[str, Entry], order: list[str]) -> None:
        self._built: dict[str, Any] = dict(eager)
        self._lazy = dict(lazy)
        self._summaries: dict[str, Any] = {}
        self._listing = False
        known = set(self._built) | set(self._lazy)
        self._order = [name for name in order if name in known]
        self._order += [name for name in known if name not in self._order]

    def __getitem__(self, name: str) -> Any:
        if name in self._built:
            return self._built[name]
        entry = self._lazy[name]  # KeyError for an unknown name, as a dict
        if self._listing:
            if name not in self._summaries:
                self._summaries[name] = build(name, _without_subcommands(entry.target()))
            return self._summaries[name]
        for module in entry.registers:
            import_module(module)
        self._built[name] = build(name, entry.target())
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
        """The names built in full so far (for tests: which sub-commands a run had to import)."""
        return [name for name in self._order if name in self._built]

    @contextmanager
    def listing(self) -> Iterator[None]:
        """Within: a group not built yet is given without its sub-commands (enough for a list of names)."""
        self._listing = True
        try:
            yield
        finally:
            self._listing = False


def build(name: str, target: typer.Typer | Callable[..., Any]) -> Any:
    """The click command Typer makes of ``target`` when registered as ``name`` on a markdown-help root."""
    parent = App(rich_markup_mode=MARKUP, pretty_exceptions_enable=False)
    if isinstance(target, typer.Typer):
        parent.add_typer(target, name=name)
    else:
        parent.command(name)(target)
    return typer.main.get_group(parent).commands[name]


def _without_subcommands(target: Any) -> Any:
    """A copy of a Typer app without its sub-commands (its own help, callback and options stay)."""
    if not isinstance(target, typer.Typer):
        return target
    shallow = copy.copy(target)
    shallow.registered_commands = []
    shallow.registered_groups = []
    return shallow


def lazy_group(
    lazy: dict[str, Entry], order: list[str], base: type[TyperGroup] = TyperGroup
) -> type[TyperGroup]:
    """A ``base`` group class whose sub-commands ``lazy`` loads on demand, listed in ``order``."""

    class LazyGroup(base):  # type: ignore[valid-type,misc]
        def __init__(self, **attrs: Any) -> None:
            super().__init__(**attrs)
            group = cast(TyperGroup, self)
            group.commands = LazyCommands(group.commands, lazy, order)

        def format_help(self, ctx: Any, formatter: Any) -> None:
            with cast(LazyCommands, cast(TyperGroup, self).commands).listing():
                super().format_help(ctx, formatter)

    return LazyGroup
