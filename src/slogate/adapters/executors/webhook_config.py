"""Keptn's ``webhook/webhook.yaml`` parsed and checked as the webhook-service does, the webhook an
event runs chosen (by subscription id, else by event type), and the task's settings.

Both formats are read: ``webhookconfig.keptn.sh/v1beta1`` (requests with ``url``, ``method``,
``headers``, ``payload``, ``options``) and ``webhookconfig.keptn.sh/v1alpha1`` (requests as
``curl …`` command strings; :mod:`.webhook_template` renders both into HTTP calls). Errors start
with Keptn's ``Webhook configuration invalid: `` and name the webhook or request
(``webhooks[1].requests[0]``).

Example::

    webhook = select_webhook(parse_config(text), "sh.keptn.event.test.triggered")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from slogate.adapters import yamlfile
from slogate.adapters.executors.destination import DestinationError, Entry, parse_entries
from slogate.adapters.executors.load_profile import parse_duration
from slogate.domain.sequencing.executor_plan import EXECUTORS_URI
from slogate.errors import InputError

ALPHA = "webhookconfig.keptn.sh/v1alpha1"
BETA = "webhookconfig.keptn.sh/v1beta1"
INVALID = "Webhook configuration invalid: "
METHODS = ("POST", "PUT", "GET", "HEAD")  # Keptn's webhook-service accepts no other method
FIELDS = ("subscriptionID", "timeout", "denyList")
DEFAULT_TIMEOUT = 30.0


class WebhookConfigError(InputError):
    """A ``webhook.yaml`` that cannot be used, or no webhook in it for the event."""

    code = "invalid_webhook"


@dataclass(frozen=True, slots=True)
class SecretRef:
    """One ``envFrom`` entry: the secret ``secret``'s ``key`` becomes ``.env.<name>``."""

    name: str
    secret: str
    key: str


@dataclass(frozen=True, slots=True)
class Request:
    """A v1beta1 request, as written (templates not yet rendered)."""

    url: str
    method: str
    headers: tuple[tuple[str, str], ...] = ()
    payload: str = ""
    options: str = ""

    def describe(self) -> str:
        """The curl command Keptn builds from this request (its error messages quote it)."""
        parts = [f"curl --request {self.method}"]
        parts += [f'--header "{key}: {value}"' for key, value in self.headers]
        parts += [f'--data "{self.payload}"'] if self.payload else []
        parts += [self.options] if self.options else []
        return " ".join([*parts, self.url])


@dataclass(frozen=True, slots=True)
class Webhook:
    """One webhook: what it answers, its secrets and its requests (v1alpha1: curl strings)."""

    type: str
    subscription_id: str
    send_started: bool = True
    send_finished: bool = False
    env_from: tuple[SecretRef, ...] = ()
    requests: tuple[Request | str, ...] = ()


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """A whole ``webhook.yaml``."""

    api_version: str
    webhooks: tuple[Webhook, ...]


@dataclass(frozen=True, slots=True)
class Settings:
    """The task's ``config``: which webhook, the per-request timeout, the hosts and networks never
    called besides the default deny list (:mod:`.destination`)."""

    subscription_id: str = ""
    timeout: float = DEFAULT_TIMEOUT
    deny_list: tuple[Entry, ...] = ()


