"""Booking's GetBooking over gRPC, on behalf of the caller (their identity is forwarded)."""

from __future__ import annotations

import grpc

from payment.domain.errors import (
    BookingNotFound,
    DependencyTimeout,
    DependencyUnavailable,
    InvalidRequest,
    NotAuthenticated,
    NotOwner,
)
from payment.domain.values import BookingStatus, BookingView, Money, Requester
from svckit.errors import FailedCall, UpstreamErrors
from svckit.grpc_client import DEFAULT_DEADLINE_S
from svckit.identity import Caller, caller_metadata
from svckit.proto_values import from_timestamp
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc

_STATUSES = {
    booking_pb2.BOOKING_STATUS_PENDING: BookingStatus.PENDING,
    booking_pb2.BOOKING_STATUS_CONFIRMED: BookingStatus.CONFIRMED,
    booking_pb2.BOOKING_STATUS_CANCELLED: BookingStatus.CANCELLED,
    booking_pb2.BOOKING_STATUS_EXPIRED: BookingStatus.EXPIRED,
    booking_pb2.BOOKING_STATUS_REFUNDED: BookingStatus.REFUNDED,
}


def _booking_id(call: FailedCall) -> str:
    booking_id: str = call.request.booking_id
    return booking_id


BOOKING_ERRORS = UpstreamErrors(
    "booking",
    {
        grpc.StatusCode.NOT_FOUND: lambda call: BookingNotFound(_booking_id(call)),
        grpc.StatusCode.PERMISSION_DENIED: lambda call: NotOwner(
            call.message or f"booking {_booking_id(call)} belongs to another user"
        ),
        grpc.StatusCode.UNAUTHENTICATED: lambda call: NotAuthenticated(
            call.message or "the call carries no caller identity"
        ),
        grpc.StatusCode.INVALID_ARGUMENT: lambda call: InvalidRequest(
            "booking_id", call.message or f"invalid booking id {_booking_id(call)!r}"
        ),
        grpc.StatusCode.DEADLINE_EXCEEDED: lambda call: DependencyTimeout(
            "the booking service did not answer in time"
        ),
        grpc.StatusCode.UNAVAILABLE: lambda call: DependencyUnavailable(
            "the booking service is unavailable"
        ),
    },
    otherwise=lambda call: RuntimeError(
        f"booking GetBooking failed: {call.code.name} {call.message}"
    ),
)


class GrpcBookingDirectory:
    def __init__(self, channel: grpc.aio.Channel, *, deadline: float = DEFAULT_DEADLINE_S) -> None:
        self._stub = booking_pb2_grpc.BookingServiceStub(channel)
        self._deadline = deadline

    async def get_booking(self, booking_id: str, requester: Requester) -> BookingView:
        metadata = caller_metadata(Caller(user_id=requester.user_id, roles=requester.roles))
        request = booking_pb2.GetBookingRequest(booking_id=booking_id)
        with BOOKING_ERRORS.translated(request):
            booking = await self._stub.GetBooking(
                request, metadata=metadata, timeout=self._deadline
            )
        status = _STATUSES.get(booking.status)
        if status is None:
            raise DependencyUnavailable(f"booking {booking_id} has an unknown status")
        return BookingView(
            booking_id=booking.id,
            user_id=booking.user_id,
            status=status,
            total=Money(booking.total.amount_minor, booking.total.currency or "INR"),
            expires_at=from_timestamp(booking.expires_at),
            show_starts_at=from_timestamp(booking.show.start_time),
        )
