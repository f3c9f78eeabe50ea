"""Where a project's metrics backend is and how to sign in: Keptn's secrets
(``prometheus-credentials-<project>``, ``dynatrace``, ``datadog``, ``sumologic``), else the settings or
the environment; the one builder of ``ProviderOptions`` for the server and ``slogate evaluate``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slogate.domain.protocol.evaluation_flow import DEFAULT_SLI_PROVIDER
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions, SecretReader
from slogate.services.usecases.secrets import confined
from slogate.settings import Settings


@dataclass(frozen=True, slots=True)
class VendorKeys:
    """One vendor's credentials: the secret keys on the server and the variables of the standalone gate.

    ``url`` names where to reach it (a URL, a site or a region, which the provider resolves); the
    ``required`` keys become ``ProviderOptions.credentials`` under their secret key names.
    """

    secret_name: str
    url: tuple[str, str]  # (secret key, environment variable)
    required: tuple[tuple[str, str], ...]  # (secret key, environment variable), in the options' order
    url_required: bool = True


VENDORS: dict[str, VendorKeys] = {
    "dynatrace": VendorKeys("dynatrace", ("DT_TENANT", "DT_TENANT"), (("DT_API_TOKEN", "DT_API_TOKEN"),)),
    "datadog": VendorKeys(
        "datadog",
        ("DD_SITE", "DD_SITE"),
        (("DD_API_KEY", "DD_API_KEY"), ("DD_APP_KEY", "DD_APP_KEY")),
        url_required=False,
    ),
    "sumologic": VendorKeys(
        "sumologic",
        ("REGION_CODE", "SUMOLOGIC_ENDPOINT"),
        (("ACCESS_ID", "SUMOLOGIC_ACCESS_ID"), ("ACCESS_KEY", "SUMOLOGIC_ACCESS_KEY")),
        url_required=False,
    ),
}
SUMO_ENDPOINT_KEYS = ("ENDPOINT", "SUMO_END_PT")  # the secret may name the endpoint instead of a region
BUILT_IN = (DEFAULT_SLI_PROVIDER, *VENDORS)


def credentials_secret(provider: str, project: str, conf_secret: str = "") -> str:
    """The secret with a project's credentials for ``provider``: prometheus-credentials-<project>, or
    the vendor's (``dynatrace``, or the ``dtCreds`` name ``conf_secret``; ``datadog``; ``sumologic``)."""
    if provider in VENDORS:
        return conf_secret or VENDORS[provider].secret_name
    return f"{provider}-credentials-{project}"


def secret_keys(provider: str) -> tuple[str, ...]:
    """The keys the credentials secret of ``provider`` holds, for messages."""
    keys = VENDORS.get(provider)
    if keys is None:
        prefix = provider.upper().replace("-", "_")
        return (f"{prefix}_URL", f"{prefix}_USER", f"{prefix}_PASSWORD")
    return (keys.url[0], *(key for key, _ in keys.required))


def environment_names(provider: str) -> tuple[str, ...]:
    """The environment variables ``slogate evaluate --provider <provider>`` reads."""
    keys = VENDORS[provider]
    return (keys.url[1], *(variable for _, variable in keys.required))


def provider_options(
    provider: str, project: str, secrets: SecretReader, settings: Settings, conf_secret: str = ""
) -> ProviderOptions | None:
    """The options of ``provider`` for ``project``: from its credentials secret (Keptn's key names); for
    Prometheus else the settings (SLOGATE_PROMETHEUS_*); None when nothing is configured. Another
    project's secrets are not read."""
    secrets = confined(secrets, project)
    if provider in VENDORS:
        name = credentials_secret(provider, project, conf_secret)
        values = secrets.secret(name, "") or {}
        return vendor_options(provider, values, settings, secret=name) if values else None
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


def vendor_options(
    provider: str, values: Mapping[str, str], settings: Settings, *, secret: str = ""
) -> ProviderOptions:
    """Options for a vendor from the keys of the secret named ``secret``, or (without one) from the
    environment's variables; ``ConfigError`` naming every missing key or variable and where."""
    keys = VENDORS[provider]
    pick = 0 if secret else 1
    url = values.get(keys.url[pick], "").strip()
    if secret and provider == "sumologic" and not url:
        url = next((values[key].strip() for key in SUMO_ENDPOINT_KEYS if values.get(key, "").strip()), "")
    missing = [keys.url[pick]] if keys.url_required and not url else []
    credentials = tuple((names[0], values.get(names[pick], "").strip()) for names in keys.required)
    missing += [
        names[pick] for (_, value), names in zip(credentials, keys.required, strict=True) if not value
    ]
    if missing:
        where = f"the secret '{secret}'" if secret else "the environment"
        raise ConfigError(f"{provider} credentials incomplete: set {', '.join(missing)} in {where}")
    return ProviderOptions(
        url=url,
        credentials=credentials,
        timeout_seconds=settings.query_timeout,
        concurrency=settings.query_concurrency,
        settle_seconds=settle_setting(provider, settings),
        retry_seconds=settings.query_retry_time,
    )


def settle_setting(provider: str, settings: Settings) -> float | None:
    """The configured settle time of ``provider`` (SLOGATE_<PROVIDER>_SETTLE), None for its default."""
    value = getattr(settings, f"{provider}_settle", None)
    return None if value is None else float(value)


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
        retry_seconds=settings.query_retry_time,
    )
