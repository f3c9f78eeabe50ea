"""Plugins found through entry-point groups: SLI providers (``slogate.sli_providers``) and executors."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from slogate.errors import ConfigError

SLI_PROVIDERS = "slogate.sli_providers"
EXECUTORS = "slogate.executors"
GROUPS = (SLI_PROVIDERS, EXECUTORS)


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """One registered plugin and whether it loads."""

    group: str
    name: str
    target: str
    distribution: str
    version: str
    error: str = ""


def _describe(group: str, entry: EntryPoint) -> PluginInfo:
    dist = entry.dist
    name, version = (dist.name, dist.version) if dist is not None else ("", "")
    try:
        entry.load()
    except Exception as error:  # a broken plugin is reported, never fatal to the listing
        return PluginInfo(group, entry.name, entry.value, name, version, f"{type(error).__name__}: {error}")
    return PluginInfo(group, entry.name, entry.value, name, version)


def list_plugins() -> list[PluginInfo]:
    """Every plugin of every group, loaded to check it works."""
    return [
        _describe(group, entry)
        for group in GROUPS
        for entry in sorted(entry_points(group=group), key=lambda e: e.name)
    ]


def load_plugin(group: str, name: str) -> object:
    """The object registered as ``name`` in ``group``; a missing or broken plugin is a ConfigError."""
    found = entry_points(group=group, name=name)
    if not found:
        known = ", ".join(sorted(e.name for e in entry_points(group=group))) or "none"
        raise ConfigError(f"no plugin '{name}' in {group} (installed: {known})")
    (entry,) = tuple(found)[:1]
    try:
        return entry.load()
    except Exception as error:
        raise ConfigError(f"plugin '{name}' ({entry.value}) cannot be loaded: {error}") from error
