"""The ``webhook`` executor: Keptn's webhook-service, calling the requests of ``webhook/webhook.yaml``.

For a task's ``.triggered`` event it reads ``webhook/webhook.yaml`` (the most specific of service,
stage and project level that has one), picks the webhook (:func:`.webhook_config.select_webhook`)
by ``subscriptionID``: the one in the task's config, else the event's
``data.temporaryData.distributor.subscriptionID`` (set by Keptn's distributor), else the only webhook
whose ``type`` is the event's type. It reads the ``envFrom`` secrets into ``.env``, renders each
request (:mod:`.webhook_template`) and calls it in order with httpx; the first failure stops the
rest. Success answers ``{<task>: {responses: [...]}}`` (each body as JSON when it parses, else as
text); a failure is errored/fail with Keptn's message (and the responses so far). Secret values
are replaced by ``***`` in every message and response.

Task config (``slogate/executors.yaml``)::

    tasks:
      test: {executor: webhook, config: {subscriptionID: "…", timeout: 10s, denyList: [internal.corp]}}

``sendStarted``/``sendFinished`` change which replies the *caller* sends: it asks
:func:`started_events` before :meth:`WebhookExecutor.run` and :func:`finished_events` after it
(Keptn's counts: with ``sendFinished: false`` one ``.started`` per request and no ``.finished`` on
success, as each called endpoint posts its own). :func:`sends_started` and :func:`sends_finished`
are the webhook's two flags.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from slogate.adapters.executors.webhook_config import (
    DEFAULT_TIMEOUT,
    Request,
    Settings,
    Webhook,
    WebhookConfigError,
    parse_config,
    parse_settings,
    select_webhook,
    subscription_of,
)
from slogate.adapters.executors.webhook_template import (
    Call,
    CurlError,
    TemplateError,
    render_call,
    template_values,
)
from slogate.errors import InputError
from slogate.ports.executors import FAIL, SUCCEEDED, ExecutorEnvironment, TaskContext, TaskRequest, TaskResult

WEBHOOK_URI = "webhook/webhook.yaml"
NO_CONFIG = "could not retrieve Webhook config: "
NOT_FOUND = "no valid webhook config found"
MISSING = f"{NOT_FOUND}: no {WEBHOOK_URI} at the service, stage or project level (upload one)"
EXECUTION = "error during curl request execution: "
CLOSED = "the webhook executor is closed (slogate is shutting down); trigger the sequence again"
HEADERS = {"User-Agent": "slogate-webhook"}
BODY_LIMIT = 2000  # characters of a failed response's body quoted in the message
logger = logging.getLogger(__name__)


class WebhookError(InputError):
    """Why a webhook cannot run or a request failed (the task's message)."""

    code = "webhook_failed"


def load_webhook(request: TaskRequest, context: TaskContext) -> tuple[Settings, Webhook]:
    """The task's settings and the webhook it runs; WebhookError with Keptn's message when there is none."""
    try:
        settings = parse_settings(request.config, request.task)
    except WebhookConfigError as error:
        raise WebhookError(error.message) from None
    text = context.resource(WEBHOOK_URI)
    if text is None:
        raise WebhookError(NO_CONFIG + MISSING)
    try:
        config = parse_config(text)
    except WebhookConfigError as error:
        raise WebhookError(NO_CONFIG + error.message) from None
    subscription = settings.subscription_id or subscription_of(request.event.data)
    try:
        return settings, select_webhook(config, request.event.type, subscription)
    except WebhookConfigError as error:
        raise WebhookError(f"{NO_CONFIG}{NOT_FOUND}: {WEBHOOK_URI} has {error.message}") from None


def started_events(request: TaskRequest, context: TaskContext) -> int:
    """How many ``.started`` the caller sends before :meth:`WebhookExecutor.run`, as Keptn: 0 with
    ``sendStarted: false``, 1 with ``sendFinished: true``, else one per request; 1 when the webhook
    cannot be loaded (Keptn then sends one ``.started`` and one errored ``.finished``)."""
    try:
        _, webhook = load_webhook(request, context)
    except WebhookError:
        return 1
    if not webhook.send_started:
        return 0
    return 1 if webhook.send_finished else len(webhook.requests)


def finished_events(request: TaskRequest, context: TaskContext, result: TaskResult) -> int:
    """How many ``.finished`` (each with ``result``) the caller sends after ``run``, as Keptn: 1 with
    ``sendFinished: true`` or when the webhook cannot be loaded; with ``sendFinished: false`` none
    on success (the called endpoints send them), one per request not done on failure."""
    try:
        _, webhook = load_webhook(request, context)
    except WebhookError:
        return 1
    if webhook.send_finished:
        return 1
    if result.status == SUCCEEDED and result.result != FAIL:
        return 0
    block = result.data.get(request.task)
    done = block.get("responses") if isinstance(block, Mapping) else None
    return max(len(webhook.requests) - (len(done) if isinstance(done, list) else 0), 0)


def sends_started(request: TaskRequest, context: TaskContext) -> bool:
    """The webhook's ``sendStarted`` (default true); true when it cannot be loaded."""
    return started_events(request, context) > 0


def sends_finished(request: TaskRequest, context: TaskContext) -> bool:
    """The webhook's ``sendFinished`` (default false); true when it cannot be loaded. With false, a
    failed run still needs :func:`finished_events` ``.finished`` events."""
    try:
        return load_webhook(request, context)[1].send_finished
    except WebhookError:
        return True


def _configured(request: TaskRequest, context: TaskContext) -> tuple[Settings, Webhook, dict[str, str]]:
    """The webhook of the task, its settings and its secrets' values."""
    settings, webhook = load_webhook(request, context)
    return settings, webhook, _secrets(webhook, context)


class WebhookExecutor:
    """Calls webhooks; several tasks may run at once over one connection pool."""

    name = "webhook"
    started_events = staticmethod(started_events)  # EventCounts: Keptn's sendStarted/sendFinished
    finished_events = staticmethod(finished_events)

    def __init__(self, environment: ExecutorEnvironment, client: httpx.AsyncClient | None = None) -> None:
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, headers=HEADERS)
        self._closed = False

    async def run(self, request: TaskRequest, context: TaskContext) -> TaskResult:
        """Call the webhook's requests in order; errored with Keptn's message at the first failure."""
        if self._closed:
            return TaskResult.errored(CLOSED)
        try:  # store reads: off the event loop
            settings, webhook, env = await asyncio.to_thread(_configured, request, context)
        except WebhookError as refused:
            return TaskResult.errored(refused.message)
        secrets = sorted({value for value in env.values() if value}, key=len, reverse=True)
        values = template_values(request.event, env)
        logger.info("webhook %s: %d request(s) for %s", webhook.subscription_id, len(webhook.requests),
                    request.event.id)  # fmt: skip
        responses: list[Any] = []
        for item in webhook.requests:
            try:
                responses.append(await self._request(item, values, settings))
            except WebhookError as refused:
                message = _masked(refused.message, secrets)
                logger.warning("webhook %s failed: %s", webhook.subscription_id, message)
                return TaskResult.errored(message, {request.task: {"responses": _masked(responses, secrets)}})
        return TaskResult(data={request.task: {"responses": _masked(responses, secrets)}})

    async def aclose(self) -> None:
        """Refuse new tasks and close the connection pool if this executor made it."""
        self._closed = True
        if self._owns_client:
            await self._client.aclose()

    async def _request(self, item: Request | str, values: Mapping[str, Any], settings: Settings) -> Any:
        text = item if isinstance(item, str) else item.describe()
        try:
            call = render_call(item, values)
        except TemplateError as error:
            raise WebhookError(f"could not parse request '{text}' : {error.message}") from None
        except CurlError as error:
            raise WebhookError(f"could not execute request '{text}': {error.message}") from None
        prefix = f"could not execute request '{text}': "
        seconds = call.max_time or settings.timeout
        try:
            async with asyncio.timeout(seconds):
                denied = await _denied(call.url, settings.deny_list)
                if denied:
                    raise WebhookError(prefix + denied)
                response = await self._send(call, seconds)
        except (TimeoutError, httpx.TimeoutException):
            hint = "raise timeout in the task's config, or set --max-time in the request's options"
            raise WebhookError(f"{prefix}{EXECUTION}no response within {seconds:g} s ({hint})") from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:  # ValueError: e.g. a bad header
            raise WebhookError(f"{prefix}{EXECUTION}{type(error).__name__}: {error}") from None
        if not 200 <= response.status_code < 300:
            raise WebhookError(prefix + _status_error(response))
        return _parsed(response.text)

    async def _send(self, call: Call, seconds: float) -> httpx.Response:
        name, _, password = call.user.partition(":")
        insecure = "insecure" in call.flags  # curl's --insecure: no certificate check
        client = httpx.AsyncClient(verify=False, headers=HEADERS) if insecure else self._client
        try:
            return await client.request(
                call.method,
                call.url,
                headers=list(call.headers),
                content=None if call.body is None else call.body.encode("utf-8"),
                timeout=httpx.Timeout(seconds, connect=call.connect_timeout or seconds),
                auth=httpx.BasicAuth(name, password) if call.user else None,
                follow_redirects="location" in call.flags,
            )
        finally:
            if insecure:
                await client.aclose()


