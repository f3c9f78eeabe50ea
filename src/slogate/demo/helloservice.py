"""The demo's sample service: a stand-in for the tutorial's podtatoserver, run as its own process.

It answers ``GET /`` with an HTML page naming its version and stage, ``GET /health`` with ``ok``
and ``GET /metrics`` with what the tutorial's ``sli.yaml`` queries: the
``http_server_request_duration_seconds`` histogram (labels route, method, status_code; Go's
buckets), the ``http_requests_total{status="success"}`` counter (one per ``GET /``) and a
``go_goroutines`` gauge (the live thread count).

How each version behaves (with or without a leading "v"):

  version   stage        GET /
  0.1.2     any          slow: waits --delay seconds (default 0.4) after producing the page
  0.1.3     production   slow, as 0.1.2: a build that passes qa but regresses in production
  0.1.3     other        fast
  0.1.4     production   slow: the hotfix of ``slogate demo --remediation``, pushed past the gate
  others    any          fast

Example::

    python -m slogate.demo.helloservice --version v0.1.2 --port 9001 --stage qa
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

GO_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DEFAULT_DELAY = 0.4
SLOW_EVERYWHERE = "0.1.2"
SLOW_IN_PRODUCTION = ("0.1.3", "0.1.4")
EXIT_CANNOT_LISTEN = 2
ROUTES = ("/", "/health", "/metrics")
# prometheus-client ships this switch without annotations; typed here once.
_disable_created_series: Callable[[], None] = disable_created_metrics
EXAMPLE = "python -m slogate.demo.helloservice --version v0.1.2 --port 9001 --stage qa --delay 0.4"


@dataclass(frozen=True, slots=True)
class Build:
    """What this process serves: the version (without "v"), the stage and the slow build's delay."""

    version: str
    stage: str
    delay: float = DEFAULT_DELAY

    @classmethod
    def of(cls, version: str, stage: str, delay: float = DEFAULT_DELAY) -> Build:
        """The build of ``version`` as given on the command line, with or without a leading "v"."""
        return cls(version.strip().removeprefix("v"), stage, delay)

    @property
    def label(self) -> str:
        """The version as shown to people, e.g. ``v0.1.1``."""
        return f"v{self.version}"

    @property
    def slow(self) -> bool:
        """Whether ``GET /`` waits ``delay`` seconds (see the module's table)."""
        if self.version == SLOW_EVERYWHERE:
            return True
        return self.version in SLOW_IN_PRODUCTION and self.stage == "production"

    def page(self) -> bytes:
        """The HTML of ``GET /``."""
        title = f"helloservice {self.label}"
        return (
            f"<!doctype html><html><head><title>{title}</title></head><body>"
            f"<h1>Hello from {title}</h1><p>stage: {self.stage}</p></body></html>"
        ).encode()


class Metrics:
    """The service's own Prometheus registry, shaped as podtatoserver's (no ``job`` label)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.duration = Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP requests in seconds",
            ("route", "method", "status_code"),
            buckets=GO_BUCKETS,
            registry=self.registry,
        )
        self.requests = Counter(
            "http_requests", "Requests of the main page", ("status",), registry=self.registry
        )
        goroutines = Gauge(
            "go_goroutines", "Live threads (stand-in for Go's goroutines)", registry=self.registry
        )
        goroutines.set_function(lambda: threading.active_count())
        # The main page's series exist from the start, with zero counts.
        self.duration.labels(route="/", method="GET", status_code="200")
        self.requests.labels(status="success")

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Record one answered request of a matched route."""
        self.duration.labels(route=route, method="GET", status_code=str(status)).observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text exposition of the registry."""
        return generate_latest(self.registry)


def make_server(build: Build, host: str, port: int) -> ThreadingHTTPServer:
    """A server for ``build`` bound to ``host:port`` (not yet serving); OSError when it cannot bind."""
    metrics = Metrics()

    class Handler(BaseHTTPRequestHandler):
        server_version = "helloservice"

        def do_GET(self) -> None:
            started = time.perf_counter()
            route = self.path.split("?", 1)[0]
            if route not in ROUTES:
                self._answer(404, "text/plain; charset=utf-8", b"not found\n")
                return
            if route == "/":
                body, content_type = build.page(), "text/html; charset=utf-8"
                if build.slow:
                    time.sleep(build.delay)
                metrics.requests.labels(status="success").inc()
            elif route == "/health":
                body, content_type = b"ok", "text/plain; charset=utf-8"
            else:
                body, content_type = metrics.exposition(), CONTENT_TYPE_LATEST
            self._answer(200, content_type, body)
            if route != "/health":
                metrics.observe(route, 200, time.perf_counter() - started)

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """No access log: the demo's output stays readable."""

    return ThreadingHTTPServer((host, port), Handler)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m slogate.demo.helloservice",
        description=__doc__.split("\n\nExample::")[0] if __doc__ else None,
        epilog=f"example: {EXAMPLE}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", required=True, help="the build to serve, e.g. v0.1.1 or 0.1.2")
    parser.add_argument("--port", required=True, type=int, help="TCP port to listen on (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--stage", default="qa", help="the stage it runs in (default: qa)")
    parser.add_argument(
        "--delay",
        type=float,
        default=DEFAULT_DELAY,
        help=f"seconds a slow build waits per GET / (default: {DEFAULT_DELAY})",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port: {args.port} is not a TCP port (0-65535)")
    if not 0 <= args.delay < 3600:
        parser.error(f"--delay: {args.delay} is not a number of seconds between 0 and 3600")
    return args


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT; 0 after a clean stop, 2 when the address cannot be bound."""
    args = parse_args(argv)
    build = Build.of(args.version, args.stage, args.delay)
    _disable_created_series()
    try:
        server = make_server(build, args.host, args.port)
    except OSError as error:
        reason = error.strerror or str(error)
        print(
            f"helloservice: cannot listen on {args.host}:{args.port}: {reason} "
            "(stop the process using it or choose another --port)",
            file=sys.stderr,
        )
        return EXIT_CANNOT_LISTEN
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    port = server.server_address[1]
    print(f"helloservice {build.label} on http://{args.host}:{port} (stage {build.stage})", flush=True)
    while not stop.wait(1.0):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
