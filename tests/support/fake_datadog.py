"""A local fake of Datadog's metrics query API on 127.0.0.1, written from Datadog's public API docs.

Served: ``POST /api/v2/query/scalar`` ("Query scalar data across multiple products"), ``GET
/api/v1/query`` ("Query timeseries points"), ``GET /api/v1/validate`` and ``GET /api/v2/validate_keys``.
Every call needs ``DD-API-KEY`` and ``DD-APPLICATION-KEY`` (else 403 ``{"errors": ["Forbidden"]}``);
answers carry ``X-RateLimit-*`` headers; errors are ``{"errors": ["…"]}``. The data is a table of
series per query string; a series' points spread evenly over the asked window. Scalar queries are
aggregated with the asked aggregator; formulas may use + - * / and numbers only.

Example::

    with FakeDatadog() as fake:
        fake.put("avg:latency{service:web}", 120.0)
        fake.put("avg:hits{*} by {host}", 1.0, tags=("host:a",))
        fake.put("avg:hits{*} by {host}", 2.0, tags=("host:b",), add=True)
        fake.rate_limit(times=1, reset=2)   # the next call answers 429
        ... fake.url, fake.api_key, fake.app_key, fake.requests
"""

from __future__ import annotations

import ast
import hmac
import json
import math
import operator
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

API_KEY = "0123456789abcdef0123456789abcdef"  # Datadog API keys: 32 hex digits
APP_KEY = "fedcba9876543210fedcba9876543210fedcba98"  # application keys: 40
AGGREGATORS = frozenset({"avg", "min", "max", "sum", "last", "area", "l2norm", "percentile"})
RATE_LIMIT = {"X-RateLimit-Limit": "100", "X-RateLimit-Period": "10", "X-RateLimit-Remaining": "99"}
OPERATORS: dict[type[ast.AST], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}

Answer = tuple[int, dict[str, str], Any]


