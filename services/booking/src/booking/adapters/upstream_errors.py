"""Failed calls to inventory or catalog as booking domain errors, same code and message.

What inventory refuses (seats taken, a lock timeout, unknown seats, a bad argument, a rule) is
the caller's business: the error goes back with inventory's status code, message and ErrorInfo.
An upstream that is down or slow becomes UNAVAILABLE / DEADLINE_EXCEEDED. Anything else (e.g.
PERMISSION_DENIED between services) is our bug and stays an unmapped error → INTERNAL.
"""

from __future__ import annotations

import grpc

from booking.domain.errors import (
    BookingError,
    Conflict,
    DependencyTimeout,
    DependencyUnavailable,
    InvalidRequest,
    NotFound,
    RuleViolated,
    SeatsTaken,
)
from svckit.errors import error_info_from_rpc_error

_RELAYED: dict[grpc.StatusCode, type[BookingError]] = {
    grpc.StatusCode.ALREADY_EXISTS: SeatsTaken,
    grpc.StatusCode.ABORTED: Conflict,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.FAILED_PRECONDITION: RuleViolated,
}


def translate(error: grpc.aio.AioRpcError, *, upstream: str) -> Exception:
    """The exception to raise in place of `error` (the error itself when not ours to map)."""
    code = error.code()
    message = error.details() or f"{upstream} refused the request"
    info = error_info_from_rpc_error(error)
    reason = info.reason if info is not None and info.reason else None
    details = dict(info.metadata) if info is not None else {}
    relayed = _RELAYED.get(code)
    if relayed is not None:
        return relayed(message, reason=reason, details=details)
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidRequest(details.get("field", ""), message, reason=reason, details=details)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED):
        return DependencyUnavailable(f"{upstream} is unavailable: {message}")
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return DependencyTimeout(f"{upstream} did not answer in time")
    unmapped: Exception = error
    return unmapped
