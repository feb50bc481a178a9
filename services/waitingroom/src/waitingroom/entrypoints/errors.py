"""The waiting room's domain errors → gRPC status codes (svckit's interceptor applies the table).

The reasons NO_WAITING_ROOM and NOT_IN_QUEUE are waitingroom.proto's ErrorReason names."""

from __future__ import annotations

import grpc

from svckit.errors import ErrorTable
from waitingroom.domain.errors import (
    CatalogUnavailable,
    InvalidRequest,
    NotFound,
    NoWaitingRoom,
)

ERROR_TABLE: ErrorTable = {
    InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    NoWaitingRoom: grpc.StatusCode.FAILED_PRECONDITION,
    CatalogUnavailable: grpc.StatusCode.UNAVAILABLE,
}
