"""A recording HTTP(S) server on 127.0.0.1 for the webhook executor's tests, and helpers to run a webhook.

Routes: /json echoes the request as JSON, /text answers text, /fail answers 500 with the path,
/slow waits for ``release``, /redirect answers ``status`` (default 302) to ``to`` (default /text),
/redirect/loop redirects to itself.

Example::

    with serving() as server:
        result = run(beta(f'- {{url: "{server.url}/text", method: GET}}'))
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import ssl
import textwrap
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from slogate.adapters.executors.destination import Resolver, system_resolver
from slogate.adapters.executors.webhook import WebhookExecutor
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports.executors import ExecutorEnvironment, TaskRequest, TaskResult

SECRET = "s3cret-Value!"
SECRETS = {"hook-secret": {"token": SECRET, "user": "robot"}}
LOOPBACK = ("127.0.0.1",)  # the allow list that lets the tests' server through


@dataclass(frozen=True)
class Received:
    """One request the server got."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: str


class Server(ThreadingHTTPServer):
    """Records every request (and, with TLS, the server names clients asked for); ``release`` ends
    the slow route's wait."""

    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.received: list[Received] = []
        self.server_names: list[str | None] = []
        self.release = threading.Event()
        self.scheme = "http"
        if tls is not None:
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.socket = tls.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (the timeout test) is no error of the server."""


class Handler(BaseHTTPRequestHandler):
    """The routes of the module's docstring."""

    server: Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        headers = {key.lower(): value for key, value in self.headers.items()}
        self.server.received.append(Received(self.command, self.path, headers, body))
        if self.path.startswith("/slow"):
            self.server.release.wait(5)
        if self.path.startswith("/json"):
            echo = {"method": self.command, "path": self.path, "headers": headers, "body": body}
            self._send(200, json.dumps(echo), "application/json")
        elif self.path.startswith("/fail"):
            self._send(500, f"boom at {self.path}", "text/plain")
        elif self.path.startswith("/redirect"):
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            status = int(query.get("status", ["302"])[0])
            target = "/redirect/loop" if self.path == "/redirect/loop" else query.get("to", ["/text"])[0]
            self._send(status, "", "text/plain", {"Location": target})
        else:
            self._send(200, "plain text", "text/plain")

    def _send(self, status: int, text: str, kind: str, extra: Mapping[str, str] | None = None) -> None:
        payload = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    """A running :class:`Server`, stopped at the end."""
    httpd = Server(tls)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def certificate(name: str, directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for ``name``: the server's TLS context and a client context trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return server, ssl.create_default_context(cafile=str(cert_file))


@dataclass
class Context:
    """The TaskContext: resources by URI (already resolved to the most specific level) and secrets."""

    resources: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, dict[str, str]] = field(default_factory=lambda: dict(SECRETS))

    def resource(self, uri: str) -> str | None:
        return self.resources.get(uri)

    def secret(self, name: str) -> Mapping[str, str] | None:
        return self.secrets.get(name)


def event(**extra: Any) -> KeptnEvent:
    data = {"project": "sockshop", "stage": "qa", "service": "carts", "labels": {"build": "7"}, **extra}
    return KeptnEvent(
        id="trigger-1",
        type="sh.keptn.event.test.triggered",
        source="shipyard-controller",
        time=datetime(2024, 1, 1, tzinfo=UTC),
        shkeptncontext="ctx-1",
        data=data,
    )


def beta(requests: str, head: str = "", version: str = "v1beta1") -> str:
    """A webhook.yaml with one webhook for test.triggered: ``head`` adds webhook fields."""
    body = textwrap.indent(textwrap.dedent(requests).strip(), "        ")
    fields = textwrap.indent(textwrap.dedent(head).strip(), "      ")
    return (
        f"apiVersion: webhookconfig.keptn.sh/{version}\nkind: WebhookConfig\nspec:\n  webhooks:\n"
        "    - type: sh.keptn.event.test.triggered\n      subscriptionID: sub-1\n"
        f"{fields + chr(10) if fields else ''}"
        "      envFrom:\n        - {name: token, secretRef: {name: hook-secret, key: token}}\n"
        f"      requests:\n{body}\n"
    )


def context_with(config: str) -> Context:
    return Context({"webhook/webhook.yaml": config})


def run(
    config: str | Context,
    settings: Mapping[str, Any] | None = None,
    trigger: KeptnEvent | None = None,
    allow: tuple[str, ...] = LOOPBACK,
    resolver: Resolver = system_resolver,
    verify: ssl.SSLContext | None = None,
) -> TaskResult:
    """Run the webhook of ``config`` with the operator's allow list ``allow`` (default: 127.0.0.1);
    ``verify``: a client trusting that TLS context instead of the executor's own client."""
    context = config if isinstance(config, Context) else context_with(config)
    request = TaskRequest(trigger or event(), "test", dict(settings or {}))

    async def go() -> TaskResult:
        environment = ExecutorEnvironment(Path("."), lambda: datetime.now(UTC), allow)
        client = (
            None if verify is None else httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(verify=verify))
        )
        executor = WebhookExecutor(environment, client, resolver)
        try:
            return await executor.run(request, context)
        finally:
            await executor.aclose()
            if client is not None:
                await client.aclose()

    return asyncio.run(go())