def create(environment: ExecutorEnvironment) -> WebhookExecutor:
    """The entry point of ``slogate.executors``."""
    return WebhookExecutor(environment)


def _secrets(webhook: Webhook, context: TaskContext) -> dict[str, str]:
    """``.env``: each ``envFrom`` secret value by its name; WebhookError naming a missing secret or key."""
    env: dict[str, str] = {}
    for ref in webhook.env_from:
        cannot = f"could not read secret {ref.secret}.{ref.key}"
        secret = context.secret(ref.secret)
        if secret is None:
            raise WebhookError(f"{cannot}: there is no secret '{ref.secret}' (create it with the secret API)")
        if ref.key not in secret:
            keys = ", ".join(sorted(secret)) or "none"
            raise WebhookError(f"{cannot}: secret '{ref.secret}' has no key '{ref.key}' (its keys: {keys})")
        env[ref.name] = secret[ref.key]
    return env


async def _denied(url: str, deny_list: Sequence[str]) -> str:
    """Why ``url`` may not be called (a deny-list entry in it or in its addresses), or ""."""
    for entry in deny_list:
        if entry in url:
            return f"curl command contains denied URL '{entry}'"
    for address in await _addresses(urllib.parse.urlsplit(url).hostname or ""):
        for entry in deny_list:
            if entry in address:
                return f"curl command contains denied IP address '{entry}'"
    return ""


async def _addresses(host: str) -> list[str]:
    if not host:
        return []
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError:
        return []  # the request itself then says why the host cannot be reached
    return sorted({str(info[4][0]) for info in found})


def _status_error(response: httpx.Response) -> str:
    status = f"HTTP status {response.status_code} {response.reason_phrase}"
    location = response.headers.get("location")
    if location is not None and 300 <= response.status_code < 400:
        status += f" (a redirect to {location}; add --location to the request's options to follow it)"
    body = response.text
    clipped = body if len(body) <= BODY_LIMIT else body[:BODY_LIMIT] + f"… ({len(body)} characters)"
    return f"{EXECUTION}{status}.\nResponse: \n{clipped}"


def _parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body


def _masked(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` with every secret value inside its strings (keys too) replaced by ``***``."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "***")
        return value
    if isinstance(value, Mapping):
        return {_masked(key, secrets): _masked(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, secrets) for item in value]
    return value
