"""Who hears of resource writes: the catalog (a user's shipyard.yaml) and caches of what files say."""

from __future__ import annotations

from typing import Protocol


class ShipyardKeeper(Protocol):
    """Keeps its own copy of a project's shipyard (the catalog); checks and adopts a written one."""

    def replace_shipyard(self, project: str, text: str) -> None:
        """Adopt ``text`` as the project's shipyard, or raise ``InputError`` (nothing is written then)."""
        ...


class ResourceCache(Protocol):
    """Remembers what resource files say (e.g. the executor runner's plans)."""

    def forget(self) -> None:
        """A resource changed: read the files anew next time."""
        ...


class ResourceListeners:
    """The listeners of a ``ResourceService``, registered once both sides exist: the catalog needs the
    resources to create a project's files, and the resources need the catalog to adopt a shipyard."""

    def __init__(self) -> None:
        self._keepers: list[ShipyardKeeper] = []
        self._caches: list[ResourceCache] = []

    def keep_shipyards(self, keeper: ShipyardKeeper) -> None:
        """Let ``keeper`` check (and adopt) every shipyard.yaml a user writes."""
        self._keepers.append(keeper)

    def cache(self, cache: ResourceCache) -> None:
        """Tell ``cache`` whenever any resource changes."""
        self._caches.append(cache)

    def shipyard_written(self, project: str, text: str) -> None:
        """``ResourceService``'s ``on_shipyard_written``: every keeper adopts ``text`` (or raises)."""
        for keeper in self._keepers:
            keeper.replace_shipyard(project, text)

    def changed(self) -> None:
        """``ResourceService``'s ``on_changed``: every cache forgets."""
        for cache in self._caches:
            cache.forget()
