"""A local fake of Sumo Logic's metrics query API (``POST /api/v1/metricsQueries``) on 127.0.0.1.

Written from Sumo Logic's public API docs (api.sumologic.com/docs, "Metrics Query" and "API rate
limits") and the request/response types of SumoLogic-Labs/sumologic-go-sdk: basic auth with an access
ID and key (401 ``{status, id, code, message}`` otherwise), the request body's rows, quantization,
rollup and ``BeginBoundedTimeRange`` checked (400 ``{id, errors: [{code, message}]}``), answers of
``{queryResult: [{rowId, timeSeriesList: {timeSeries: [{metricDefinition, points}]}}], errors}``,
10 concurrent requests per key when ``max_concurrent`` is set (429). A table gives each query's
series (buckets of the row's quantization counted from the window's start); ``script`` makes the
next answers fail or wait.

Example::

    with FakeSumoLogic() as fake:
        fake.set("metric=cpu service=web | sum", 0.25)    # one series, 0.25 in every bucket
        fake.script(429, headers={"Retry-After": "2"})    # the next request is throttled once
        options = ProviderOptions(url=fake.url, credentials=fake.credentials)
"""

from __future__ import annotations

import base64
import json
import math
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

QUERY_PATH = "/api/v1/metricsQueries"
ACCESS_ID, ACCESS_KEY = "suFAKEACCESSID01", "fakeAccessKey0123456789abcdefghijklmnopqrstuvwxyz"
ROLLUPS = frozenset({"Avg", "Sum", "Min", "Max", "Count", "None"})
SeriesSpec = float | None | Sequence[float | None]


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    client_port: int


