"""Booking domain errors → gRPC status codes (svckit's interceptor applies the table)."""

from __future__ import annotations

import grpc

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
from svckit.errors import ErrorTable

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
