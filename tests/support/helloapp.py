"""A stand-in for the tutorial's podtatoserver: ``/`` with a settable latency and its ``/metrics``.

It exposes what the tutorial's ``sli.yaml`` queries (prometheus-and-tutorial.md §4.1, §5.2): the
``http_server_request_duration_seconds`` histogram (labels method, route, status_code; Go's default
buckets), the ``http_requests_total{status="success"}`` counter and a ``go_goroutines`` gauge.

Example::

    with HelloApp(version="0.1.1") as app:
        drive_load(app.url, rate=10, seconds=3)
        app.redeploy("0.1.2", delay=0.4)  # the slow build: metrics restart from zero
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import httpx
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

GO_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HelloApp:
    """The sample service on a free 127.0.0.1 port, served from a background thread."""

    def __init__(self, version: str = "0.1.1", delay: float = 0.0) -> None:
        self.redeploy(version, delay)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = False
        self._thread = threading.Thread(target=self._serve, name="hello-app", daemon=True)
        self._running = False

    @property
    def port(self) -> int:
        """The TCP port it listens on."""
        return int(self._server.server_address[1])

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``, as a Prometheus scrape target."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:9001/``."""
        return f"http://{self.address}/"

    def redeploy(self, version: str, delay: float = 0.0) -> None:
        """Replace the running build, as a new process on the same port would: the metrics start
        from zero (the ``GET /`` series exist at once, with zero counts)."""
        registry = CollectorRegistry()
        duration = Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP requests in seconds",
            ("method", "route", "status_code"),
            buckets=GO_BUCKETS,
            registry=registry,
        )
        requests = Counter("http_requests", "Requests of /", ("status",), registry=registry)
        goroutines = Gauge("go_goroutines", "Stand-in for Go's goroutine count", registry=registry)
        goroutines.set_function(lambda: threading.active_count())
        duration.labels(method="GET", route="/", status_code="200")
        requests.labels(status="success")
        self.version, self.delay = version, delay
        self.registry, self.duration, self.requests = registry, duration, requests

    def set_delay(self, seconds: float) -> None:
        """Make every later ``GET /`` take ``seconds`` longer (the slow build sleeps 0.4 s)."""
        self.delay = seconds

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def start(self) -> HelloApp:
        """Start serving; returns itself."""
        self._thread.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (waits for requests in flight)."""
        if self._running:
            self._server.shutdown()
            self._thread.join()
            self._running = False
        self._server.server_close()

    def __enter__(self) -> HelloApp:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                started = time.perf_counter()
                route = self.path.split("?", 1)[0]
                if route == "/":
                    if app.delay > 0:
                        time.sleep(app.delay)
                    body = f"<html><body>Hello from podtatoserver v{app.version}</body></html>".encode()
                    status, content_type = 200, "text/html; charset=utf-8"
                    app.requests.labels(status="success").inc()
                elif route == "/metrics":
                    body, status, content_type = generate_latest(app.registry), 200, CONTENT_TYPE_LATEST
                else:
                    body, status, content_type = b"not found", 404, "text/plain"
                if status == 200:
                    elapsed = time.perf_counter() - started
                    app.duration.labels(method="GET", route=route, status_code="200").observe(elapsed)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                """``POST /delay`` with a number of seconds as the body: what :meth:`set_delay` does, for
                a process that cannot call it (a job executor's command "fixing" the service)."""
                length = int(self.headers.get("Content-Length") or 0)
                text = self.rfile.read(length).decode("utf-8", errors="replace")
                try:
                    seconds = float(text) if self.path == "/delay" else None
                except ValueError:
                    seconds = None
                if seconds is not None:
                    app.set_delay(seconds)
                self.send_response(204 if seconds is not None else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

        return Handler


def drive_load(url: str, *, rate: float, seconds: float, timeout: float = 10.0) -> int:
    """Send ``rate`` GET requests per second to ``url`` for ``seconds``; the number answered 200.

    Requests are started on a fixed schedule, independent of how long each one takes; any answer
    other than 200 raises AssertionError.
    """
    total = max(1, round(rate * seconds))
    with httpx.Client(timeout=timeout) as client, ThreadPoolExecutor(max_workers=16) as pool:
        started = time.perf_counter()
        futures = []
        for index in range(total):
            pause = started + index / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(client.get, url))
        statuses = [future.result().status_code for future in futures]
    failed = [status for status in statuses if status != 200]
    assert not failed, f"{len(failed)} of {total} requests to {url} failed: {failed[:5]}"
    return len(statuses)