@dataclass(slots=True)
class Scripted:
    """An answer given instead of the normal one (``status`` None: the normal one, after ``delay``)."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0


class FakeSumoLogic:
    """A real HTTP/1.1 server answering like Sumo Logic's metrics query API; use it as a context manager."""

    def __init__(
        self, access_id: str = ACCESS_ID, access_key: str = ACCESS_KEY, *, max_concurrent: int | None = None
    ) -> None:
        self.credentials = (("ACCESS_ID", access_id), ("ACCESS_KEY", access_key))
        self._auth = "Basic " + base64.b64encode(f"{access_id}:{access_key}".encode()).decode()
        self.max_concurrent = max_concurrent
        self.requests: list[Recorded] = []
        self.max_in_flight = 0
        self._table: dict[str, tuple[list[SeriesSpec], str]] = {}
        self._scripts: list[Scripted] = []
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def root(self) -> str:
        """The server's bare URL (``http://127.0.0.1:PORT``)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The API base URL, as ``https://api.sumologic.com/api`` is for the real service."""
        return self.root + "/api"

    def __enter__(self) -> FakeSumoLogic:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def set(self, query: str, *series: SeriesSpec, error: str = "") -> None:
        """Answer ``query`` (as sent, without its quantize clause; or just its selector, for every
        query that starts with it and has no entry of its own) with ``series``: a number (or None)
        fills every bucket of the request, a list gives exactly those points; none: no series.
        ``error`` makes the answer carry it in ``errors`` (HTTP 200, as Sumo reports query errors)."""
        with self._lock:
            self._table[query.strip()] = (list(series), error)

    def script(
        self,
        status: int | None = None,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (a default Sumo body for 301, 400, 429,
        503 unless ``body``), after ``delay`` seconds; ``status`` None: the normal answer, late."""
        with self._lock:
            for _ in range(times):
                self._scripts.append(Scripted(status, dict(headers or {}), body, delay))

    @property
    def queries(self) -> list[str]:
        """The query text of every row received, in order."""
        rows = [row for item in self.requests if isinstance(item.body, dict) for row in _rows(item.body)]
        return [str(row.get("query")) for row in rows]

    def answer(
        self, method: str, path: str, headers: dict[str, str], raw: bytes, port: int, busy: bool = False
    ) -> Scripted:
        """The fake's answer to one request (called by the handler thread); ``busy``: it came in over
        the concurrency limit."""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(Recorded(method, path, headers, body, port))
            scripted = self._scripts.pop(0) if self._scripts else None
        if scripted is not None:
            if scripted.delay:
                self._stop.wait(scripted.delay)
            if scripted.status is not None:
                default = _default_body(scripted.status)
                return Scripted(scripted.status, scripted.headers, scripted.body or default)
        if busy:
            return Scripted(
                429, {}, _legacy(429, "api.concurrent.requests.limit.exceeded", "Too many requests")
            )
        if headers.get("authorization") != self._auth:
            return Scripted(401, {}, _legacy(401, "unauthorized", "Credential could not be verified."))
        if method != "POST" or path.split("?")[0] != QUERY_PATH:
            return Scripted(404, {}, _legacy(404, "not.found", f"No resource at {method} {path}."))
        if "json" not in headers.get("content-type", ""):
            return Scripted(
                415, {}, _errors("unsupported.media.type", "Content-Type must be application/json")
            )
        problem = _invalid(body)
        if problem:
            return Scripted(400, {}, _errors("metrics:invalid_request", problem))
        return Scripted(200, {}, self._result(body))

    def enter(self) -> bool:
        """Count a request in flight (the handler calls it); True when it is over the limit."""
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            return self.max_concurrent is not None and self._in_flight > self.max_concurrent

    def leave(self) -> None:
        """Count a request done."""
        with self._lock:
            self._in_flight -= 1

    def _result(self, body: dict[str, Any]) -> dict[str, Any]:
        time_range = body["timeRange"]
        start, end = time_range["from"]["epochMillis"], time_range["to"]["epochMillis"]
        rows, errors = [], []
        for row in _rows(body):
            query = row["query"].strip()
            with self._lock:
                found = self._table.get(query) or self._table.get(query.split("|", 1)[0].strip())
            specs, error = found or ([], "")
            if error:
                errors.append({"code": "metrics:query_error", "message": error})
            step = int(row.get("quantization") or max(1, end - start))
            series = [_series(index, spec, start, end, step) for index, spec in enumerate(specs)]
            rows.append({"rowId": row["rowId"], "timeSeriesList": {"timeSeries": series, "unit": None}})
        failure = {"id": _error_id(), "errors": errors} if errors else None
        return {"queryResult": [] if errors else rows, "errors": failure}


def _handler_for(fake: FakeSumoLogic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            busy = fake.enter()
            try:
                reply = fake.answer(self.command, self.path, headers, raw, self.client_address[1], busy)
            finally:
                fake.leave()
            data = b"" if reply.body is None else json.dumps(reply.body).encode()
            self.send_response(reply.status or 200)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    queries = body.get("queries")
    return [row for row in queries if isinstance(row, dict)] if isinstance(queries, list) else []


def _invalid(body: Any) -> str:
    """What the real API would refuse in ``body`` (empty when it is a valid request)."""
    if not isinstance(body, dict):
        return "Unable to parse the request body as a JSON object."
    queries = body.get("queries")
    if not isinstance(queries, list) or not 1 <= len(queries) <= 6:
        return "Field 'queries' must hold 1 to 6 query rows."
    for row in queries:
        problem = _invalid_row(row)
        if problem:
            return problem
    return _invalid_range(body.get("timeRange"))


def _invalid_row(row: Any) -> str:
    if not isinstance(row, dict) or not isinstance(row.get("rowId"), str):
        return "Each query row needs a 'rowId'."
    query = row.get("query")
    if not isinstance(query, str) or not query.strip():
        return f"Row {row['rowId']}: 'query' must be a non-empty string."
    for stage in query.split("|")[1:]:
        operator = (stage.split() or [""])[0]
        if operator in ("quantize", "fillmissing", "outlier", "timeshift"):
            return f"Row {row['rowId']}: the operator '{operator}' is not supported in the API query."
    quantization = row.get("quantization")
    if quantization is not None and (not isinstance(quantization, int) or quantization <= 0):
        return f"Row {row['rowId']}: 'quantization' must be a positive number of milliseconds."
    if row.get("rollup") is not None and row["rollup"] not in ROLLUPS:
        return f"Row {row['rowId']}: 'rollup' must be one of {', '.join(sorted(ROLLUPS))}."
    return ""


def _invalid_range(time_range: Any) -> str:
    if not isinstance(time_range, dict) or time_range.get("type") != "BeginBoundedTimeRange":
        return "Field 'timeRange' must be a BeginBoundedTimeRange."
    moments = []
    for name in ("from", "to"):
        boundary = time_range.get(name)
        if not isinstance(boundary, dict) or boundary.get("type") != "EpochTimeRangeBoundary":
            return f"timeRange.{name} must be an EpochTimeRangeBoundary."
        if not isinstance(boundary.get("epochMillis"), int):
            return f"timeRange.{name}.epochMillis must be an integer."
        moments.append(boundary["epochMillis"])
    return "" if moments[0] < moments[1] else "timeRange.from must be before timeRange.to."


def _series(index: int, spec: SeriesSpec, start: int, end: int, step: int) -> dict[str, Any]:
    if spec is None or isinstance(spec, int | float):
        values: list[float | None] = [spec] * max(1, math.ceil((end - start) / step))
    else:
        values = list(spec)
    return {
        "metricDefinition": {"metric": "fake", "dimensions": {"series": str(index)}},
        "points": {"timestamps": [start + i * step for i in range(len(values))], "values": values},
    }


def _error_id() -> str:
    return secrets.token_hex(5).upper()


def _legacy(status: int, code: str, message: str) -> dict[str, Any]:
    return {"status": status, "id": _error_id(), "code": code, "message": message}


def _errors(code: str, message: str) -> dict[str, Any]:
    return {"id": _error_id(), "errors": [{"code": code, "message": message}]}


def _default_body(status: int) -> dict[str, Any] | None:
    defaults = {
        301: _legacy(
            301, "moved", "The requested resource SHOULD be accessed through returned URI in Location Header."
        ),
        400: _errors("metrics:invalid_query", "Unable to parse the query."),
        429: _legacy(429, "rate.limit.exceeded", "Rate limit exceeded."),
        503: _legacy(503, "service.unavailable", "Service temporarily unavailable."),
    }
    return defaults.get(status)
