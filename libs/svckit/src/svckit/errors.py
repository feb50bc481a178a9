"""Errors across gRPC, both ways: a service's domain errors out as statuses with machine-readable
details, and the failed calls it makes to another service back in as its own domain errors.

Out: each service's entrypoints declare one table::

    ERROR_TABLE: ErrorTable = {
        SeatUnavailable: grpc.StatusCode.FAILED_PRECONDITION,
        NotFound: grpc.StatusCode.NOT_FOUND,
        Refused: StatusWithInfo(grpc.StatusCode.ALREADY_EXISTS, refusal_info),
    }

Lookup walks the exception's MRO, so a base class in the table covers its subclasses. The
status message is ``str(exc)``; a ``google.rpc.ErrorInfo`` detail carries ``exc.reason`` (or the
class name in UPPER_SNAKE_CASE) and ``exc.details`` (a ``dict[str, str]``), so the gateway can
name conflicting seats without parsing text. Where the reason and metadata are part of the
proto contract, a :class:`StatusWithInfo` entry writes them from the contract's generated names
instead (the domain, which may not import the stubs, stays out of it). Anything not in the table
becomes INTERNAL with a generic message: internals never leak to clients.

In: each client of another service declares one :class:`UpstreamErrors` table from status code
(or code and ErrorInfo reason) to a factory of its own domain error, and runs its calls inside
``errors.translated(request)``; a failure the table does not name stays what it was, unless the
table says ``otherwise``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

__all__ = [
    "INTERNAL_MESSAGE",
    "ErrorTable",
    "FailedCall",
    "StatusWithInfo",
    "UpstreamErrors",
    "error_info_from_rpc_error",
    "error_reason",
    "lookup_status",
    "rich_status",
    "rpc_error_of",
    "status_for_exception",
    "status_message",
]

ErrorInfoOf = Callable[[Any], tuple[str, Mapping[str, str]]]
"""``(exc) -> (reason, metadata)`` of the ``ErrorInfo`` a table entry puts on its status."""


class StatusWithInfo(NamedTuple):
    """A table entry whose ``ErrorInfo`` reason and metadata ``info(exc)`` writes."""

    code: grpc.StatusCode
    info: ErrorInfoOf


ErrorTable = Mapping[type[Exception], grpc.StatusCode | StatusWithInfo]

INTERNAL_MESSAGE = "internal error"

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_DETAILS_TRAILER = "grpc-status-details-bin"


class _Status(NamedTuple):
    """A concrete ``grpc.Status`` (the library declares only the interface)."""

    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def _entry(exc: BaseException, table: ErrorTable) -> grpc.StatusCode | StatusWithInfo | None:
    for cls in type(exc).__mro__:
        entry = table.get(cls)  # type: ignore[call-overload]
        if entry is not None:
            return entry  # type: ignore[no-any-return]
    return None


def lookup_status(exc: BaseException, table: ErrorTable) -> grpc.StatusCode | None:
    """The code mapped to the most specific class of ``exc`` in ``table``."""
    entry = _entry(exc, table)
    return entry.code if isinstance(entry, StatusWithInfo) else entry


def error_reason(exc: BaseException) -> str:
    """``exc.reason`` if set, else e.g. ``SEAT_UNAVAILABLE`` for ``SeatUnavailable``."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str) and reason:
        return reason
    return _CAMEL_BOUNDARY.sub("_", type(exc).__name__).upper()


def _error_details(exc: BaseException) -> dict[str, str]:
    details = getattr(exc, "details", None)
    if not isinstance(details, Mapping):
        return {}
    return {str(key): str(value) for key, value in details.items()}


def rich_status(
    code: grpc.StatusCode,
    message: str,
    *,
    reason: str | None = None,
    metadata: Mapping[str, str] | None = None,
    domain: str = "",
    extra_trailers: Sequence[tuple[str, str]] = (),
) -> grpc.Status:
    """A ``grpc.Status`` whose trailers carry a ``google.rpc.Status`` with an ``ErrorInfo``."""
    status = status_pb2.Status(code=code.value[0], message=message)
    if reason is not None:
        info = error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=metadata or {})
        detail = any_pb2.Any()
        detail.Pack(info)
        status.details.append(detail)
    converted = rpc_status.to_status(status)
    return _Status(
        converted.code, converted.details, (*converted.trailing_metadata, *extra_trailers)
    )


