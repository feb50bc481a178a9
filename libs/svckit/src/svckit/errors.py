"""Domain exceptions → gRPC statuses with machine-readable details.

Services raise their own plain exceptions; each service's entrypoints declare one table::

    ERROR_TABLE: ErrorTable = {
        SeatUnavailable: grpc.StatusCode.FAILED_PRECONDITION,
        NotFound: grpc.StatusCode.NOT_FOUND,
    }

Lookup walks the exception's MRO, so a base class in the table covers its subclasses. The
status message is ``str(exc)``; a ``google.rpc.ErrorInfo`` detail carries ``exc.reason`` (or the
class name in UPPER_SNAKE_CASE) and ``exc.details`` (a ``dict[str, str]``), so the gateway can
name conflicting seats without parsing text. Anything not in the table becomes INTERNAL with a
generic message: internals never leak to clients.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

__all__ = [
    "INTERNAL_MESSAGE",
    "ErrorTable",
    "error_info_from_rpc_error",
    "error_reason",
    "lookup_status",
    "rich_status",
    "status_for_exception",
]

ErrorTable = Mapping[type[Exception], grpc.StatusCode]

INTERNAL_MESSAGE = "internal error"

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class _Status(NamedTuple):
    """A concrete ``grpc.Status`` (the library declares only the interface)."""

    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def lookup_status(exc: BaseException, table: ErrorTable) -> grpc.StatusCode | None:
    """The code mapped to the most specific class of ``exc`` in ``table``."""
    for cls in type(exc).__mro__:
        code = table.get(cls)  # type: ignore[call-overload]
        if code is not None:
            return code  # type: ignore[no-any-return]
    return None


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
    code = lookup_status(exc, table)
    if code is None:
        return None
    return rich_status(
        code, str(exc), reason=error_reason(exc), metadata=_error_details(exc), domain=domain
    )


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