def parse_settings(config: object, task: str) -> Settings:
    """The settings of a task's config block; WebhookConfigError naming the field and its accepted form."""
    where = f"{EXECUTORS_URI}: {task}.config"
    if not isinstance(config, Mapping):
        raise WebhookConfigError(f"{where} must be a mapping of settings, got {config!r}")
    unknown = [str(key) for key in config if key not in FIELDS]
    if unknown:
        raise WebhookConfigError(
            f"{where}.{unknown[0]} is not a setting of the webhook executor; use {', '.join(FIELDS)}"
        )
    subscription = config.get("subscriptionID", "")
    if not isinstance(subscription, str):
        raise WebhookConfigError(
            f"{where}.subscriptionID must be the subscriptionID of a webhook, got {subscription!r}"
        )
    seconds = parse_duration(config.get("timeout", DEFAULT_TIMEOUT))
    if seconds is None or seconds <= 0:
        raise WebhookConfigError(
            f'{where}.timeout must be a positive duration, e.g. "10s" or 2.5, got {config["timeout"]!r}'
        )
    deny = config.get("denyList", [])
    if not isinstance(deny, list) or not all(isinstance(entry, str) and entry for entry in deny):
        raise WebhookConfigError(
            f"{where}.denyList must be a list of host names, addresses or networks never called, got {deny!r}"
        )
    try:
        return Settings(subscription, seconds, parse_entries(deny, f"{where}.denyList"))
    except DestinationError as error:
        raise WebhookConfigError(error.message) from None


def parse_config(text: str) -> WebhookConfig:
    """The checked configuration of ``text``; WebhookConfigError saying what is wrong."""
    try:
        document = yamlfile.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "cannot be read"
        raise WebhookConfigError(f"{INVALID}not valid YAML: {problem}{where}") from None
    if not isinstance(document, Mapping):
        raise WebhookConfigError(f"{INVALID}the file is not a mapping with apiVersion, kind and spec")
    version = document.get("apiVersion")
    if version not in (ALPHA, BETA):
        raise WebhookConfigError(f"{INVALID}unsupported apiVersion {version!r}: use {BETA} or {ALPHA}")
    spec = document.get("spec")
    webhooks = spec.get("webhooks") if isinstance(spec, Mapping) else None
    if not isinstance(webhooks, list) or not webhooks:
        raise WebhookConfigError(f"{INVALID}missing 'webhooks[]' part")
    return WebhookConfig(
        version, tuple(_webhook(item, f"webhooks[{n}]", version) for n, item in enumerate(webhooks))
    )


def select_webhook(config: WebhookConfig, event_type: str, subscription_id: str = "") -> Webhook:
    """The webhook with ``subscription_id`` (Keptn matches on it alone); without one, the only webhook
    whose ``type`` matches ``event_type`` (NATS wildcards ``*`` and ``>`` allowed)."""
    if subscription_id:
        for webhook in config.webhooks:
            if webhook.subscription_id == subscription_id:
                return webhook
        known = ", ".join(repr(webhook.subscription_id) for webhook in config.webhooks)
        raise WebhookConfigError(f"no webhook with subscriptionID {subscription_id!r} (there are {known})")
    matching = [webhook for webhook in config.webhooks if type_matches(webhook.type, event_type)]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        types = ", ".join(sorted({webhook.type for webhook in config.webhooks}))
        raise WebhookConfigError(f"no webhook of type {event_type} (there are webhooks of type {types})")
    ids = ", ".join(repr(webhook.subscription_id) for webhook in matching)
    raise WebhookConfigError(
        f"{len(matching)} webhooks of type {event_type} (subscriptionIDs {ids}): choose one with "
        "subscriptionID in the task's config in slogate/executors.yaml"
    )


def type_matches(pattern: str, event_type: str) -> bool:
    """Whether ``event_type`` matches ``pattern`` (a type, or a NATS subject with ``*`` / ``>``)."""
    wanted, parts = pattern.split("."), event_type.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(parts) > index
        if index >= len(parts) or token not in ("*", parts[index]):
            return False
    return len(wanted) == len(parts)


def subscription_of(data: Mapping[str, Any]) -> str:
    """``data.temporaryData.distributor.subscriptionID`` (Keptn's distributor sets it), or ""."""
    distributor = (data.get("temporaryData") or {}).get("distributor") if isinstance(data, Mapping) else None
    found = distributor.get("subscriptionID") if isinstance(distributor, Mapping) else None
    return found if isinstance(found, str) else ""


