"""The ``webhook`` executor: Keptn's webhook-service, calling the requests of ``webhook/webhook.yaml``.

For a task's ``.triggered`` event it reads ``webhook/webhook.yaml`` (the most specific of service,
stage and project level that has one), picks the webhook (:func:`.webhook_config.select_webhook`)
by ``subscriptionID``: the one in the task's config, else the event's
``data.temporaryData.distributor.subscriptionID`` (set by Keptn's distributor), else each webhook
whose ``type`` is the event's type, one run each (:func:`deliveries`). It reads the ``envFrom``
secrets into ``.env``, renders each request (:mod:`.webhook_template`) and calls it in order with
httpx; the first failure stops the rest. Success answers ``{<task>: {responses: [...]}}`` (each
body as JSON when it parses, else as text); a failure is errored/fail with Keptn's message and no
task block. Secret values are replaced by ``***`` in every message and response.

Each request (and, with ``--location``, each redirect hop) goes only to a destination
:mod:`.destination` allows, at the address it checked: the URL's host is resolved once and the
connection is pinned to that address, with the URL's Host header and TLS server name.

Task config (``slogate/executors.yaml``)::

    tasks:
      test: {executor: webhook, config: {subscriptionID: "…", timeout: 10s, denyList: [corp, 10.9.0.0/16]}}

``sendStarted``/``sendFinished`` change which replies the *caller* sends: it asks
:func:`started_events` before :meth:`WebhookExecutor.run` and :func:`finished_events` after it
(Keptn's counts: with ``sendFinished: false`` one ``.started`` per request and no ``.finished`` on
success, as each called endpoint posts its own). :func:`sends_started` and :func:`sends_finished`
are the webhook's two flags.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from slogate.adapters.executors.destination import (
    DestinationError,
    Resolver,
    Rules,
    destination,
    is_name,
    parse_entries,
    system_resolver,
)
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
    type_matches,
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
MAX_REDIRECTS = 20  # with --location, as httpx
CREDENTIALS = ("authorization", "cookie", "proxy-authorization")  # not sent on to another host
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


def finished_events(request: TaskRequest, context: TaskContext, result: TaskResult, done: int = 0) -> int:
    """How many ``.finished`` (each with ``result``) the caller sends after ``run``, as Keptn: 1 with
    ``sendFinished: true`` or when the webhook cannot be loaded; with ``sendFinished: false`` none
    on success (the called endpoints send them), one per request not ``done`` on failure."""
    try:
        _, webhook = load_webhook(request, context)
    except WebhookError:
        return 1
    if webhook.send_finished:
        return 1
    if result.status == SUCCEEDED and result.result != FAIL:
        return 0
    return max(len(webhook.requests) - done, 0)


def deliveries(request: TaskRequest, context: TaskContext) -> list[TaskRequest]:
    """The runs of one task event, as Keptn's distributor delivers an event once per matching
    subscription: without a subscription id (task config or event), one run per distinct
    ``subscriptionID`` among the webhooks whose ``type`` matches the event, each with that id in its
    config; else (or when the file cannot be read, which the run then reports) the request alone."""
    try:
        settings = parse_settings(request.config, request.task)
        text = context.resource(WEBHOOK_URI)
        config = parse_config(text) if text is not None else None
    except WebhookConfigError:
        return [request]
    if config is None or settings.subscription_id or subscription_of(request.event.data):
        return [request]
    ids = [
        webhook.subscription_id
        for webhook in config.webhooks
        if type_matches(webhook.type, request.event.type)
    ]
    chosen = list(dict.fromkeys(ids))
    if len(chosen) < 2:
        return [request]
    return [
        TaskRequest(request.event, request.task, {**request.config, "subscriptionID": id_}) for id_ in chosen
    ]


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
    deliveries = staticmethod(deliveries)  # one run per webhook the event reaches

    def __init__(
        self,
        environment: ExecutorEnvironment,
        client: httpx.AsyncClient | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._owns_client = client is None
        self._client = client or _client(verify=True)
        self._resolve = resolver
        self._allow = parse_entries(environment.webhook_allow_list, "SLOGATE_WEBHOOK_ALLOW_LIST")
        self._closed = False
        self._done: dict[tuple[str, str], int] = {}  # requests done by a failed run, until counted

    def finished_events(self, request: TaskRequest, context: TaskContext, result: TaskResult) -> int:
        """:func:`finished_events` of a result of :meth:`run` (which knows how many requests it did)."""
        done = self._done.pop(_run_key(request), 0)
        return finished_events(request, context, result, done)

    @staticmethod
    def rerun_safe(request: TaskRequest) -> bool:
        """Never: a request may have reached its endpoint before the server died, and calling it
        again could repeat what it did elsewhere (a build, a notification, a payment)."""
        return False

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
                self._done[_run_key(request)] = len(responses)
                return TaskResult.errored(message)  # Keptn's errored .finished has no task block
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
        rules = Rules(deny=settings.deny_list, allow=self._allow)
        try:
            async with asyncio.timeout(seconds):
                response = await self._send(call, seconds, rules, prefix)
        except (TimeoutError, httpx.TimeoutException):
            hint = "raise timeout in the task's config, or set --max-time in the request's options"
            raise WebhookError(f"{prefix}{EXECUTION}no response within {seconds:g} s ({hint})") from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:  # ValueError: e.g. a bad header
            raise WebhookError(f"{prefix}{EXECUTION}{type(error).__name__}: {error}") from None
        if not 200 <= response.status_code < 300:
            raise WebhookError(prefix + _status_error(response))
        return _parsed(response.text)

    async def _send(self, call: Call, seconds: float, rules: Rules, prefix: str) -> httpx.Response:
        """Call ``call``, each hop (with ``--location``) at the address checked for its host."""
        name, _, password = call.user.partition(":")
        insecure = "insecure" in call.flags  # curl's --insecure: no certificate check
        client = _client(verify=False) if insecure else self._client
        hop = _Hop(call.method, httpx.URL(call.url), list(call.headers), call.body)
        auth = httpx.BasicAuth(name, password) if call.user else None
        timeout = httpx.Timeout(seconds, connect=call.connect_timeout or seconds)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                if hop.url.scheme not in ("http", "https"):
                    raise WebhookError(
                        f"{prefix}{hop.redirected}only http:// and https:// URLs can be called"
                    )
                try:
                    address = await destination(hop.url.host, rules, self._resolve)
                except DestinationError as denied:
                    raise WebhookError(prefix + hop.redirected + denied.message) from None
                request = hop.pinned(client, str(address), timeout)
                response = await client.send(request, auth=auth if hop.same_host(call.url) else None)
                if "location" not in call.flags or not response.has_redirect_location:
                    return response
                hop = hop.redirect(response)
            raise WebhookError(f"{prefix}{EXECUTION}more than {MAX_REDIRECTS} redirects")
        finally:
            if insecure:
                await client.aclose()


class _Hop:
    """One request of a call: the first, or one that a redirect asks for."""

    def __init__(self, method: str, url: httpx.URL, headers: list[tuple[str, str]], body: str | None) -> None:
        self.method, self.url, self.headers, self.body = method, url, headers, body
        self.redirected = ""  # for messages: "redirect to <Location>: "

    def pinned(self, client: httpx.AsyncClient, address: str, timeout: httpx.Timeout) -> httpx.Request:
        """The request to the checked ``address``, with the Host header and TLS server name of the URL."""
        headers = list(self.headers)
        if not any(key.lower() == "host" for key, _ in headers):
            headers.append(("Host", self.url.netloc.decode("ascii")))
        named = self.url.scheme == "https" and is_name(self.url.host)
        return client.build_request(
            self.method,
            self.url.copy_with(host=address),
            headers=headers,
            content=None if self.body is None else self.body.encode("utf-8"),
            timeout=timeout,
            extensions={"sni_hostname": self.url.host.rstrip(".")} if named else {},
        )

    def same_host(self, url: str) -> bool:
        """Whether this hop goes to the scheme, host and port of ``url`` (credentials go only there)."""
        first = httpx.URL(url)
        return (self.url.scheme, self.url.host, self.url.port) == (first.scheme, first.host, first.port)

    def redirect(self, response: httpx.Response) -> _Hop:
        """The next hop for a 3xx ``response``: 303 (and 301/302 after a POST) turn into a GET without
        a body, as in curl; credentials (and a Host header set by hand) are not sent on to another host."""
        url = self.url.join(response.headers["location"])
        method, body, headers = self.method, self.body, self.headers
        status = response.status_code
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
            headers = [(key, value) for key, value in headers if key.lower() != "content-type"]
        if (url.scheme, url.host, url.port) != (self.url.scheme, self.url.host, self.url.port):
            headers = [(key, value) for key, value in headers if key.lower() not in (*CREDENTIALS, "host")]
        hop = _Hop(method, url, headers, body)
        hop.redirected = f"redirect to {response.headers['location']}: "
        return hop


def create(environment: ExecutorEnvironment) -> WebhookExecutor:
    """The entry point of ``slogate.executors``."""
    return WebhookExecutor(environment)


def _run_key(request: TaskRequest) -> tuple[str, str]:
    """Which run of which event: the trigger's id and the subscription id it runs for."""
    return request.event.id, str(request.config.get("subscriptionID", ""))


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


def _client(verify: bool) -> httpx.AsyncClient:
    """A client that connects where it is told: no proxy from the environment (it would resolve the
    host itself) and no kept-alive connection (a TLS connection belongs to one host name)."""
    transport = httpx.AsyncHTTPTransport(verify=verify, limits=httpx.Limits(max_keepalive_connections=0))
    return httpx.AsyncClient(transport=transport, timeout=DEFAULT_TIMEOUT, headers=HEADERS)


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
