"""What a documented path answers to a method the OpenAPI document does not give it: 405 with an
``Allow`` header naming exactly the documented methods, in the one error body; ``OPTIONS`` is
answered 204 with the same ``Allow``.

Starlette alone gets both wrong. A literal path such as ``/bookings/hold-seats`` also matches the
template ``/bookings/{bookingId}``, so ``GET /bookings/hold-seats`` reached ``GetBooking`` and
failed the uuid check (400); and where two routes share a path (``GET`` and ``POST /movies``) its
405 names only the first route's methods. So every documented path gets one more route, for every
other method: a literal path's goes first, ahead of the templates that would swallow it; a
template's goes after the API routes, where only requests no real route took reach it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.errors import MethodNotAllowed

__all__ = ["ALL_METHODS", "allow_header", "install_method_answers"]

ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
_ORDER = {method: index for index, method in enumerate(ALL_METHODS)}


def allow_header(documented: Iterable[str]) -> list[str]:
    """The documented methods and the OPTIONS answered here (FastAPI routes take no HEAD)."""
    methods = set(documented) | {"OPTIONS"}
    return sorted(methods, key=lambda method: _ORDER.get(method, len(_ORDER)))


def _answer(allowed: list[str]) -> Callable[[Request], Awaitable[Response]]:
    allow = ", ".join(allowed)

    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allow})
        raise MethodNotAllowed(request.method, request.url.path, allowed)

    return endpoint


def install_method_answers(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the 405/OPTIONS routes for every documented path of ``routers``; call right after
    including them, so the templated answers come after them and before anything added later."""
    documented: dict[str, set[str]] = {}
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                documented.setdefault(route.path, set()).update(route.methods or ())
    literal: list[Route] = []
    templated: list[Route] = []
    for path, methods in documented.items():
        allowed = allow_header(methods)
        others = [method for method in ALL_METHODS if method not in allowed or method == "OPTIONS"]
        route = Route(path, _answer(allowed), methods=others, include_in_schema=False)
        (templated if "{" in path else literal).append(route)
    app.router.routes.extend(templated)
    app.router.routes[:0] = literal