def _webhook(item: object, where: str, version: str) -> Webhook:
    if not isinstance(item, Mapping):
        raise WebhookConfigError(f"{INVALID}{where} is not a mapping")
    kind = _text(item, "type", where)
    if not kind:
        raise WebhookConfigError(f"{INVALID}missing 'webhooks[].Type' part ({where})")
    subscription_id = _text(item, "subscriptionID", where)
    if not subscription_id:
        raise WebhookConfigError(f"{INVALID}missing 'webhooks[].SubscriptionID' part ({where})")
    requests = item.get("requests")
    if not isinstance(requests, list) or not requests:
        raise WebhookConfigError(f"{INVALID}missing 'webhooks[].Requests[]' part ({where})")
    parse = _beta_request if version == BETA else _alpha_request
    return Webhook(
        type=kind,
        subscription_id=subscription_id,
        send_started=_flag(item, "sendStarted", True, where),
        send_finished=_flag(item, "sendFinished", False, where),
        env_from=_env_from(item.get("envFrom"), where),
        requests=tuple(parse(request, f"{where}.requests[{n}]") for n, request in enumerate(requests)),
    )


def _alpha_request(item: object, where: str) -> str:
    if not isinstance(item, str) or not item.strip():
        raise WebhookConfigError(f'{INVALID}{where}: a {ALPHA} request is a "curl …" command string')
    return item


def _beta_request(item: object, where: str) -> Request:
    if not isinstance(item, Mapping):
        raise WebhookConfigError(
            f"{INVALID}{where}: a {BETA} request is a mapping with url and method "
            f'(a "curl …" string needs apiVersion {ALPHA})'
        )
    url, method = _text(item, "url", where), _text(item, "method", where)
    if not url:
        raise WebhookConfigError(f"{INVALID}webhook request URL empty ({where})")
    if not method:
        raise WebhookConfigError(f"{INVALID}webhook request method empty ({where})")
    if method not in METHODS:
        raise WebhookConfigError(
            f"{INVALID}unsupported webhook request method ({where}: {method!r}; use {', '.join(METHODS)})"
        )
    return Request(
        url,
        method,
        _headers(item.get("headers"), where),
        _text(item, "payload", where),
        _text(item, "options", where),
    )


def _headers(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise WebhookConfigError(f"{INVALID}{where}.headers is not a list of key/value mappings")
    headers = []
    for n, header in enumerate(value):
        at = f"{where}.headers[{n}]"
        if not isinstance(header, Mapping):
            raise WebhookConfigError(f"{INVALID}{at} is not a mapping with key and value")
        key, text = _text(header, "key", at), _text(header, "value", at)
        if not key or not text:
            raise WebhookConfigError(f"{INVALID}webhook request header or value empty ({at})")
        headers.append((key, text))
    return tuple(headers)


def _env_from(value: object, where: str) -> tuple[SecretRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise WebhookConfigError(f"{INVALID}{where}.envFrom is not a list")
    refs = []
    for n, entry in enumerate(value):
        at = f"{where}.envFrom[{n}]"
        secret_ref = entry.get("secretRef") if isinstance(entry, Mapping) else None
        if not isinstance(entry, Mapping) or not isinstance(secret_ref, Mapping):
            raise WebhookConfigError(f"{INVALID}{at} is not a mapping with name and secretRef {{name, key}}")
        ref = SecretRef(
            _text(entry, "name", at),
            _text(secret_ref, "name", at + ".secretRef"),
            _text(secret_ref, "key", at + ".secretRef"),
        )
        if not (ref.name and ref.secret and ref.key):
            raise WebhookConfigError(f"{INVALID}{at} needs name, secretRef.name and secretRef.key")
        refs.append(ref)
    return tuple(refs)


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise WebhookConfigError(f"{INVALID}{where}.{key} is not a string: {value!r}")
    return str(value)


def _flag(item: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise WebhookConfigError(f"{INVALID}{where}.{key} is not true or false: {value!r}")
    return value
