"""BookingService over gRPC: decode the request, run one use case, encode the booking."""

from __future__ import annotations

import asyncio
from typing import Any

from booking.domain import commands
from booking.domain.errors import InvalidRequest
from booking.domain.values import Requester
from booking.entrypoints.errors import failed_item
from booking.entrypoints.proto_mapping import booking_to_proto
from booking.entrypoints.ticket_mapping import check_in_to_proto, ticket_to_proto
from booking.service_layer.check_ins import CheckIns
from booking.service_layer.services import Bookings
from svckit.identity import Caller, caller_from_context
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.common.v1 import common_pb2

MAX_BOOKINGS_PER_BATCH = 64  # booking.proto's bound on CreateBookingBatch


def requester(context: Any) -> Requester:
    return requester_of(caller_from_context(context))


def requester_of(caller: Caller) -> Requester:
    return Requester(user_id=caller.user_id, is_admin=caller.is_admin)


def item_caller(item: booking_pb2.CreateBookingBatchItem) -> Caller:
    """The caller a batch item names, read as svckit.identity reads a call's metadata."""
    roles = frozenset(role.strip() for role in item.caller_roles if role.strip())
    return Caller(user_id=item.caller_user_id.strip() or None, roles=roles)


class BookingServicer(booking_pb2_grpc.BookingServiceServicer):
    def __init__(self, bookings: Bookings, check_ins: CheckIns) -> None:
        self._bookings = bookings
        self._check_ins = check_ins

    async def CreateBooking(
        self, request: booking_pb2.CreateBookingRequest, context: Any
    ) -> booking_pb2.Booking:
        return await self._create(request, requester(context))

    async def CreateBookingBatch(
        self, request: booking_pb2.CreateBookingBatchRequest, context: Any
    ) -> booking_pb2.CreateBookingBatchResponse:
        """Every item through the code CreateBooking runs, at once and each for the caller it
        names: the items all queue before the first of them runs, so the service's batchers
        reserve their seats and store them together."""
        if len(request.bookings) > MAX_BOOKINGS_PER_BATCH:
            raise InvalidRequest(
                "bookings", f"at most {MAX_BOOKINGS_PER_BATCH} bookings in one batch"
            )
        results = await asyncio.gather(*map(self._create_item, request.bookings))
        return booking_pb2.CreateBookingBatchResponse(results=results)

    async def _create_item(
        self, item: booking_pb2.CreateBookingBatchItem
    ) -> booking_pb2.CreateBookingResult:
        try:
            created = await self._create(item.booking, requester_of(item_caller(item)))
        except Exception as exc:
            return booking_pb2.CreateBookingResult(failed=failed_item(exc))
        return booking_pb2.CreateBookingResult(created=created)

    async def _create(
        self, request: booking_pb2.CreateBookingRequest, who: Requester
    ) -> booking_pb2.Booking:
        cmd = commands.CreateBooking(
            request.user_id, request.show_id, list(request.seat_ids), request.request_key
        )
        return booking_to_proto(await self._bookings.create(cmd, who))

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
