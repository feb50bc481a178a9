"""A small BookingService fake (real gRPC server on port 0) that the payment tests control.

Payment only calls GetBooking; the fake enforces ownership from the forwarded caller metadata the
way the real service does, so payment's forwarding is exercised too.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc

from svckit.identity import caller_from_context
from svckit.proto_values import to_timestamp
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.common.v1 import common_pb2

PENDING = booking_pb2.BOOKING_STATUS_PENDING
CONFIRMED = booking_pb2.BOOKING_STATUS_CONFIRMED
REFUNDED = booking_pb2.BOOKING_STATUS_REFUNDED


class FakeBookings(booking_pb2_grpc.BookingServiceServicer):
    def __init__(self) -> None:
        self.bookings: dict[str, booking_pb2.Booking] = {}
        self.get_calls: list[tuple[str, str | None]] = []

    def add(
        self,
        *,
        user_id: str | None = None,
        total_minor: int = 45_000,
        status: int = PENDING,
        expires_in: timedelta = timedelta(minutes=15),
        show_starts_in: timedelta = timedelta(days=3),
    ) -> booking_pb2.Booking:
        now = datetime.now(UTC)
        booking = booking_pb2.Booking(
            id=str(uuid.uuid4()),
            user_id=user_id or str(uuid.uuid4()),
            show_id=str(uuid.uuid4()),
            status=status,  # type: ignore[arg-type]
            total=common_pb2.Money(amount_minor=total_minor, currency="INR"),
            show=booking_pb2.ShowSnapshot(
                show_id=str(uuid.uuid4()),
                movie_title="Payment Tests: The Movie",
                start_time=to_timestamp(now + show_starts_in),
            ),
            expires_at=to_timestamp(now + expires_in),
            created_at=to_timestamp(now),
        )
        self.bookings[booking.id] = booking
        return booking

    def set_status(self, booking_id: str, status: int) -> None:
        self.bookings[booking_id].status = status  # type: ignore[assignment]

    async def GetBooking(
        self, request: booking_pb2.GetBookingRequest, context: Any
    ) -> booking_pb2.Booking:
        caller = caller_from_context(context)
        self.get_calls.append((request.booking_id, caller.user_id))
        booking = self.bookings.get(request.booking_id)
        if booking is None:
            await context.abort(
                grpc.StatusCode.NOT_FOUND, f"booking {request.booking_id} not found"
            )
        if caller.user_id is None:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "no caller identity")
        if not caller.is_admin and caller.user_id != booking.user_id:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "booking of another user")
        return booking


async def start_fake_bookings() -> tuple[grpc.aio.Server, int, FakeBookings]:
    fake = FakeBookings()
    server = grpc.aio.server()
    booking_pb2_grpc.add_BookingServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port, fake
