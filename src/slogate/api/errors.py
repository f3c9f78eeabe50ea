"""One error body for every failure, as Keptn answers: ``{"code": <status>, "message": "<text>"}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from slogate.errors import ConfigError, ConflictError, InputError, NotFoundError, SlogateError, TooLargeError

_log = logging.getLogger(__name__)


class ApiError(SlogateError):
    """An error with an explicit HTTP status, for handlers that must answer Keptn's exact code."""

    code = "api_error"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error_response(status: int, message: str) -> JSONResponse:
    """Keptn's error body."""
    return JSONResponse({"code": status, "message": message}, status_code=status)


_STATUSES: tuple[tuple[type[SlogateError], int], ...] = (
    (NotFoundError, 404),
    (TooLargeError, 413),
    (InputError, 400),
    (ConflictError, 409),
    (ConfigError, 500),
)


def status_of(error: SlogateError) -> int:
    """The HTTP status for one of slogate's errors: an ``ApiError``'s own, else by the error tree
    (the first class of ``_STATUSES`` it is an instance of), else 500."""
    if isinstance(error, ApiError):
        return error.status
    return next((status for kind, status in _STATUSES if isinstance(error, kind)), 500)


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        if item.get("type") == "json_invalid":
            reason = (item.get("ctx") or {}).get("error", "not JSON")
            parts.append(f"the request body is not JSON ({reason}); send a JSON object")
            continue
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        parts.append(f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg", "invalid")))
    return "Invalid request format: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to Keptn's body; never a traceback or HTML to the client."""

    async def slogate_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, SlogateError)
        return error_response(status_of(error), error.message)

    async def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        response = error_response(error.status_code, str(error.detail))
        if error.headers:
            response.headers.update(error.headers)
        return response

    async def validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return error_response(400, _validation_message(error))

    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        _log.error("%s %s failed", request.method, request.url.path, exc_info=error)
        return error_response(500, "internal server error: the server could not answer this request")

    app.add_exception_handler(SlogateError, slogate_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)  # the last resort: JSON, never plain text
