"""Where a project's metrics backend is: the provider's secret (Keptn's ``prometheus-credentials-<project>``),
else the settings; the one builder of ``ProviderOptions`` for the server and ``slogate evaluate``."""

from __future__ import annotations

from slogate.domain.protocol.evaluation_flow import DEFAULT_SLI_PROVIDER
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions, SecretReader
from slogate.settings import Settings


def credentials_secret(provider: str, project: str) -> str:
    """The secret with a project's credentials for ``provider`` (prometheus-credentials-<project>)."""
    return f"{provider}-credentials-{project}"


def provider_options(
    provider: str, project: str, secrets: SecretReader, settings: Settings
) -> ProviderOptions | None:
    """The options of ``provider`` for ``project``: Keptn's keys <PROVIDER>_URL/USER/PASSWORD (plus
    <PROVIDER>_TOKEN) of its credentials secret; for the default provider, else the settings
    (SLOGATE_PROMETHEUS_*); None when nothing is configured."""
    prefix = provider.upper().replace("-", "_")
    scope = f"keptn-{provider}-service"
    values = secrets.secret(credentials_secret(provider, project), scope) or {}
    url = values.get(f"{prefix}_URL", "").replace(" ", "")
    if url:
        return options_for(
            settings,
            url,
            values.get(f"{prefix}_USER", ""),
            values.get(f"{prefix}_PASSWORD", ""),
            values.get(f"{prefix}_TOKEN", ""),
        )
    if provider == DEFAULT_SLI_PROVIDER and settings.prometheus_url:
        return settings_options(settings)
    return None


def settings_options(
    settings: Settings, url: str | None = None, username: str | None = None
) -> ProviderOptions:
    """The default provider's options from the settings (``url``/``username`` override them, as
    ``slogate evaluate --prometheus-url/--prometheus-user`` do); ``ConfigError`` without a URL."""
    chosen = url or settings.prometheus_url
    if not chosen:
        raise ConfigError("no Prometheus URL: pass --prometheus-url or set SLOGATE_PROMETHEUS_URL")
    return options_for(
        settings,
        chosen,
        username if username is not None else settings.prometheus_user,
        settings.prometheus_password.get_secret_value(),
        settings.prometheus_token.get_secret_value(),
    )


def options_for(settings: Settings, url: str, username: str, password: str, token: str) -> ProviderOptions:
    """Options with the settings' query timeout and concurrency."""
    return ProviderOptions(
        url=url,
        username=username,
        password=password,
        bearer_token=token,
        timeout_seconds=settings.query_timeout,
        concurrency=settings.query_concurrency,
    )
