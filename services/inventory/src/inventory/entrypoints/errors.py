"""Inventory's domain errors → gRPC status codes (svckit's interceptor applies the table)."""

from __future__ import annotations

import grpc

from inventory.domain.errors import (
    ConcurrentUpdate,
    InvalidRequest,
    NotFound,
    SeatsBusy,
    SeatsUnavailable,
    ShowAlreadyStarted,
)
from svckit.errors import ErrorTable

ERROR_TABLE: ErrorTable = {
    InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    SeatsUnavailable: grpc.StatusCode.ALREADY_EXISTS,
    SeatsBusy: grpc.StatusCode.ABORTED,
    ConcurrentUpdate: grpc.StatusCode.ABORTED,
    ShowAlreadyStarted: grpc.StatusCode.FAILED_PRECONDITION,
}
