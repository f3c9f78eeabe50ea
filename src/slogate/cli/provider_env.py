"""A vendor SLI provider's options for ``slogate evaluate`` from its environment variables (DT_*, DD_*,
SUMOLOGIC_*), with a warning for a Dynatrace token that does not look like one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slogate.ports import ProviderOptions
    from slogate.settings import Settings


def vendor_options_from_environment(provider: str, settings: Settings) -> ProviderOptions:
    """The options of ``provider`` from the environment; ``ConfigError`` naming every missing variable."""
    from slogate.services.usecases.monitoring import environment_names, vendor_options
    from slogate.settings import environment_values

    options = vendor_options(provider, environment_values(environment_names(provider)), settings)
    if provider == "dynatrace":
        _warn_token_shape(options.credential("DT_API_TOKEN"))
    return options


def _warn_token_shape(token: str) -> None:
    from slogate.adapters.providers.dynatrace import token_shape_problem
    from slogate.cli.projects import note

    problem = token_shape_problem(token)
    if problem:
        note(problem)
