"""Where a project's Prometheus is: the secret ``prometheus-credentials-<project>``, else the settings."""

from __future__ import annotations

from slogate.ports import ProviderOptions, SecretReader
from slogate.settings import Settings

PROMETHEUS_SCOPE = "keptn-prometheus-service"


def prometheus_options(project: str, secrets: SecretReader, settings: Settings) -> ProviderOptions | None:
    """Keptn's keys PROMETHEUS_URL/USER/PASSWORD (plus PROMETHEUS_TOKEN); None when nothing is configured."""
    values = secrets.secret(f"prometheus-credentials-{project}", PROMETHEUS_SCOPE) or {}
    url = values.get("PROMETHEUS_URL", "").replace(" ", "")
    if url:
        return ProviderOptions(
            url=url,
            username=values.get("PROMETHEUS_USER", ""),
            password=values.get("PROMETHEUS_PASSWORD", ""),
            bearer_token=values.get("PROMETHEUS_TOKEN", ""),
            timeout_seconds=settings.query_timeout,
            concurrency=settings.query_concurrency,
        )
    if not settings.prometheus_url:
        return None
    return ProviderOptions(
        url=settings.prometheus_url,
        username=settings.prometheus_user,
        password=settings.prometheus_password.get_secret_value(),
        bearer_token=settings.prometheus_token.get_secret_value(),
        timeout_seconds=settings.query_timeout,
        concurrency=settings.query_concurrency,
    )
