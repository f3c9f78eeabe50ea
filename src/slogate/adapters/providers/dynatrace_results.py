"""Reading one value out of Dynatrace's answers (Keptn's rules, explicit about what came back; pure).

Example::

    metrics_value({"result": [{"metricId": "m", "data": [{"values": [4.2]}]}]})   # -> 4.2
"""

from __future__ import annotations

import math
from typing import Any

from slogate.adapters.providers.dynatrace_queries import USQLQuery
from slogate.errors import InputError


class ResultError(InputError, ValueError):
    """An answer without one usable value; the message names what came back."""

    code = "no_single_value"


class SeveralValuesError(ResultError):
    """One series with several values: Keptn then asks again with ``resolution=Inf`` or ``:fold``."""

    def __init__(self, count: int, warnings: str) -> None:
        super().__init__(f"Metrics API v2 returned {count} values but only one is supported{warnings}")
        self.count = count


def _warnings(collection: dict[str, Any]) -> str:
    warnings = collection.get("warnings") or []
    if not isinstance(warnings, list) or not warnings:
        return ""
    return ". Warnings: " + ", ".join(str(item) for item in warnings)


def _number(value: object, what: str) -> float:
    if value is None:
        raise ResultError(f"{what} is null")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ResultError(f"{what} is not a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ResultError(f"{what} is {number}")
    return number


def _mapping(document: object, what: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise ResultError(f"{what} is not a JSON object: {str(document)[:120]!r}")
    return document


def metrics_value(document: object) -> float:
    """The one value of a ``/api/v2/metrics/query`` answer; ``SeveralValuesError`` when its one series
    holds several values, ``ResultError`` for anything else but exactly one number."""
    answer = _mapping(document, "the Metrics API v2 answer")
    result = answer.get("result")
    if not isinstance(result, list) or not result:
        raise ResultError("Metrics API v2 returned zero metric series collections")
    if len(result) > 1:
        raise ResultError(f"Metrics API v2 returned {len(result)} metric series collections")
    collection = _mapping(result[0], "the metric series collection")
    warnings = _warnings(collection)
    data = collection.get("data")
    if not isinstance(data, list) or not data:
        raise ResultError(f"Metrics API v2 returned zero metric series{warnings}")
    if len(data) > 1:
        raise ResultError(
            f"Metrics API v2 returned {len(data)} metric series but only one is supported "
            f"(merge the dimensions, e.g. with :splitBy()){warnings}"
        )
    values = _mapping(data[0], "the metric series").get("values")
    if not isinstance(values, list) or not values:
        raise ResultError(f"Metrics API v2 returned zero values{warnings}")
    if len(values) > 1:
        raise SeveralValuesError(len(values), warnings)
    if values[0] is None:
        raise ResultError(f"Metrics API v2 returned 'null' as value{warnings}")
    return _number(values[0], "the value Metrics API v2 returned")


def slo_value(document: object) -> float:
    """``evaluatedPercentage`` of an ``/api/v2/slo/<id>`` answer whose ``error`` is ``NONE``."""
    answer = _mapping(document, "the SLO answer")
    error = answer.get("error", "NONE")
    if error != "NONE":
        raise ResultError(f"Dynatrace API returned an error: {error}")
    return _number(answer.get("evaluatedPercentage"), "the SLO's evaluatedPercentage")


def total_count(document: object, api: str) -> float:
    """``totalCount`` of a problems or security problems answer."""
    answer = _mapping(document, f"the {api} answer")
    return _number(answer.get("totalCount"), f"the {api} totalCount")


def usql_value(document: object, query: USQLQuery) -> float:
    """The value a USQL tile shows: SINGLE_VALUE the one cell; the charts column 1 of the row whose
    column 0 is the dimension; TABLE the last column of that row."""
    answer = _mapping(document, "the USQL answer")
    columns = answer.get("columnNames") or []
    rows = answer.get("values") or []
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise ResultError("the USQL answer has no columnNames/values lists")
    if query.tile == "SINGLE_VALUE":
        if len(columns) != 1 or len(rows) != 1 or not isinstance(rows[0], list) or len(rows[0]) != 1:
            raise ResultError(
                f"USQL result type SINGLE_VALUE should only return a single result, "
                f"got {len(columns)} column(s) and {len(rows)} row(s)"
            )
        return _usql_number(rows[0][0])
    if len(columns) < 2:
        raise ResultError(
            f"USQL result type {query.tile} should at least have two columns, got {len(columns)}"
        )
    for row in rows:
        if not isinstance(row, list) or len(row) < 2:
            continue
        if not isinstance(row[0], str):
            raise ResultError(f"dimension name should be a string, got {row[0]!r}")
        if row[0] == query.dimension:
            return _usql_number(row[-1] if query.tile == "TABLE" else row[1])
    raise ResultError(f"could not find dimension name '{query.dimension}' in result ({len(rows)} row(s))")


def _usql_number(value: object) -> float:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        raise ResultError(f"dimension value should be a number, got {value!r}")
    return _number(value, "the USQL value")


def api_error(status: int, document: object, text: str) -> str:
    """Dynatrace's error answer as one line: ``Dynatrace API error (<code>): <message> [<path>: <msg>]``."""
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        body = " ".join(text.split())[:300] or "(empty body)"
        return f"Dynatrace API error (HTTP {status}): {body}"
    message = str(error.get("message") or "").strip() or "(no message)"
    violations = error.get("constraintViolations") or []
    details = [
        f"[{item.get('path') or item.get('parameterLocation') or '?'}: {item.get('message') or '?'}]"
        for item in violations
        if isinstance(item, dict)
    ]
    code = error.get("code", status)
    return " ".join([f"Dynatrace API error ({code}): {message}", *details])