def status_for_exception(
    exc: BaseException, table: ErrorTable, *, domain: str = ""
) -> grpc.Status | None:
    """The rich status for a mapped domain error, or None when ``exc`` is not in ``table``."""
    entry = _entry(exc, table)
    if entry is None:
        return None
    if isinstance(entry, StatusWithInfo):
        reason, metadata = entry.info(exc)
        return rich_status(entry.code, str(exc), reason=reason, metadata=metadata, domain=domain)
    return rich_status(
        entry, str(exc), reason=error_reason(exc), metadata=_error_details(exc), domain=domain
    )


def status_message(status: grpc.Status) -> status_pb2.Status:
    """The ``google.rpc.Status`` that ``status`` carries (code, message, details), to answer one
    item of a batch with what a call of its own would have failed with."""
    for key, value in status.trailing_metadata or ():
        if key == _DETAILS_TRAILER and isinstance(value, bytes):
            return status_pb2.Status.FromString(value)
    return status_pb2.Status(code=status.code.value[0], message=status.details or "")


def rpc_error_of(status: status_pb2.Status) -> grpc.aio.AioRpcError:
    """The error a call of its own would have raised for an item of a batch that failed with
    ``status``: its code, message and details, as :class:`UpstreamErrors` and
    :func:`error_info_from_rpc_error` read them."""
    code = _CODES.get(status.code, grpc.StatusCode.UNKNOWN)
    return grpc.aio.AioRpcError(
        code,
        grpc.aio.Metadata(),
        grpc.aio.Metadata((_DETAILS_TRAILER, status.SerializeToString())),
        details=status.message,
    )


_CODES = {code.value[0]: code for code in grpc.StatusCode}


def error_info_from_rpc_error(error: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    """The ``ErrorInfo`` a server attached to a failed call (client side, e.g. the gateway)."""
    try:
        status = rpc_status.from_call(error)
    except (ValueError, AttributeError):
        return None
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    return None


@dataclass(frozen=True)
class FailedCall:
    """A failed call to another service, as a factory of :class:`UpstreamErrors` sees it."""

    upstream: str
    code: grpc.StatusCode
    message: str  # the status message, "" when the server gave none
    reason: str | None  # the ErrorInfo reason, None when there is none
    metadata: dict[str, str]  # the ErrorInfo metadata
    request: Any  # the request message of the call, for errors that name what was asked


ErrorFactory = Callable[[FailedCall], Exception]
UpstreamTable = Mapping[grpc.StatusCode | tuple[grpc.StatusCode, str], ErrorFactory]


class UpstreamErrors:
    """One client's translation of failed calls to ``upstream`` into the caller's domain errors.

    ``table`` maps a status code, or a ``(code, reason)`` pair that takes precedence over it, to
    the factory of the exception to raise instead; ``otherwise`` is the factory for every other
    failure (without one, the ``grpc.aio.AioRpcError`` itself propagates).
    """

    def __init__(
        self, upstream: str, table: UpstreamTable, *, otherwise: ErrorFactory | None = None
    ) -> None:
        self.upstream = upstream
        self._table = table
        self._otherwise = otherwise

    def translate(self, error: grpc.aio.AioRpcError, request: Any = None) -> Exception:
        """The exception to raise in place of ``error`` (``error`` itself when unmapped)."""
        code: grpc.StatusCode = error.code()
        info = error_info_from_rpc_error(error)
        reason = info.reason if info is not None and info.reason else None
        factory = self._table.get((code, reason)) if reason is not None else None
        factory = factory or self._table.get(code) or self._otherwise
        if factory is None:
            unmapped: Exception = error
            return unmapped
        failed = FailedCall(
            upstream=self.upstream,
            code=code,
            message=error.details() or "",
            reason=reason,
            metadata=dict(info.metadata) if info is not None else {},
            request=request,
        )
        return factory(failed)

    @contextmanager
    def translated(self, request: Any = None) -> Iterator[None]:
        """Run a call of ``request``; a failure is raised as what the table makes of it."""
        try:
            yield
        except grpc.aio.AioRpcError as error:
            raise self.translate(error, request) from error