@dataclass
class Series:
    """One series of the table: its tag set and point values (``None`` is a null point)."""

    values: list[float | None]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class Scripted:
    """A scripted answer for the next matching request; ``status`` None answers normally (after ``delay``)."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    path: str | None = None


class FakeDatadog:
    """The fake API; use it as a context manager (``url`` is set while it runs)."""

    def __init__(self, api_key: str = API_KEY, app_key: str = APP_KEY, *, serve_scalar: bool = True) -> None:
        self.api_key, self.app_key = api_key, app_key
        self.serve_scalar = serve_scalar  # False: the scalar endpoint answers 404, as a v1-only API would
        self.auth_status = 403
        self.table: dict[str, list[Series]] = {}
        self.errors: dict[str, str] = {}
        self.requests: list[Recorded] = []
        self._scripts: list[Scripted] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def put(self, query: str, *values: float | None, tags: tuple[str, ...] = (), add: bool = False) -> None:
        """Answer ``query`` with one series of ``values`` (none: empty); ``add`` keeps the others."""
        with self._lock:
            kept = self.table.get(query, []) if add else []
            self.table[query] = [*kept, Series(list(values), tags)]

    def remove(self, query: str) -> None:
        """Answer ``query`` with no data at all."""
        with self._lock:
            self.table.pop(query, None)

    def fail_query(self, query: str, error: str) -> None:
        """Answer ``query`` with 400 and ``{"errors": [error]}`` (Datadog's answer to a bad query)."""
        with self._lock:
            self.errors[query] = error

    def script(
        self,
        status: int | None = None,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
        delay: float = 0.0,
        path: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests (to ``path``, else any) with ``status``, ``headers`` and
        ``body`` (JSON unless bytes), after ``delay`` seconds; ``status`` None answers normally."""
        with self._lock:
            self._scripts += [Scripted(status, dict(headers or {}), body, delay, path) for _ in range(times)]

    def rate_limit(self, times: int = 1, reset: int = 1, retry_after: str | None = None) -> None:
        """The next ``times`` requests answer 429 with Datadog's rate-limit headers."""
        headers = {**RATE_LIMIT, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
        headers["X-RateLimit-Name"] = "query_scalar"
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        body = {"errors": ["Rate limit of 100 requests in 10 seconds reached. Please try again later."]}
        self.script(429, headers=headers, body=body, times=times)

    def queries(self) -> list[str]:
        """The metric queries asked so far, in order (scalar queries and v1 ``query`` parameters)."""
        asked: list[str] = []
        for request in list(self.requests):
            if request.path == "/api/v1/query":
                asked.append(request.params.get("query", ""))
            elif isinstance(request.body, dict):
                attributes = request.body.get("data", {}).get("attributes", {})
                asked += [query.get("query", "") for query in attributes.get("queries", [])]
        return asked

    def __enter__(self) -> Self:
        server = _Server(("127.0.0.1", 0), _handler_class(self))
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(
        self, method: str, path: str, params: dict[str, str], body: Any, headers: dict[str, str]
    ) -> Answer:
        """What the fake answers one request (called by the handler thread)."""
        with self._lock:
            self.requests.append(Recorded(method, path, params, body, headers))
            scripted = next((s for s in self._scripts if s.path in (None, path)), None)
            if scripted is not None:
                self._scripts.remove(scripted)
        if scripted is not None and scripted.delay:
            self._closing.wait(scripted.delay)
        if scripted is not None and scripted.status is not None:
            return scripted.status, scripted.headers, scripted.body
        if not self._authorized(headers):
            return self.auth_status, {}, {"errors": ["Forbidden"]}
        return self._route(method, path, params, body)

    def _authorized(self, headers: dict[str, str]) -> bool:
        pairs = (("dd-api-key", self.api_key), ("dd-application-key", self.app_key))
        return all(hmac.compare_digest(headers.get(name, "").encode(), key.encode()) for name, key in pairs)

    def _route(self, method: str, path: str, params: dict[str, str], body: Any) -> Answer:
        limits = {**RATE_LIMIT, "X-RateLimit-Reset": "10"}
        if method == "POST" and path == "/api/v2/query/scalar" and self.serve_scalar:
            status, payload = self._scalar(body)
            return status, {**limits, "X-RateLimit-Name": "query_scalar"}, payload
        if method == "GET" and path == "/api/v1/query":
            status, payload = self._points(params)
            return status, {**limits, "X-RateLimit-Name": "query_timeseries"}, payload
        if method == "GET" and path == "/api/v1/validate":
            return 200, {}, {"valid": True}
        if method == "GET" and path == "/api/v2/validate_keys":
            return 200, {}, {"status": "ok"}
        return 404, {}, {"errors": ["Not found"]}

    def _series(self, query: str) -> list[Series]:
        with self._lock:
            return list(self.table.get(query, []))

    def _scalar(self, body: Any) -> tuple[int, Any]:
        try:
            queries, formulas = _scalar_request(body)
        except ValueError as error:
            return 400, {"errors": [str(error)]}
        for query in queries:
            if query["query"] in self.errors:
                return 400, {"errors": [self.errors[query["query"]]]}
        columns: dict[str, list[float | None]] = {}
        groups: list[tuple[str, ...]] = []
        for query in queries:
            found = self._series(query["query"])
            columns[query["name"]] = [
                _aggregate(one.values, query["aggregator"], query["query"]) for one in found
            ]
            groups = groups or [one.tags for one in found]
        if formulas:
            try:
                values = _formula(formulas[0], columns)
            except ValueError as error:
                return 400, {"errors": [str(error)]}
            result = [_number_column(formulas[0], values)]
        else:
            name = queries[0]["name"]
            result = [_number_column(name, columns[name])]
        if any(groups):
            result.insert(0, _group_column(groups))
        return 200, {"data": {"type": "scalar_response", "attributes": {"columns": result}}}

    def _points(self, params: dict[str, str]) -> tuple[int, Any]:
        query = params.get("query", "")
        try:
            start, end = int(params["from"]), int(params["to"])
        except (KeyError, ValueError):
            return 400, {"errors": ["from and to must be Unix times in seconds"]}
        if not query:
            return 400, {"errors": ["query is required"]}
        if query in self.errors:
            return 400, {"errors": [self.errors[query]]}
        series = [_v1_series(one, query, start * 1000, end * 1000) for one in self._series(query)]
        payload = {
            "status": "ok",
            "res_type": "time_series",
            "from_date": start * 1000,
            "to_date": end * 1000,
            "query": query,
            "group_by": [],
            "message": "",
            "series": series,
        }
        return 200, payload


def _scalar_request(body: Any) -> tuple[list[dict[str, str]], list[str]]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or data.get("type") != "scalar_request":
        raise ValueError("data.type must be scalar_request")
    attributes = data.get("attributes")
    if not isinstance(attributes, dict):
        raise ValueError("data.attributes is required")
    start, end = attributes.get("from"), attributes.get("to")
    if not isinstance(start, int) or not isinstance(end, int) or start >= end:
        raise ValueError("from and to must be milliseconds with from < to")
    queries = attributes.get("queries")
    if not isinstance(queries, list) or not queries:
        raise ValueError("queries must hold at least one query")
    for query in queries:
        if not isinstance(query, dict) or query.get("data_source") != "metrics":
            raise ValueError("each query needs data_source metrics")
        if not isinstance(query.get("query"), str) or not isinstance(query.get("name"), str):
            raise ValueError("each query needs a name and a query")
        if query.get("aggregator") not in AGGREGATORS:
            raise ValueError(f"invalid aggregator {query.get('aggregator')!r}")
    formulas = [str(formula.get("formula", "")) for formula in attributes.get("formulas") or []]
    return queries, formulas


def _aggregate(values: list[float | None], aggregator: str, query: str) -> float | None:
    points = [value for value in values if value is not None]
    if not points:
        return None
    if aggregator == "last":
        return points[-1]
    if aggregator == "percentile":  # the pNN of the query's prefix, nearest rank
        rank = float(query.split(":", 1)[0].lstrip("p") or 50) / 100
        return sorted(points)[max(0, math.ceil(rank * len(points)) - 1)]
    if aggregator == "sum":
        return math.fsum(points)
    if aggregator in ("min", "max"):
        return min(points) if aggregator == "min" else max(points)
    return math.fsum(points) / len(points)


def _formula(formula: str, columns: dict[str, list[float | None]]) -> list[float | None]:
    try:
        tree = ast.parse(formula, mode="eval").body
    except SyntaxError:
        raise ValueError(f"Error parsing formula: {formula}") from None
    rows = max((len(values) for values in columns.values()), default=0)
    if rows > 1:
        raise ValueError("the fake evaluates formulas over single-group queries only")
    if rows == 0 or any(not values for values in columns.values()):
        return []
    return [_evaluate(tree, {name: values[0] for name, values in columns.items()})]


def _evaluate(node: ast.AST, names: dict[str, float | None]) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _evaluate(node.operand, names)
        return None if operand is None else -operand
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _evaluate(node.left, names), _evaluate(node.right, names)
        if left is None or right is None or (isinstance(node.op, ast.Div) and right == 0):
            return None
        return OPERATORS[type(node.op)](left, right)
    raise ValueError(f"Error parsing formula: unsupported expression {ast.unparse(node)!r}")


def _number_column(name: str, values: list[float | None]) -> dict[str, Any]:
    return {"name": name, "type": "number", "values": values, "meta": {"unit": None}}


def _group_column(groups: list[tuple[str, ...]]) -> dict[str, Any]:
    name = groups[0][0].split(":", 1)[0] if groups and groups[0] else "group"
    values = [[tag.split(":", 1)[-1] for tag in tags] for tags in groups]
    return {"name": name, "type": "group", "values": values}


def _v1_series(series: Series, query: str, start_ms: int, end_ms: int) -> dict[str, Any]:
    count = len(series.values)
    step = (end_ms - start_ms) // max(count, 1)
    points = [[start_ms + step * (index + 1), value] for index, value in enumerate(series.values)]
    metric = query.split(":", 1)[-1].split("{", 1)[0]
    return {
        "metric": metric,
        "display_name": metric,
        "expression": query,
        "scope": ",".join(series.tags) or "*",
        "tag_set": list(series.tags),
        "aggr": query.split(":", 1)[0] if ":" in query.split("{", 1)[0] else None,
        "unit": None,
        "interval": step // 1000,
        "length": count,
        "start": start_ms,
        "end": end_ms,
        "query_index": 0,
        "pointlist": points,
    }


class _Server(ThreadingHTTPServer):
    """A threading server that never joins its threads on close and keeps quiet about broken clients."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 drops concurrent connects (each then retried after 1 s)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (e.g. after its timeout) is no error here."""


def _handler_class(fake: FakeDatadog) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once: no delayed-ACK stall per answer

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def _serve(self, method: str) -> None:
            parts = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, payload = fake.answer(method, parts.path, params, body, headers)
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
