"""A fake Dynatrace environment API on 127.0.0.1, written from Dynatrace's public API documentation.

Serves ``GET /api/v2/metrics/query``, ``/api/v2/metrics/<metric key>``, ``/api/v2/slo/<id>``,
``/api/v2/problems``, ``/api/v2/securityProblems`` and ``/api/v1/userSessionQueryLanguage/table``,
checks ``Authorization: Api-Token <token>`` (401 with Dynatrace's error body otherwise), answers
errors as ``{"error": {"code", "message", "constraintViolations"}}``, records every request and plays
scripted failures first (429 with ``Retry-After``, 503, 400 bodies, slow answers).

Metric data is a table (selector, optional entity selector) -> series of values; a query with
``resolution=Inf`` or a ``(<selector>):fold`` selector gets one value per series (their average),
as Dynatrace's aggregation over the whole window would give.

Example::

    with FakeDynatrace() as fake:
        fake.set_metric("builtin:service.response.time:splitBy():avg", [120_000.0])
        fake.script(429, headers={"Retry-After": "2"})
        ...  # DT_TENANT=fake.url, DT_API_TOKEN=fake.token
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

VALID_TOKEN = "dt0c01.ABCDEFGHIJKLMNOPQRSTUVWX." + "0123456789ABCDEF" * 4  # Keptn's token shape
STATUS_TEXT = {
    400: "Bad Request",
    401: "Token Authentication failed",
    403: "Token is missing required scope.",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
Values = Sequence[float | None]


@dataclass(frozen=True)
class Received:
    """One request the fake got: the path (without the query string), its parameters and headers."""

    method: str
    path: str
    params: Mapping[str, str]
    headers: Mapping[str, str]


@dataclass
class Scripted:
    """A scripted answer: ``status`` (None: the normal answer) after ``delay`` seconds, ``times`` times,
    for paths starting with ``path``."""

    status: int | None
    headers: Mapping[str, str]
    body: object
    times: int
    delay: float
    path: str


@dataclass
class Metric:
    """What the fake knows about one metric selector."""

    series: list[list[float | None]]
    warnings: list[str] = field(default_factory=list)


def error_body(
    status: int, message: str = "", violations: Sequence[Mapping[str, str]] = ()
) -> dict[str, Any]:
    """Dynatrace's error answer."""
    error: dict[str, Any] = {"code": status, "message": message or STATUS_TEXT.get(status, "Error")}
    if violations:
        error["constraintViolations"] = [dict(item) for item in violations]
    return {"error": error}


