"""The plugin registry: SLI providers (``slogate.sli_providers``) and executors (``slogate.executors``),
found through entry points and checked against their Protocol when loaded.

Adding a provider is a module with a factory and an entry point, e.g. in a plugin's pyproject.toml::

    [project.entry-points."slogate.sli_providers"]
    dynatrace = "my_plugin.provider:create_provider"   # create_provider(options) -> SLIProvider
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

from slogate.errors import ConfigError
from slogate.ports import ProviderOptions, SLIProvider, SLIProviderFactory
from slogate.ports.executors import ExecutorEnvironment, ExecutorFactory, TaskExecutor

SLI_PROVIDERS = "slogate.sli_providers"
EXECUTORS = "slogate.executors"
GROUPS = (SLI_PROVIDERS, EXECUTORS)
_PROTOCOLS: dict[str, type] = {SLI_PROVIDERS: SLIProvider, EXECUTORS: TaskExecutor}


class PluginError(ConfigError):
    """A registered plugin is missing, does not load, or does not fit its Protocol."""

    code = "invalid_plugin"


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
        load_plugin(group, entry.name)
    except PluginError as error:  # a broken plugin is reported, never fatal to the listing
        return PluginInfo(group, entry.name, entry.value, name, version, error.message)
    return PluginInfo(group, entry.name, entry.value, name, version)


def list_plugins() -> list[PluginInfo]:
    """Every plugin of every group, loaded and checked to show whether it works."""
    return [
        _describe(group, entry)
        for group in GROUPS
        for entry in sorted(entry_points(group=group), key=lambda e: e.name)
    ]


def registered(group: str, name: str) -> bool:
    """Whether an entry point ``name`` exists in ``group`` (without loading it)."""
    return bool(entry_points(group=group, name=name))


def load_plugin(group: str, name: str) -> object:
    """The factory registered as ``name`` in ``group``, checked against the group's Protocol;
    ``PluginError`` naming the plugin when it is missing, broken or does not fit."""
    found = entry_points(group=group, name=name)
    if not found:
        known = ", ".join(sorted(e.name for e in entry_points(group=group))) or "none"
        raise PluginError(f"no plugin '{name}' in {group} (installed: {known})")
    (entry,) = tuple(found)[:1]
    try:
        loaded = entry.load()
    except Exception as error:
        raise PluginError(f"plugin '{name}' ({entry.value}) cannot be loaded: {error}") from error
    check_factory(f"plugin '{name}' ({entry.value}) in {group}", loaded, _PROTOCOLS[group])
    return cast(object, loaded)


def check_factory(label: str, factory: object, protocol: type) -> None:
    """``PluginError`` unless ``factory`` can be called with one argument and (when its result is
    annotated with a class) builds objects with every method of ``protocol``."""
    if not callable(factory):
        raise PluginError(f"{label} is a {type(factory).__name__}, not a factory: it must be callable")
    try:
        inspect.signature(factory).bind(None)
    except TypeError:
        raise PluginError(f"{label} cannot be called with one argument (its options)") from None
    except ValueError:  # no signature to inspect (a builtin): checked when it builds
        return
    product = factory if inspect.isclass(factory) else _return_type(factory)
    if product is not None:
        _check_fit(label, product, protocol, instance=False)


def check_product(label: str, built: object, protocol: type) -> None:
    """``PluginError`` unless ``built`` has every attribute and method of ``protocol``."""
    _check_fit(label, built, protocol, instance=True)


def _return_type(factory: Any) -> type | None:
    try:
        hint = typing.get_type_hints(factory).get("return")
    except Exception:  # an annotation that does not resolve: checked when it builds
        return None
    return hint if inspect.isclass(hint) else None


def _check_fit(label: str, candidate: object, protocol: type, *, instance: bool) -> None:
    gaps = _gaps(candidate, protocol, instance=instance)
    if gaps:
        raise PluginError(f"{label} does not fit {protocol.__name__}: " + "; ".join(gaps))


def _gaps(candidate: object, protocol: type, *, instance: bool) -> list[str]:
    gaps = []
    for name, wanted in vars(protocol).items():
        if name.startswith("_") or not inspect.isfunction(wanted):
            continue
        found = getattr(candidate, name, None)
        if found is None or not callable(found):
            gaps.append(f"it has no method {name}()")
        elif inspect.iscoroutinefunction(wanted) and not inspect.iscoroutinefunction(found):
            gaps.append(f"{name}() must be async")
    if instance:
        gaps += [
            f"it has no attribute {name}"
            for name in getattr(protocol, "__annotations__", {})
            if not hasattr(candidate, name)
        ]
    return gaps


class PluginRegistry:
    """The SLI providers and executors, by name: entry points, or ``sli_providers``/``executors``
    given here (which take precedence; tests inject fakes this way). ``SLIProviders`` port."""

    def __init__(
        self,
        environment: ExecutorEnvironment,
        sli_providers: Mapping[str, SLIProviderFactory] | None = None,
        executors: Mapping[str, ExecutorFactory] | None = None,
    ) -> None:
        self._environment = environment
        self._providers = dict(sli_providers or {})
        self._executors = dict(executors or {})
        self._registered: dict[str, bool] = {}  # entry points are looked up once per name

    def has_sli_provider(self, name: str) -> bool:
        """Whether a provider ``name`` is registered (the ``sliProvider`` of a get-sli.triggered)."""
        if name in self._providers:
            return True
        if name not in self._registered:
            if len(self._registered) >= 256:  # names come from events: keep the memory bounded
                self._registered.clear()
            self._registered[name] = registered(SLI_PROVIDERS, name)
        return self._registered[name]

    def sli_provider(self, name: str, options: ProviderOptions) -> SLIProvider:
        """A provider ``name`` for ``options``, checked against ``SLIProvider``."""
        factory = self._providers.get(name)
        if factory is None:
            factory = self._providers[name] = cast(SLIProviderFactory, load_plugin(SLI_PROVIDERS, name))
        built = factory(options)
        check_product(f"SLI provider '{name}'", built, SLIProvider)
        return built

    def executor(self, name: str) -> TaskExecutor:
        """The executor ``name``, built for this server's environment and checked against ``TaskExecutor``."""
        factory = self._executors.get(name)
        if factory is None:
            factory = self._executors[name] = cast(ExecutorFactory, load_plugin(EXECUTORS, name))
        built = factory(self._environment)
        check_product(f"executor '{name}'", built, TaskExecutor)
        return built
