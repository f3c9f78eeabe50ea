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
        username, password = values.get("PROMETHEUS_USER", ""), values.get("PROMETHEUS_PASSWORD", "")
        token = values.get("PROMETHEUS_TOKEN", "")
    elif settings.prometheus_url:
        url, username = settings.prometheus_url, settings.prometheus_user
        password = settings.prometheus_password.get_secret_value()
        token = settings.prometheus_token.get_secret_value()
    else:
        return None
    return ProviderOptions(
        url=url,
        username=username,
        password=password,
        bearer_token=token,
        timeout_seconds=settings.query_timeout,
        concurrency=settings.query_concurrency,
    )