class FakeDynatrace:
    """The fake tenant; use it as a context manager. ``url`` is its ``DT_TENANT``, ``token`` the API
    token it accepts."""

    def __init__(self, token: str = VALID_TOKEN) -> None:
        self.token = token
        self.metrics: dict[tuple[str, str | None], Metric] = {}
        self.definitions: dict[str, dict[str, Any]] = {}
        self.slos: dict[str, dict[str, Any]] = {}
        self.problems: dict[tuple[str, str | None], int] = {}
        self.security_problems: dict[str, int] = {}
        self.usql: dict[str, tuple[list[str], list[list[Any]]]] = {}
        self.requests: list[Received] = []
        self._scripted: list[Scripted] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    # -- the data it answers -------------------------------------------------------------------

    def set_metric(
        self,
        selector: str,
        *series: Values,
        entity_selector: str | None = None,
        warnings: Sequence[str] = (),
        resolution_inf: bool = True,
        aggregation: str = "avg",
    ) -> None:
        """Series of values for ``selector`` (for ``entity_selector`` only, when given) and the
        metric's definition (``resolutionInfSupported``, ``defaultAggregation``)."""
        with self._lock:
            self.metrics[(selector, entity_selector)] = Metric([list(one) for one in series], list(warnings))
            self.definitions[selector] = {
                "metricId": selector,
                "displayName": selector,
                "unit": "MicroSecond",
                "resolutionInfSupported": resolution_inf,
                "defaultAggregation": {"type": aggregation},
                "transformations": ["filter", "fold", "merge", "splitBy", "toUnit"],
            }

    def set_slo(self, slo_id: str, percentage: float | None, error: str = "NONE") -> None:
        """The SLO ``slo_id``'s evaluated percentage (and its ``error`` field)."""
        with self._lock:
            self.slos[slo_id] = {"evaluatedPercentage": percentage, "error": error}

    def set_problems(self, selector: str, count: int, entity_selector: str | None = None) -> None:
        with self._lock:
            self.problems[(selector, entity_selector)] = count

    def set_security_problems(self, selector: str, count: int) -> None:
        with self._lock:
            self.security_problems[selector] = count

    def set_usql(self, query: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        with self._lock:
            self.usql[query] = (list(columns), [list(row) for row in rows])

    def script(
        self,
        status: int | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        body: object = None,
        times: int = 1,
        delay: float = 0.0,
        path: str = "/",
    ) -> None:
        """Answer the next ``times`` requests under ``path`` with ``status`` (Dynatrace's error body
        unless ``body`` is given; None: the normal answer) after ``delay`` seconds."""
        with self._lock:
            self._scripted.append(Scripted(status, dict(headers or {}), body, times, delay, path))

    def calls(self, path: str) -> list[Received]:
        """The requests received for ``path``."""
        with self._lock:
            return [one for one in self.requests if one.path == path]

    # -- answering -------------------------------------------------------------------------------

    def answer(
        self, method: str, target: str, headers: Mapping[str, str]
    ) -> tuple[int, dict[str, str], object]:
        """Status, headers and JSON body for one request."""
        parts = urllib.parse.urlsplit(target)
        path = urllib.parse.unquote(parts.path)
        params = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            self.requests.append(Received(method, path, params, dict(headers)))
            scripted = self._next_script(path)
        if scripted is not None:
            if scripted.delay:
                self._closing.wait(scripted.delay)
            if scripted.status is not None:
                body = scripted.body if scripted.body is not None else error_body(scripted.status)
                return scripted.status, dict(scripted.headers), body
        authorization = headers.get("authorization", "")
        if not authorization:
            return 401, {}, error_body(401, "Missing authorization parameter.")
        if authorization != f"Api-Token {self.token}":
            return 401, {}, error_body(401)
        with self._lock:
            return self._route(method, path, params)

    def _next_script(self, path: str) -> Scripted | None:
        for scripted in self._scripted:
            if path.startswith(scripted.path) and scripted.times > 0:
                scripted.times -= 1
                return scripted
        return None

    def _route(self, method: str, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], object]:
        if method != "GET":
            return 405, {}, error_body(405, "Method not allowed")
        missing = [name for name in ("from", "to") if name in params and not params[name].isdigit()]
        if missing:
            violation = {
                "path": missing[0],
                "message": "must be a timestamp in ms",
                "parameterLocation": "QUERY",
            }
            return 400, {}, error_body(400, "Constraints violated.", [violation])
        if path == "/api/v2/metrics/query":
            return self._metrics_query(params)
        if path.startswith("/api/v2/metrics/"):
            definition = self.definitions.get(path.removeprefix("/api/v2/metrics/"))
            if definition is None:
                return 404, {}, error_body(404, "Metric not found")
            return 200, {}, definition
        if path.startswith("/api/v2/slo/"):
            return self._slo(path.removeprefix("/api/v2/slo/"))
        if path == "/api/v2/problems":
            key = (params.get("problemSelector", ""), params.get("entitySelector"))
            count = self.problems.get(key, self.problems.get((key[0], None), 0))
            return 200, {}, {"totalCount": count, "pageSize": 50, "problems": []}
        if path == "/api/v2/securityProblems":
            count = self.security_problems.get(params.get("securityProblemSelector", ""), 0)
            return 200, {}, {"totalCount": count, "pageSize": 100, "securityProblems": []}
        if path == "/api/v1/userSessionQueryLanguage/table":
            return self._usql(params)
        return 404, {}, error_body(404, f"Path {path} not found")

    def _metrics_query(self, params: dict[str, str]) -> tuple[int, dict[str, str], object]:
        selector = params.get("metricSelector", "")
        if not selector:
            violation = {
                "path": "metricSelector",
                "message": "must not be empty",
                "parameterLocation": "QUERY",
            }
            return 400, {}, error_body(400, "Constraints violated.", [violation])
        folded = selector.startswith("(") and selector.endswith("):fold")
        key = selector[1 : -len("):fold")] if folded else selector
        metric = self.metrics.get((key, params.get("entitySelector"))) or self.metrics.get((key, None))
        if metric is None:
            return 404, {}, error_body(404, f"The metric key '{key}' could not be found")
        single = folded or params.get("resolution") == "Inf"
        start = int(params.get("from", "0"))
        data = [_series(values, start, single) for values in metric.series]
        collection: dict[str, Any] = {"metricId": selector, "data": data}
        if metric.warnings:
            collection["warnings"] = metric.warnings
        resolution = "Inf" if single else params.get("resolution", "1m")
        return (
            200,
            {},
            {"totalCount": len(data), "nextPageKey": None, "resolution": resolution, "result": [collection]},
        )

    def _slo(self, slo_id: str) -> tuple[int, dict[str, str], object]:
        slo = self.slos.get(slo_id)
        if slo is None:
            return 404, {}, error_body(404, f"SLO with id {slo_id} not found")
        return 200, {}, {"id": slo_id, "name": slo_id, "enabled": True, "timeframe": "-1w", **slo}

    def _usql(self, params: dict[str, str]) -> tuple[int, dict[str, str], object]:
        table = self.usql.get(params.get("query", ""))
        if table is None:
            return 400, {}, error_body(400, f"Unable to parse the query: {params.get('query', '')}")
        columns, rows = table
        return 200, {}, {"extrapolationLevel": 1, "columnNames": columns, "values": rows}


def _series(values: list[float | None], start: int, single: bool) -> dict[str, Any]:
    if single:
        known = [value for value in values if value is not None]
        values = [sum(known) / len(known) if known else None]
    timestamps = [start + 60_000 * (index + 1) for index in range(len(values))]
    return {"dimensions": [], "dimensionMap": {}, "timestamps": timestamps, "values": values}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeDynatrace) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (a timeout test) is no error of the fake."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once on keep-alive connections
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._answer()

    def _answer(self) -> None:
        headers = {key.lower(): value for key, value in self.headers.items()}
        status, extra, body = self.server.fake.answer(self.command, self.path, headers)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read ``requests`` instead."""
