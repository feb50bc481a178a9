"""The hot write routes, answered without FastAPI's per-request machinery.

In an on-sale nearly every request is a hold or a new booking, and FastAPI spends more CPU per
request solving the dependency graph of such a route (the gateway state, the bearer scheme, the
caller, the header and the body) than the route spends on its own work. A route whose endpoint
is marked with :func:`lean` gets, from :class:`LeanRoute`, a handler written out by hand for its
few inputs: it reads the JSON body, finds the caller and validates the header and the body with
the same models, in the same order and with the same errors as FastAPI would, then calls the
endpoint itself. Everything around the handler stays FastAPI's: the route is matched, documented
in the OpenAPI document and wrapped in the app's middleware and exception handlers exactly as
before, so a client cannot tell the two paths apart (tests/integration/gateway/
test_gateway_lean_routes sends both the same requests).

:class:`LeanRoutes` goes one step further for these few exact paths: the gateway's outer
middleware hands a request for one of them straight to its handler, past the router and the
layers that only pass such a request along (compression, which a reply of a few hundred bytes
never gets, and the exception middleware, whose handlers it applies itself). The app does this
only where those layers have nothing to add: without CORS, whose headers a cross-origin caller
needs on every reply.

FastAPI's order, kept here: the body is read and parsed first (malformed JSON is a 400 even
without a token), then the dependencies run (a missing or bad token is a 401 before any field is
checked), then the header and the body are validated together, their errors in one 400.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

__all__ = [
    "MISSING",
    "LeanRoute",
    "LeanRoutes",
    "header",
    "json_body",
    "lean",
    "raise_if",
    "validated",
]

Handler = Callable[[Request], Awaitable[Response]]
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)

_LEAN_HANDLER = "__lean_handler__"


class _Missing:
    """No body was sent (FastAPI's ``Undefined``)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def lean(handler: Handler) -> Callable[[F], F]:
    """Marks an endpoint: :class:`LeanRoute` answers it with ``handler(request)``."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, _LEAN_HANDLER, handler)
        return endpoint

    return mark


class LeanRoute(APIRoute):
    """An ``APIRoute`` that answers a :func:`lean` endpoint with its hand-written handler, unless
    the app was built with ``app.state.lean_routes`` false (then FastAPI's own handler runs,
    which the tests compare it with). Other endpoints are plain ``APIRoute``s."""

    @property
    def lean_handler(self) -> Handler | None:
        handler: Handler | None = getattr(self.endpoint, _LEAN_HANDLER, None)
        return handler

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        handler = self.lean_handler
        if handler is None:
            return standard

        async def either(request: Request) -> Response:
            if getattr(request.app.state, "lean_routes", True):
                return await handler(request)
            return await standard(request)

        return either


class LeanRoutes:
    """The lean routes of exact paths (no path parameters), found by method and path; none of
    ``routes`` is one when the app needs every request to cross its middleware (CORS)."""

    def __init__(self, app: FastAPI, routes: list[Any]) -> None:
        self._app = app
        self._routes: dict[tuple[str, str], tuple[LeanRoute, Handler]] = {}
        for route in routes:
            handler = route.lean_handler if isinstance(route, LeanRoute) else None
            if handler is None or route.param_convertors:
                continue
            for method in route.methods:
                self._routes[(method, route.path_format)] = (route, handler)

    def find(self, scope: Scope) -> tuple[LeanRoute, Handler] | None:
        found = self._routes.get((scope["method"], scope["path"]))
        if found is None or not getattr(self._app.state, "lean_routes", True):
            return None
        return found

    async def answer(
        self, found: tuple[LeanRoute, Handler], scope: Scope, receive: Receive, send: Send
    ) -> None:
        """The route's answer, with the app's exception handlers applied as the exception
        middleware would; an exception none handles goes up, as it would from the router."""
        route, handler = found
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = {}
        request = Request(scope, receive, send)
        try:
            response = await handler(request)
        except Exception as exc:
            on_error = self._handler_for(exc)
            if on_error is None:
                raise
            response = await on_error(request, exc)
        await response(scope, receive, send)

    def _handler_for(self, exc: Exception) -> Any:
        handlers = self._app.exception_handlers
        for cls in type(exc).__mro__:
            if cls in handlers:
                return handlers[cls]
        return None


async def json_body(request: Request) -> Any:
    """The request's body as FastAPI reads it for a JSON body parameter (its content-type is not
    enforced): :data:`MISSING` when empty, the parsed JSON, or the bytes of another media type."""
    try:
        body = await request.body()
        if not body:
            return MISSING
        content_type = request.headers.get("content-type")
        if content_type and content_type != "application/json" and not _is_json(content_type):
            return body
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            # The standard library's parser is FastAPI's: what orjson refuses it may still take
            # (UTF-16 bodies, NaN), and what it refuses too fails with the same position.
            return json.loads(body)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", exc.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ],
            body=exc.doc,
        ) from exc
    except HTTPException:
        raise  # the body was too large (gateway.middleware)
    except Exception as exc:  # nested too deeply, undecodable
        raise HTTPException(400, "There was an error parsing the body") from exc


def _is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def validated(model: type[M], body: Any, errors: list[Any]) -> M | None:
    """``body`` as ``model`` (a whole-body parameter), or None with its problems added to
    ``errors`` under ``body``."""
    if body is MISSING:
        errors.append({"type": "missing", "loc": ("body",), "msg": "Field required", "input": None})
        return None
    try:
        return model.model_validate(body, from_attributes=True)
    except ValidationError as exc:
        errors.extend(_located(exc, "body"))
        return None


def header(request: Request, name: str, adapter: TypeAdapter[Any], errors: list[Any]) -> Any:
    """The header ``name`` validated by ``adapter`` (None when absent), or None with its problems
    added to ``errors`` under ``header.<name>``."""
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        errors.extend(_located(exc, "header", name))
        return None


def _located(exc: ValidationError, *prefix: str) -> list[dict[str, Any]]:
    return [{**error, "loc": (*prefix, *error["loc"])} for error in exc.errors(include_url=False)]


def raise_if(errors: list[Any], body: Any) -> None:
    """One 400 for every problem found, as FastAPI raises it."""
    if errors:
        raise RequestValidationError(errors, body=None if body is MISSING else body)
