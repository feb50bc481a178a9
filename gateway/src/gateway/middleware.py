"""The one ASGI middleware around every request: request id, body limit, metrics, access log,
and the last-resort 500.

Written against raw ASGI (not ``BaseHTTPMiddleware``) because it runs on every request of a
gateway that must answer thousands per second.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import error_body
from gateway.lean import LeanRoutes
from gateway.metrics import observe
from gateway.responses import JsonResponse
from svckit.identity import new_request_id, reset_request_id, set_request_id
from svckit.logging import get_logger

__all__ = ["GatewayMiddleware"]

log = get_logger("gateway.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
_UNMATCHED = "unmatched"


class GatewayMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        access_log: bool,
        lean_routes: LeanRoutes,
    ) -> None:
        """``lean_routes``: the hot writes, answered here past the inner layers (gateway.lean)."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.access_log = access_log
        self.lean_routes = lean_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = self._request_id(scope)
        token = set_request_id(request_id)
        raw_request_id = request_id.encode()
        response: dict[str, Any] = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["started"] = True
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-request-id", raw_request_id),
                ]
            await send(message)

        try:
            length = self._content_length(scope)
            if length is not None and length > self.max_body_bytes:
                await self._answer(
                    scope, receive, send_with_id, 413, "PAYLOAD_TOO_LARGE", self._too_large
                )
            else:
                limited = receive if length is not None else self._limited(receive)
                lean = self.lean_routes.find(scope)
                if lean is None:
                    await self.app(scope, limited, send_with_id)
                else:
                    await self.lean_routes.answer(lean, scope, limited, send_with_id)
        except Exception:
            log.exception("http.unhandled_exception", path=scope.get("path"))
            if not response["started"]:
                await self._answer(scope, receive, send_with_id, 500, "INTERNAL", "internal error")
        finally:
            reset_request_id(token)
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path_format", None) or _UNMATCHED
            status = int(response["status"])
            observe(scope["method"], template, status, seconds)
            if self.access_log:
                log.info(
                    "http.request",
                    method=scope["method"],
                    path=scope["path"],
                    route=template,
                    status=status,
                    duration_ms=round(seconds * 1000, 2),
                    request_id=request_id,
                )

    @staticmethod
    def _request_id(scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = str(value.decode("latin-1"))
                if _REQUEST_ID.match(candidate):
                    return candidate
                break
        return new_request_id()

    @staticmethod
    def _content_length(scope: Scope) -> int | None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    @property
    def _too_large(self) -> str:
        return f"the request body exceeds {self.max_body_bytes} bytes"

    def _limited(self, receive: Receive) -> Receive:
        """``receive`` that fails (413, via the HTTPException handler) once a body sent without
        Content-Length grows past the limit."""
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise HTTPException(413, self._too_large)
            return message

        return limited

    @staticmethod
    async def _answer(
        scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
    ) -> None:
        response = JsonResponse(error_body(code, message), status_code=status)
        await response(scope, receive, send)
