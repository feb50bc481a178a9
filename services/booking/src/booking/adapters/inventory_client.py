"""InventoryClient over gRPC: reserve the seats of a new booking, release them to compensate.

In an on-sale dozens of bookings of one show are reserved at once, and each ReserveSeats call
costs its own RPC on both sides. Reservations of a show that arrive while calls for it are in
flight wait (svckit.batching) and go in one ReserveSeatsBatch, which inventory applies as it
would each alone, in one transaction; a reservation that finds nothing in flight is sent at once
as ReserveSeats, so an idle system adds no latency. Each item's answer becomes exactly what its
own ReserveSeats call would have given: its reservation, or the same booking error. If the batch
call itself fails (inventory unavailable, the deadline passed, an inventory that does not know
the method yet), every reservation of it is sent again on its own; a reservation is idempotent
by booking id, so one the lost batch made is found, not made twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import grpc

from booking.adapters.upstream_errors import INVENTORY_ERRORS, inventory_item_error
from booking.domain.values import BookedSeat, Money
from booking.service_layer.ports import Reservation
from svckit.batching import Batcher
from svckit.identity import Caller, caller_metadata
from svckit.proto_values import from_money
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

MAX_BATCH_SIZE = 64  # inventory.proto's bound on ReserveSeatsBatch
IN_FLIGHT_PER_SHOW = 2
# An item inventory could not serve just then: a call of its own would be retried by the
# channel's policy (svckit.grpc_client), so it is sent again on its own.
_RESENT_ALONE = grpc.StatusCode.UNAVAILABLE.value[0]

ReserveRequest = inventory_pb2.ReserveSeatsRequest


def tier_name(tier: int) -> str:
    """`SEAT_TIER_VIP` → `VIP`."""
    return common_pb2.SeatTier.Name(tier).removeprefix("SEAT_TIER_")  # type: ignore[arg-type]


def reservation_of(reply: inventory_pb2.ReserveSeatsResponse) -> Reservation:
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


class GrpcInventoryClient:
    def __init__(
        self,
        channel: grpc.aio.Channel,
        *,
        deadline_seconds: float,
        batch_size: int = 1,
        on_batch: Callable[[int, str], None] | None = None,
    ) -> None:
        """``batch_size`` > 1 sends reservations of one show that arrive together in one call."""
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be 1 to {MAX_BATCH_SIZE}")
        self._stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        self._deadline = deadline_seconds
        self._batches = (
            Batcher[str, ReserveRequest](
                self._reserve_together,
                self._reserve_alone,
                max_size=batch_size,
                in_flight=IN_FLIGHT_PER_SHOW,
                on_batch=on_batch,
            )
            if batch_size > 1
            else None
        )

    async def reserve_seats(
        self, *, booking_id: str, user_id: str, show_id: str, seat_ids: Sequence[str]
    ) -> Reservation:
        request = ReserveRequest(
            booking_id=booking_id, user_id=user_id, show_id=show_id, seat_ids=list(seat_ids)
        )
        if self._batches is None:
            return await self._reserve_alone(request)
        reserved: Reservation = await self._batches.submit(show_id, request)
        return reserved

    async def _reserve_alone(self, request: ReserveRequest) -> Reservation:
        with INVENTORY_ERRORS.translated(request):
            reply = await self._stub.ReserveSeats(
                request,
                timeout=self._deadline,
                metadata=caller_metadata(Caller(user_id=request.user_id)),
            )
        return reservation_of(reply)

    async def _reserve_together(
        self, show_id: str, requests: list[ReserveRequest]
    ) -> list[Reservation | BaseException]:
        """Per request its reservation or its error; raises when the call itself failed."""
        reply = await self._stub.ReserveSeatsBatch(
            inventory_pb2.ReserveSeatsBatchRequest(reservations=requests),
            timeout=self._deadline,
            metadata=caller_metadata(Caller(user_id=None)),
        )
        answers: list[Reservation | BaseException] = []
        resend: list[int] = []
        for request, result in zip(requests, reply.results, strict=True):
            if result.HasField("reserved"):
                answers.append(reservation_of(result.reserved))
                continue
            if result.failed.code == _RESENT_ALONE:
                resend.append(len(answers))
            answers.append(inventory_item_error(result.failed, request))
        if resend:
            again = await asyncio.gather(
                *(self._reserve_alone(requests[index]) for index in resend),
                return_exceptions=True,
            )
            for index, answer in zip(resend, again, strict=True):
                answers[index] = answer
        return answers

    async def release_seats(self, booking_id: str) -> None:
        request = inventory_pb2.ReleaseSeatsRequest(booking_id=booking_id)
        with INVENTORY_ERRORS.translated(request):
            await self._stub.ReleaseSeats(
                request,
                timeout=self._deadline,
                metadata=caller_metadata(Caller(user_id=None)),
            )

    def queued(self, show_id: str) -> int:
        """Reservations of the show waiting for the next batch."""
        return self._batches.queued(show_id) if self._batches is not None else 0

    async def close(self) -> None:
        """Answer the reservations still in a batch."""
        if self._batches is not None:
            await self._batches.close()
