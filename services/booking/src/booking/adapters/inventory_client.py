"""InventoryClient over gRPC: reserve the seats of a new booking, release them to compensate."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from booking.adapters.upstream_errors import INVENTORY_ERRORS
from booking.domain.values import BookedSeat, Money
from booking.service_layer.ports import Reservation
from svckit.identity import Caller, caller_metadata
from svckit.proto_values import from_money
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc


def tier_name(tier: int) -> str:
    """`SEAT_TIER_VIP` → `VIP`."""
    return common_pb2.SeatTier.Name(tier).removeprefix("SEAT_TIER_")  # type: ignore[arg-type]


class GrpcInventoryClient:
    def __init__(self, channel: grpc.aio.Channel, *, deadline_seconds: float) -> None:
        self._stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        self._deadline = deadline_seconds

    async def reserve_seats(
        self, *, booking_id: str, user_id: str, show_id: str, seat_ids: Sequence[str]
    ) -> Reservation:
        request = inventory_pb2.ReserveSeatsRequest(
            booking_id=booking_id, user_id=user_id, show_id=show_id, seat_ids=list(seat_ids)
        )
        with INVENTORY_ERRORS.translated(request):
            reply = await self._stub.ReserveSeats(
                request,
                timeout=self._deadline,
                metadata=caller_metadata(Caller(user_id=user_id)),
            )
        seats = [
            BookedSeat(
                seat_id=seat.seat_id,
                row_label=seat.row_label,
                number=seat.number,
                tier=tier_name(seat.tier),
                price_minor=seat.price_minor,
            )
            for seat in reply.seats
        ]
        return Reservation(seats, from_money(reply.total, Money))

    async def release_seats(self, booking_id: str) -> None:
        request = inventory_pb2.ReleaseSeatsRequest(booking_id=booking_id)
        with INVENTORY_ERRORS.translated(request):
            await self._stub.ReleaseSeats(
                request,
                timeout=self._deadline,
                metadata=caller_metadata(Caller(user_id=None)),
            )
