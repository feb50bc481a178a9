"""Failed calls to inventory or catalog as booking domain errors, same code and message.

What inventory refuses (seats taken, a lock timeout, unknown seats, a bad argument, a rule) is
the caller's business: the error goes back with inventory's status code, message and ErrorInfo.
An upstream that is down or slow becomes UNAVAILABLE / DEADLINE_EXCEEDED. Anything else (e.g.
PERMISSION_DENIED between services) is our bug and stays an unmapped error → INTERNAL, except
inventory's ADMISSION_REQUIRED: the show's waiting room has not admitted the user, which is theirs
to fix (join the queue), so it is relayed like a refusal.

Catalog is asked only for a show by id, so its NOT_FOUND and INVALID_ARGUMENT name that show.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.rpc import status_pb2

from booking.domain.errors import (
    AdmissionRequired,
    BookingError,
    Conflict,
    DependencyTimeout,
    DependencyUnavailable,
    InvalidRequest,
    NotFound,
    RuleViolated,
    SeatsTaken,
    ShowNotFound,
)
from svckit.errors import ErrorFactory, FailedCall, UpstreamErrors, UpstreamTable, rpc_error_of
from ticketing.inventory.v1 import inventory_pb2

ADMISSION_REQUIRED = inventory_pb2.ErrorReason.Name(inventory_pb2.ADMISSION_REQUIRED)


def _message(call: FailedCall) -> str:
    return call.message or f"{call.upstream} refused the request"


def _relayed(error: type[BookingError]) -> ErrorFactory:
    """The upstream's refusal as ``error``, keeping its message, reason and details."""
    return lambda call: error(_message(call), reason=call.reason, details=call.metadata)


def _invalid(call: FailedCall) -> Exception:
    field = call.metadata.get("field", "")
    return InvalidRequest(field, _message(call), reason=call.reason, details=call.metadata)


def _unavailable(call: FailedCall) -> Exception:
    return DependencyUnavailable(f"{call.upstream} is unavailable: {_message(call)}")


def _timed_out(call: FailedCall) -> Exception:
    return DependencyTimeout(f"{call.upstream} did not answer in time")


RELAYED: UpstreamTable = {
    grpc.StatusCode.ALREADY_EXISTS: _relayed(SeatsTaken),
    grpc.StatusCode.ABORTED: _relayed(Conflict),
    grpc.StatusCode.NOT_FOUND: _relayed(NotFound),
    grpc.StatusCode.FAILED_PRECONDITION: _relayed(RuleViolated),
    grpc.StatusCode.INVALID_ARGUMENT: _invalid,
    grpc.StatusCode.UNAVAILABLE: _unavailable,
    grpc.StatusCode.RESOURCE_EXHAUSTED: _unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: _timed_out,
}

INVENTORY_ERRORS = UpstreamErrors(
    "inventory",
    {
        **RELAYED,
        (grpc.StatusCode.PERMISSION_DENIED, ADMISSION_REQUIRED): _relayed(AdmissionRequired),
    },
)


def inventory_item_error(status: status_pb2.Status, request: Any) -> Exception:
    """A failed item of a ReserveSeatsBatch answer as exactly what booking raises when the same
    ReserveSeats call fails with that status (INVENTORY_ERRORS; unmapped: the gRPC error)."""
    error = rpc_error_of(status)
    translated = INVENTORY_ERRORS.translate(error, request)
    if translated is not error:
        translated.__cause__ = error
    return translated


CATALOG_ERRORS = UpstreamErrors(
    "catalog",
    {
        **RELAYED,
        grpc.StatusCode.NOT_FOUND: lambda call: ShowNotFound(call.request.show_id),
        grpc.StatusCode.INVALID_ARGUMENT: lambda call: InvalidRequest(
            "show_id", call.message or "bad show_id"
        ),
    },
)
