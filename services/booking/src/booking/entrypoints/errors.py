"""Booking domain errors → gRPC status codes (svckit's interceptor applies the table)."""

from __future__ import annotations

import grpc
from google.rpc import status_pb2

from booking.config import SERVICE
from booking.domain.errors import (
    AdmissionRequired,
    Conflict,
    DependencyTimeout,
    DependencyUnavailable,
    InvalidRequest,
    NotAuthenticated,
    NotBookingOwner,
    NotFound,
    RuleViolated,
    SeatsTaken,
)
from booking.domain.tickets import NotStaff
from svckit.errors import ErrorTable, status_message
from svckit.grpc_interceptors import status_of_failure

ERROR_TABLE: ErrorTable = {
    InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    NotAuthenticated: grpc.StatusCode.UNAUTHENTICATED,
    NotBookingOwner: grpc.StatusCode.PERMISSION_DENIED,
    AdmissionRequired: grpc.StatusCode.PERMISSION_DENIED,
    NotStaff: grpc.StatusCode.PERMISSION_DENIED,
    NotFound: grpc.StatusCode.NOT_FOUND,
    RuleViolated: grpc.StatusCode.FAILED_PRECONDITION,
    Conflict: grpc.StatusCode.ABORTED,
    SeatsTaken: grpc.StatusCode.ALREADY_EXISTS,
    DependencyUnavailable: grpc.StatusCode.UNAVAILABLE,
    DependencyTimeout: grpc.StatusCode.DEADLINE_EXCEEDED,
}


def failed_item(exc: Exception) -> status_pb2.Status:
    """One item of a batch that raised ``exc``: the status its own call would have ended with
    (through the same table; an unmapped error is INTERNAL and logged)."""
    return status_message(status_of_failure(exc, ERROR_TABLE, SERVICE.name))
