"""BookingService over gRPC: decode the request, run one use case, encode the booking."""

from __future__ import annotations

from typing import Any

from booking.domain import commands
from booking.domain.values import Requester
from booking.entrypoints.proto_mapping import booking_to_proto
from booking.entrypoints.ticket_mapping import check_in_to_proto, ticket_to_proto
from booking.service_layer.check_ins import CheckIns
from booking.service_layer.services import Bookings
from svckit.identity import caller_from_context
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.common.v1 import common_pb2


def requester(context: Any) -> Requester:
    caller = caller_from_context(context)
    return Requester(user_id=caller.user_id, is_admin=caller.is_admin)


class BookingServicer(booking_pb2_grpc.BookingServiceServicer):
    def __init__(self, bookings: Bookings, check_ins: CheckIns) -> None:
        self._bookings = bookings
        self._check_ins = check_ins

    async def CreateBooking(
        self, request: booking_pb2.CreateBookingRequest, context: Any
    ) -> booking_pb2.Booking:
        cmd = commands.CreateBooking(
            request.user_id, request.show_id, list(request.seat_ids), request.request_key
        )
        return booking_to_proto(await self._bookings.create(cmd, requester(context)))

    async def GetBooking(
        self, request: booking_pb2.GetBookingRequest, context: Any
    ) -> booking_pb2.Booking:
        return booking_to_proto(await self._bookings.get(request.booking_id, requester(context)))

    async def ListUserBookings(
        self, request: booking_pb2.ListUserBookingsRequest, context: Any
    ) -> booking_pb2.ListUserBookingsResponse:
        cmd = commands.ListUserBookings(
            request.user_id, request.page.page_size, request.page.page_token
        )
        page, next_token = await self._bookings.list_for_user(cmd, requester(context))
        return booking_pb2.ListUserBookingsResponse(
            bookings=[booking_to_proto(booking) for booking in page.bookings],
            page=common_pb2.PageResponse(next_page_token=next_token, total_size=page.total_size),
        )

    async def CancelBooking(
        self, request: booking_pb2.CancelBookingRequest, context: Any
    ) -> booking_pb2.Booking:
        cmd = commands.CancelBooking(request.booking_id, request.reason)
        return booking_to_proto(await self._bookings.cancel(cmd, requester(context)))

    async def GetTickets(
        self, request: booking_pb2.GetTicketsRequest, context: Any
    ) -> booking_pb2.GetTicketsResponse:
        tickets = await self._check_ins.tickets(request.booking_id, requester(context))
        return booking_pb2.GetTicketsResponse(tickets=[ticket_to_proto(t) for t in tickets])

    async def CheckIn(
        self, request: booking_pb2.CheckInRequest, context: Any
    ) -> booking_pb2.CheckInResponse:
        caller = caller_from_context(context)
        result = await self._check_ins.check_in(request.code, requester(context), caller.roles)
        return check_in_to_proto(result)
