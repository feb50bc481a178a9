"""Inventory's domain errors → gRPC status codes (svckit's interceptor applies the table).

A refusal of seats carries the reason and metadata keys inventory.proto defines for it, which
callers (booking's hot seats, the gateway) read by the same generated names.
"""

from __future__ import annotations

import grpc
from google.rpc import status_pb2

from inventory.config import SERVICE
from inventory.domain.errors import (
    AdmissionRequired,
    ConcurrentUpdate,
    InvalidRequest,
    NoAdjacentSeats,
    NotFound,
    SeatsBusy,
    SeatsUnavailable,
    SeatWouldBeStranded,
    ShowAlreadyStarted,
    WaitingRoomUnavailable,
)
from svckit.errors import ErrorTable, StatusWithInfo, status_message
from svckit.grpc_interceptors import status_of_failure
from svckit.proto_values import metadata_of
from ticketing.inventory.v1 import inventory_pb2

SEATS_UNAVAILABLE = inventory_pb2.ErrorReason.Name(inventory_pb2.SEATS_UNAVAILABLE)
ADMISSION_REQUIRED = inventory_pb2.ErrorReason.Name(inventory_pb2.ADMISSION_REQUIRED)


def seats_unavailable_info(exc: SeatsUnavailable) -> tuple[str, dict[str, str]]:
    return SEATS_UNAVAILABLE, metadata_of(
        inventory_pb2.SeatsUnavailableMetadata(
            seat_ids=",".join(exc.seat_ids),
            seats=",".join(exc.labels),
            booked_seat_ids=",".join(exc.booked_seat_ids),
            booked_seats=",".join(exc.booked_labels),
        )
    )


def admission_required_info(exc: AdmissionRequired) -> tuple[str, dict[str, str]]:
    return ADMISSION_REQUIRED, exc.details


ERROR_TABLE: ErrorTable = {
    InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    SeatsUnavailable: StatusWithInfo(grpc.StatusCode.ALREADY_EXISTS, seats_unavailable_info),
    SeatsBusy: grpc.StatusCode.ABORTED,
    SeatWouldBeStranded: grpc.StatusCode.ABORTED,
    NoAdjacentSeats: grpc.StatusCode.ABORTED,
    ConcurrentUpdate: grpc.StatusCode.ABORTED,
    ShowAlreadyStarted: grpc.StatusCode.FAILED_PRECONDITION,
    AdmissionRequired: StatusWithInfo(grpc.StatusCode.PERMISSION_DENIED, admission_required_info),
    WaitingRoomUnavailable: grpc.StatusCode.UNAVAILABLE,
}


def failed_item(exc: Exception) -> status_pb2.Status:
    """One item of a batch that raised ``exc``: the status its own call would have ended with
    (through the same table; an unmapped error is INTERNAL and logged)."""
    return status_message(status_of_failure(exc, ERROR_TABLE, SERVICE.name))
