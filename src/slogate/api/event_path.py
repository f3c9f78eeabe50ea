"""The lean path of ``POST /api/v1/event``: the busiest route, answered without the framework's routing,
dependency solving and thread hop, with the same checks, answers and metrics as its FastAPI route."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from slogate.api import events
from slogate.api.auth import authenticate
from slogate.api.context import ServerContext
from slogate.api.errors import ApiError, error_response, status_of
from slogate.api.limits import EVENT_PATH
from slogate.errors import SlogateError


class EventIngestion:
    """ASGI middleware answering ``POST /api/v1/event`` itself; every other request goes on.

    It sits inside ``BodyLimit`` and ``RequestMetrics``, which see the request as before (it names
    the FastAPI route in the scope, so the metrics label it by the route's template), and runs what
    the route runs: the token check of ``access_rules.authorize``, then ``events.accept_posted``
    (which checks the caller's role for the event's type, project and stage).
    The route stays registered for the OpenAPI document (and serves the path where this is absent).
    """

    def __init__(self, app: ASGIApp, route: BaseRoute) -> None:
        self.app = app
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != EVENT_PATH:
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        request = Request(scope, receive)
        context: ServerContext = request.app.state.context
        try:
            authenticate(request, context)
            body = await request.body()
            check = partial(events.check_event, request)
            answer = await events.accept_posted(request.app, context, body, request.headers, check)
        except ApiError as error:
            response = error_response(error.status, error.message)
        except SlogateError as error:
            response = error_response(status_of(error), error.message)
        else:
            response = JSONResponse(answer.body(), headers=answer.headers())
        await response(scope, receive, send)


def install_event_path(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Serve ``POST /api/v1/event`` through ``EventIngestion`` when ``routers`` (those of ``app``)
    hold its route. Call it before adding the metrics and body-limit middleware, so that they wrap it."""
    if events.router not in routers:
        return
    for route in events.router.routes:  # FastAPI puts this route (as included) in the scope too
        if isinstance(route, APIRoute) and route.path == EVENT_PATH and "POST" in (route.methods or ()):
            app.add_middleware(EventIngestion, route=route)
            return
