"""Every failure a client can see, in one body shape: ``{"error": {"code", "message", "details"}}``.

Hierarchy::

    ApiError                        an answer with an HTTP status, a stable code and a message
    ├── InvalidArgument             400 INVALID_ARGUMENT    bad input the gateway itself refuses
    ├── Unauthenticated             401 UNAUTHENTICATED     no, invalid or expired token
    ├── PermissionDenied            403 PERMISSION_DENIED   not yours, or needs the admin role
    ├── RouteNotFound               404 NOT_FOUND           no such route
    ├── MethodNotAllowed            405 METHOD_NOT_ALLOWED  the path exists, the method does not
    ├── IdempotencyKeyInUse         409 IDEMPOTENCY_KEY_IN_USE  retryable: the first is running
    ├── IdempotencyKeyReused        422 IDEMPOTENCY_KEY_REUSED  the key was used for another body
    ├── RateLimited                 429 RATE_LIMITED        retryable after Retry-After
    ├── IdempotencyStoreUnavailable 503 IDEMPOTENCY_STORE_UNAVAILABLE  retryable
    └── UpstreamError               an upstream's gRPC status, mapped by GRPC_TO_HTTP
                                    (the grpc-gateway table); code = its ErrorInfo reason
    RequestValidationError   request shape (FastAPI/pydantic)           -> 400 InvalidArgument
    HTTPException            routing and body reading (404, 405, 413)   -> the class of its status
    anything else            a bug in the gateway                        -> 500, logged

``code`` is machine-readable: the ErrorInfo reason an upstream attached (``SEATS_TAKEN``) or the
gateway's own code above; ``details`` is the ErrorInfo metadata with camelCase keys, or the
offending fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    "HTTP_CODES",
    "WWW_AUTHENTICATE",
    "ApiError",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "IdempotencyStoreUnavailable",
    "InvalidArgument",
    "MethodNotAllowed",
    "PermissionDenied",
    "RateLimited",
    "RouteNotFound",
    "Unauthenticated",
    "UpstreamError",
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

HTTP_CODES: Mapping[int, str] = {
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
"""The code of an HTTP status when nothing more precise is known (routing, body reading)."""


class ApiError(Exception):
    """An error answer: HTTP status, stable code, human message, string details, headers.

    Subclasses fix ``status`` and ``code``; raise them with a message (and details)."""

    status: int = 500
    code: str = "INTERNAL"

    def __init__(
        self,
        message: str,
        details: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details or {})
        self.headers = dict(headers or {})


class InvalidArgument(ApiError):
    status, code = 400, "INVALID_ARGUMENT"


class Unauthenticated(ApiError):
    """401 with an RFC 6750 challenge; ``error`` is None when no token was sent at all."""

    status, code = 401, "UNAUTHENTICATED"

    def __init__(self, message: str, error: str | None = "invalid_token") -> None:
        challenge = WWW_AUTHENTICATE
        if error:
            challenge += f', error="{error}", error_description="{message}"'
        super().__init__(message, headers={"WWW-Authenticate": challenge})


class PermissionDenied(ApiError):
    status, code = 403, "PERMISSION_DENIED"


class RouteNotFound(ApiError):
    status, code = 404, "NOT_FOUND"


class MethodNotAllowed(ApiError):
    """405 naming, in ``Allow``, exactly the methods the OpenAPI document gives the path."""

    status, code = 405, "METHOD_NOT_ALLOWED"

    def __init__(self, method: str, path: str, allowed: Iterable[str]) -> None:
        allow = ", ".join(allowed)
        super().__init__(
            f"method {method} is not allowed on {path}",
            {"allow": allow},
            {"Allow": allow},
        )


class IdempotencyKeyInUse(ApiError):
    """409, retryable: the first request with this key is still running (or its gateway died and
    its lease has not run out yet); ``Retry-After`` says when the key can be taken over."""

    status, code = 409, "IDEMPOTENCY_KEY_IN_USE"

    def __init__(self, key: str, retry_after_seconds: int = 1) -> None:
        super().__init__(
            "a request with this Idempotency-Key is still being processed; "
            f"retry with the same key and body in {retry_after_seconds} s",
            {"idempotencyKey": key, "retryable": "true"},
            {"Retry-After": str(retry_after_seconds)},
        )


class IdempotencyKeyReused(ApiError):
    status, code = 422, "IDEMPOTENCY_KEY_REUSED"

    def __init__(self, key: str) -> None:
        super().__init__(
            "this Idempotency-Key was used for a different request", {"idempotencyKey": key}
        )


class RateLimited(ApiError):
    status, code = 429, "RATE_LIMITED"

    def __init__(self, group: str, per_minute: int, retry_after_seconds: int) -> None:
        super().__init__(
            f"too many {group} requests; try again in {retry_after_seconds} s",
            {"limitPerMinute": str(per_minute), "group": group},
            {"Retry-After": str(retry_after_seconds)},
        )


class IdempotencyStoreUnavailable(ApiError):
    status, code = 503, "IDEMPOTENCY_STORE_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__(
            "idempotency keys cannot be checked right now; try again shortly",
            headers={"Retry-After": "1"},
        )


class UpstreamError(ApiError):
    """An upstream's status as HTTP: status from GRPC_TO_HTTP, code from its ErrorInfo."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, details, headers)
        self.status = status
        self.code = code


class _HttpError(ApiError):
    """A routing or body-reading failure Starlette raised, with its own status."""

    def __init__(
        self, status: int, message: str, details: Mapping[str, str], headers: Mapping[str, str]
    ) -> None:
        super().__init__(message, details, headers)
        self.status = status
        self.code = HTTP_CODES.get(status, "HTTP_ERROR")


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
    return UpstreamError(status, reason, message, details, headers)


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
    return InvalidArgument(f"{first_field}: {first_reason}{more}", details)


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
        return error_response(RouteNotFound(f"no route {request.method} {request.url.path}"))
    elif exc.status_code == 405:
        allowed = [method.strip() for method in headers.get("Allow", "").split(",")]
        return error_response(MethodNotAllowed(request.method, request.url.path, allowed))
    else:
        message = str(exc.detail)
    return error_response(_HttpError(exc.status_code, message, details, headers))


def install_error_handlers(app: FastAPI) -> None:
    """Route every handled failure into the one body shape (500s: see ``middleware``)."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
