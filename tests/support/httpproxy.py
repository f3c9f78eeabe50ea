"""A recording reverse proxy on 127.0.0.1 for checking what an HTTP client really sends.

It forwards every request to an upstream (a real Prometheus), records the headers and form fields,
counts requests in flight, and can hold chosen answers back (to provoke timeouts) or refuse POST
with 405 (to exercise the GET fallback).

Example::

    with RecordingProxy(prometheus.url, delay=lambda form: 3.0 if "slow" in form["query"] else 0) as proxy:
        ...  # point the client at proxy.url, then inspect proxy.requests and proxy.max_in_flight
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

Form = dict[str, str]


@dataclass(frozen=True)
class Recorded:
    """One request as the proxy saw it."""

    method: str
    path: str
    headers: dict[str, str]
    form: Form


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) closes its socket; nothing to report."""


class RecordingProxy:
    """Forwards to ``upstream``; ``delay(form)`` seconds are waited before answering a request."""

    def __init__(
        self,
        upstream: str,
        *,
        delay: Callable[[Form], float] | None = None,
        refuse_post: bool = False,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.delay = delay or (lambda form: 0.0)
        self.refuse_post = refuse_post
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._client = httpx.Client(timeout=30)
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._serve, name="proxy", daemon=True)

    @property
    def url(self) -> str:
        """The proxy's base URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def start(self) -> RecordingProxy:
        """Start serving; returns itself."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release held answers, stop serving, close every socket."""
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        self._client.close()

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._forward(b"")

            def do_POST(self) -> None:
                self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _forward(self, body: bytes) -> None:
                path, _, query = self.path.partition("?")
                form = dict(urllib.parse.parse_qsl(query or body.decode(), keep_blank_values=True))
                proxy._record(Recorded(self.command, path, dict(self.headers.items()), form))
                try:
                    if self.command == "POST" and proxy.refuse_post:
                        self._answer(405, "text/plain", b"method not allowed")
                        return
                    proxy._stopping.wait(proxy.delay(form))
                    headers = {"Content-Type": self.headers.get("Content-Type", "")} if body else {}
                    answer = proxy._client.request(
                        self.command, proxy.upstream + self.path, content=body, headers=headers
                    )
                    self._answer(answer.status_code, answer.headers.get("Content-Type", ""), answer.content)
                finally:
                    proxy._done()

            def _answer(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

        return Handler
