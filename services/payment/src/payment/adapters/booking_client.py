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

BOOKING_STATUS_TO_PROTO = {status: code for code, status in _STATUSES.items()}


class GrpcBookingDirectory:
    def __init__(self, channel: grpc.aio.Channel, *, deadline: float = DEFAULT_DEADLINE_S) -> None:
        self._stub = booking_pb2_grpc.BookingServiceStub(channel)
        self._deadline = deadline

    async def get_booking(self, booking_id: str, requester: Requester) -> BookingView:
        metadata = caller_metadata(Caller(user_id=requester.user_id, roles=requester.roles))
        try:
            booking = await self._stub.GetBooking(
                booking_pb2.GetBookingRequest(booking_id=booking_id),
                metadata=metadata,
                timeout=self._deadline,
            )
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc, booking_id) from exc
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


def _translate(exc: grpc.aio.AioRpcError, booking_id: str) -> Exception:
    code: grpc.StatusCode = exc.code()
    details: str = exc.details() or ""
    if code is grpc.StatusCode.NOT_FOUND:
        return BookingNotFound(booking_id)
    if code is grpc.StatusCode.PERMISSION_DENIED:
        return NotOwner(details or f"booking {booking_id} belongs to another user")
    if code is grpc.StatusCode.UNAUTHENTICATED:
        return NotAuthenticated(details or "the call carries no caller identity")
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidRequest("booking_id", details or f"invalid booking id {booking_id!r}")
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        return DependencyTimeout("the booking service did not answer in time")
    if code is grpc.StatusCode.UNAVAILABLE:
        return DependencyUnavailable("the booking service is unavailable")
    return RuntimeError(f"booking GetBooking failed: {code.name} {details}")
