"""Server interceptors: request context + access log, metrics, and domain error mapping.

They wrap unary-unary handlers (what the services expose); streaming handlers such as health
``Watch`` and reflection pass through untouched. ``ServerCallInterceptor`` does all three in one
wrapper per call (each layer of interceptor costs an await chain and a lookup on every RPC of
every hot path), in this order, outermost first: request context (so every log line carries the
request id) → metrics → error mapping (so the outer two observe the final status code set by
the mapping). The three are also available alone.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import structlog

from svckit.db import database_unavailable
from svckit.errors import INTERNAL_MESSAGE, ErrorTable, rich_status, status_for_exception
from svckit.identity import (
    REQUEST_ID_HEADER,
    USER_ID_HEADER,
    metadata_value,
    new_request_id,
    reset_request_id,
    set_request_id,
)
from svckit.logging import get_logger
from svckit.metrics import GRPC_SERVER_HANDLED, GRPC_SERVER_HANDLING_SECONDS

__all__ = [
    "AccessLogInterceptor",
    "ErrorMappingInterceptor",
    "MetricsInterceptor",
    "ServerCallInterceptor",
    "UnaryUnaryServerInterceptor",
    "status_of_failure",
]

Behavior = Callable[[Any, Any], Any]

log = get_logger(__name__)

_QUIET_SERVICES = ("grpc.health.v1.Health", "grpc.reflection.")
_PASSED_THROUGH_UPSTREAM = {
    grpc.StatusCode.UNAVAILABLE: "an upstream service is unavailable",
    grpc.StatusCode.DEADLINE_EXCEEDED: "an upstream service did not answer in time",
}


def split_method(full_method: str) -> tuple[str, str]:
    """``/pkg.Service/Method`` → ``("pkg.Service", "Method")``."""
    service, _, method = full_method.lstrip("/").rpartition("/")
    return service or "unknown", method or full_method


async def _call(behavior: Behavior, request: Any, context: Any) -> Any:
    result = behavior(request, context)
    if inspect.isawaitable(result):
        return await result
    return result


def _as_status_code(code: Any) -> grpc.StatusCode:
    if isinstance(code, grpc.StatusCode):
        return code
    if isinstance(code, int):
        for candidate in grpc.StatusCode:
            if candidate.value[0] == code:
                return candidate
    return grpc.StatusCode.OK


def final_code(context: Any, exc: BaseException | None) -> grpc.StatusCode:
    """The status the client will see, given how the inner handler finished."""
    if isinstance(exc, asyncio.CancelledError):
        return grpc.StatusCode.CANCELLED
    if exc is not None and not isinstance(exc, grpc.aio.AbortError):
        return grpc.StatusCode.UNKNOWN
    code = _as_status_code(context.code())
    if exc is not None and code is grpc.StatusCode.OK:
        return grpc.StatusCode.UNKNOWN
    return code


class UnaryUnaryServerInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Base: replace each unary-unary handler by one that runs ``around``."""

    def __init__(self) -> None:
        self._wrapped: dict[str, Any] = {}

    async def intercept_service(
        self,
        continuation: Callable[[Any], Awaitable[Any]],
        handler_call_details: Any,
    ) -> Any:
        method: str = handler_call_details.method
        cached = self._wrapped.get(method)
        if cached is not None:
            return cached
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        if handler.request_streaming or handler.response_streaming:
            return handler
        behavior: Behavior = handler.unary_unary

        async def wrapped(request: Any, context: Any) -> Any:
            return await self.around(method, behavior, request, context)

        # Registered handlers never change while the server runs: wrap each method once, not
        # once per call (this runs on every RPC of every hot path).
        self._wrapped[method] = grpc.unary_unary_rpc_method_handler(
            wrapped,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
        return self._wrapped[method]

    async def around(self, method: str, behavior: Behavior, request: Any, context: Any) -> Any:
        raise NotImplementedError


class AccessLogInterceptor(UnaryUnaryServerInterceptor):
    """Binds the request id (forwarded or new) and logs one line per RPC with its outcome."""

    async def around(self, method: str, behavior: Behavior, request: Any, context: Any) -> Any:
        return await _logged(method, _call, behavior, request, context)


async def _logged(
    method: str,
    inner: Callable[[Behavior, Any, Any], Awaitable[Any]],
    behavior: Behavior,
    request: Any,
    context: Any,
) -> Any:
    metadata = context.invocation_metadata()
    request_id = metadata_value(metadata, REQUEST_ID_HEADER) or new_request_id()
    user_id = metadata_value(metadata, USER_ID_HEADER)
    token = set_request_id(request_id)
    started = time.perf_counter()
    failure: BaseException | None = None
    with structlog.contextvars.bound_contextvars(request_id=request_id, rpc=method):
        try:
            return await inner(behavior, request, context)
        except BaseException as exc:
            failure = exc
            raise
        finally:
            code = final_code(context, failure)
            quiet = method.lstrip("/").startswith(_QUIET_SERVICES)
            emit = log.debug if quiet else log.info
            emit(
                "grpc.access",
                code=code.name,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                user_id=user_id,
                peer=context.peer(),
            )
            reset_request_id(token)


class MetricsInterceptor(UnaryUnaryServerInterceptor):
    """Counts RPCs by method and code and observes their latency."""

    async def around(self, method: str, behavior: Behavior, request: Any, context: Any) -> Any:
        return await _measured(method, _call, behavior, request, context)


async def _measured(
    method: str,
    inner: Callable[[Behavior, Any, Any], Awaitable[Any]],
    behavior: Behavior,
    request: Any,
    context: Any,
) -> Any:
    service, name = split_method(method)
    started = time.perf_counter()
    failure: BaseException | None = None
    try:
        return await inner(behavior, request, context)
    except BaseException as exc:
        failure = exc
        raise
    finally:
        GRPC_SERVER_HANDLING_SECONDS.labels(service, name).observe(time.perf_counter() - started)
        GRPC_SERVER_HANDLED.labels(service, name, final_code(context, failure).name).inc()


class ErrorMappingInterceptor(UnaryUnaryServerInterceptor):
    """Turns exceptions escaping a servicer into statuses, using the service's error table.

    Mapped domain errors become their code with ``str(exc)`` and an ``ErrorInfo``. An upstream
    UNAVAILABLE/DEADLINE_EXCEEDED (a call to another service that failed) keeps its code so the
    gateway can answer 503/504; it carries ``grpc-retry-pushback-ms: -1`` so our caller's retry
    policy does not multiply the retries this service's channel already made. Everything else
    is a bug: INTERNAL, generic message, traceback in the log.
    """

    def __init__(self, table: ErrorTable, *, domain: str = "") -> None:
        super().__init__()
        self._table = table
        self._domain = domain

    async def around(self, method: str, behavior: Behavior, request: Any, context: Any) -> Any:
        return await self.mapped(behavior, request, context)

    async def mapped(self, behavior: Behavior, request: Any, context: Any) -> Any:
        try:
            return await _call(behavior, request, context)
        except (grpc.aio.AbortError, asyncio.CancelledError):
            raise
        except Exception as exc:
            await context.abort_with_status(status_of_failure(exc, self._table, self._domain))
            raise  # unreachable: abort_with_status raises AbortError


def status_of_failure(exc: Exception, table: ErrorTable, domain: str = "") -> grpc.Status:
    """The status a call that raised ``exc`` ends with (ErrorMappingInterceptor); also what one
    item of a batch answer says when the item raised ``exc``."""
    status = status_for_exception(exc, table, domain=domain)
    return status if status is not None else _unmapped(exc, domain)


def _unmapped(exc: Exception, domain: str) -> grpc.Status:
    if isinstance(exc, grpc.aio.AioRpcError) and exc.code() in _PASSED_THROUGH_UPSTREAM:
        code: grpc.StatusCode = exc.code()
        log.warning("grpc.upstream_failed", code=code.name, details=exc.details())
        return rich_status(
            code,
            _PASSED_THROUGH_UPSTREAM[code],
            reason=f"UPSTREAM_{code.name}",
            domain=domain,
            extra_trailers=[("grpc-retry-pushback-ms", "-1")],
        )
    if database_unavailable(exc):
        log.warning("grpc.database_unavailable", error=str(exc).splitlines()[0])
        return rich_status(
            grpc.StatusCode.UNAVAILABLE,
            "the database is unavailable; try again",
            reason="DATABASE_UNAVAILABLE",
            domain=domain,
        )
    log.exception("grpc.unhandled_exception", error_type=type(exc).__name__)
    return rich_status(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE, reason="INTERNAL", domain=domain)


class ServerCallInterceptor(UnaryUnaryServerInterceptor):
    """Access log, metrics and error mapping (in that order, outermost first) in one frame."""

    def __init__(self, table: ErrorTable, *, domain: str = "") -> None:
        super().__init__()
        self._errors = ErrorMappingInterceptor(table, domain=domain)
        self._names: dict[str, tuple[str, str, bool]] = {}

    async def around(self, method: str, behavior: Behavior, request: Any, context: Any) -> Any:
        names = self._names.get(method)
        if names is None:
            service, name = split_method(method)
            names = self._names[method] = (
                service,
                name,
                method.lstrip("/").startswith(_QUIET_SERVICES),
            )
        service, name, quiet = names
        metadata = context.invocation_metadata()
        request_id = metadata_value(metadata, REQUEST_ID_HEADER) or new_request_id()
        token = set_request_id(request_id)
        started = time.perf_counter()
        failure: BaseException | None = None
        with structlog.contextvars.bound_contextvars(request_id=request_id, rpc=method):
            try:
                return await self._errors.mapped(behavior, request, context)
            except BaseException as exc:
                failure = exc
                raise
            finally:
                elapsed = time.perf_counter() - started
                code = final_code(context, failure)
                GRPC_SERVER_HANDLING_SECONDS.labels(service, name).observe(elapsed)
                GRPC_SERVER_HANDLED.labels(service, name, code.name).inc()
                (log.debug if quiet else log.info)(
                    "grpc.access",
                    code=code.name,
                    duration_ms=round(elapsed * 1000, 2),
                    user_id=metadata_value(metadata, USER_ID_HEADER),
                    peer=context.peer(),
                )
                reset_request_id(token)
