"""Every failure a client can see, in one body shape: ``{"error": {"code", "message", "details"}}``.

Hierarchy::

    ApiError                 an answer the gateway decided on (401, 403, 409, 422, 429 ...)
    grpc.aio.AioRpcError     an upstream's status, mapped by GRPC_TO_HTTP (the grpc-gateway table)
    RequestValidationError   request shape (FastAPI/pydantic)           -> 400
    HTTPException            routing (unknown route 404, wrong method 405)
    anything else            a bug in the gateway                          -> 500, logged

``code`` is machine-readable: the ErrorInfo reason an upstream attached (``SEATS_TAKEN``) or the
status name (``NOT_FOUND``); ``details`` is the ErrorInfo metadata with camelCase keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from gateway.responses import json_response
from svckit.errors import error_info_from_rpc_error
from svckit.logging import get_logger

__all__ = [
    "GRPC_TO_HTTP",
    "WWW_AUTHENTICATE",
    "ApiError",
    "error_body",
    "error_from_rpc",
    "error_response",
    "install_error_handlers",
    "validation_error",
]

log = get_logger(__name__)

WWW_AUTHENTICATE = 'Bearer realm="ticketing"'

GRPC_TO_HTTP: Mapping[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}

_HIDDEN = frozenset({grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS})

_HTTP_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE",
    429: "RATE_LIMITED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """An error answer: HTTP status, stable code, human message, string details."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})
        self.headers = dict(headers or {})


def error_body(code: str, message: str, details: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": dict(details or {})}}


def error_response(error: ApiError) -> Response:
    return json_response(
        error_body(error.code, error.message, error.details), error.status, error.headers
    )


def error_from_rpc(error: grpc.aio.AioRpcError, service: str, deadline: float) -> ApiError:
    """The HTTP answer for an upstream's failed call (``service`` names the upstream)."""
    code = error.code()
    status = GRPC_TO_HTTP.get(code, 500)
    info = error_info_from_rpc_error(error)
    reason = info.reason if info is not None and info.reason else code.name
    details = {to_camel(key): value for key, value in info.metadata.items()} if info else {}
    message = error.details() or code.name.lower().replace("_", " ")
    headers: dict[str, str] = {}
    if code in _HIDDEN:
        log.error("upstream.internal_error", service=service, code=code.name, details=message)
        message = f"internal error in the {service} service"
    elif code is grpc.StatusCode.UNAVAILABLE:
        log.warning("upstream.unavailable", service=service, details=message)
        message = f"the {service} service is unavailable; try again shortly"
        details.setdefault("service", service)
        headers["Retry-After"] = "1"
    elif code is grpc.StatusCode.DEADLINE_EXCEEDED:
        log.warning("upstream.deadline_exceeded", service=service, deadline=deadline)
        message = f"the {service} service did not answer within {deadline:g} s"
        details.setdefault("service", service)
    elif code is grpc.StatusCode.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return ApiError(status, reason, message, details, headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


_BODY_PROBLEMS = {
    "missing": "a JSON request body is required",
    "model_attributes_type": "the body must be a JSON object (Content-Type: application/json)",
    "dict_type": "the body must be a JSON object (Content-Type: application/json)",
}


def validation_error(errors: list[Any]) -> ApiError:
    """400 naming every offending field: ``details`` maps ``body.showSeatIds[0]`` to a reason."""
    details: dict[str, str] = {}
    for item in errors:
        loc = tuple(item.get("loc", ()))
        if item.get("type") == "json_invalid":
            reason = (item.get("ctx") or {}).get("error", "invalid JSON")
            details["body"] = f"malformed JSON: {reason}"
            continue
        field = _field_name(loc) or "request"
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        if loc == ("body",):
            message = _BODY_PROBLEMS.get(str(item.get("type")), message)
        details[field] = f"{details[field]}; {message}" if field in details else message
    if not details:
        details["request"] = "invalid request"
    first_field, first_reason = next(iter(details.items()))
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return ApiError(400, "INVALID_ARGUMENT", f"{first_field}: {first_reason}{more}", details)


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _request_validation(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(validation_error(list(exc.errors())))


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    details: dict[str, str] = {}
    if exc.status_code == 400:  # FastAPI could not read the body (e.g. JSON nested too deeply)
        message = "the request body could not be parsed as JSON"
        details["body"] = str(exc.detail)
    elif exc.status_code == 404:
        message = f"no route {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    return error_response(ApiError(exc.status_code, code, message, details, headers))


def install_error_handlers(app: FastAPI) -> None:
    """Route every handled failure into the one body shape (500s: see ``middleware``)."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
