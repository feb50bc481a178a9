"""Domain errors map to gRPC statuses through each service's table (no server needed)."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from svckit.errors import (
    ErrorTable,
    StatusWithInfo,
    error_reason,
    lookup_status,
    status_for_exception,
)
from svckit.grpc_interceptors import split_method

pytestmark = pytest.mark.unit


class BookingError(Exception):
    pass


class BookingNotFound(BookingError):
    pass


class WrongState(BookingError):
    reason = "BOOKING_NOT_PENDING"

    def __init__(self, booking_id: str, state: str) -> None:
        super().__init__(f"booking {booking_id} is {state}")
        self.details = {"booking_id": booking_id, "state": state}


TABLE: ErrorTable = {
    BookingError: grpc.StatusCode.FAILED_PRECONDITION,
    BookingNotFound: grpc.StatusCode.NOT_FOUND,
}


def test_most_specific_class_wins_and_bases_cover_subclasses() -> None:
    assert lookup_status(BookingNotFound("x"), TABLE) is grpc.StatusCode.NOT_FOUND
    assert lookup_status(WrongState("b1", "EXPIRED"), TABLE) is grpc.StatusCode.FAILED_PRECONDITION
    assert lookup_status(KeyError("x"), TABLE) is None


def test_reason_is_explicit_or_derived_from_the_class_name() -> None:
    assert error_reason(WrongState("b1", "EXPIRED")) == "BOOKING_NOT_PENDING"
    assert error_reason(BookingNotFound("x")) == "BOOKING_NOT_FOUND"


def test_status_carries_message_and_error_info() -> None:
    status = status_for_exception(WrongState("b1", "EXPIRED"), TABLE, domain="booking")
    assert status is not None
    assert status.code is grpc.StatusCode.FAILED_PRECONDITION
    assert status.details == "booking b1 is EXPIRED"
    ((key, value),) = status.trailing_metadata
    assert key == "grpc-status-details-bin"
    rich = status_pb2.Status.FromString(value)
    info = error_details_pb2.ErrorInfo()
    assert rich.details[0].Unpack(info)
    assert (info.reason, info.domain) == ("BOOKING_NOT_PENDING", "booking")
    assert dict(info.metadata) == {"booking_id": "b1", "state": "EXPIRED"}


def test_unmapped_exception_has_no_status() -> None:
    assert status_for_exception(RuntimeError("bug"), TABLE) is None


def test_split_method() -> None:
    assert split_method("/ticketing.booking.v1.BookingService/CreateBooking") == (
        "ticketing.booking.v1.BookingService",
        "CreateBooking",
    )


class SeatsGone(Exception):
    def __init__(self, seat_ids: list[str]) -> None:
        super().__init__("seats gone")
        self.seat_ids = seat_ids


def test_an_entry_with_info_writes_the_contracts_reason_and_metadata() -> None:
    table: ErrorTable = {
        SeatsGone: StatusWithInfo(
            grpc.StatusCode.ALREADY_EXISTS,
            lambda exc: ("SEATS_GONE", {"seat_ids": ",".join(exc.seat_ids)}),
        )
    }
    assert lookup_status(SeatsGone(["s1"]), table) is grpc.StatusCode.ALREADY_EXISTS
    status = status_for_exception(SeatsGone(["s1", "s2"]), table)
    assert status is not None
    ((_, value),) = status.trailing_metadata
    info = error_details_pb2.ErrorInfo()
    assert status_pb2.Status.FromString(value).details[0].Unpack(info)
    assert (info.reason, dict(info.metadata)) == ("SEATS_GONE", {"seat_ids": "s1,s2"})
