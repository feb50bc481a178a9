"""InventoryService over gRPC: decode → one use case → encode; errors map via ERROR_TABLE."""

from __future__ import annotations

import asyncio
from typing import Any

from inventory.domain.errors import InvalidRequest
from inventory.entrypoints import proto_mapping as mapping
from inventory.entrypoints.errors import failed_item
from inventory.service_layer.housekeeping import StaleReservations
from inventory.service_layer.services import SeatService
from svckit.proto_values import to_timestamp
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

Context = Any

MAX_RESERVATIONS_PER_BATCH = 64  # inventory.proto's bound on ReserveSeatsBatch
MAX_HOLDS_PER_BATCH = 64  # inventory.proto's bound on HoldSeatsBatch


class InventoryServicer(inventory_pb2_grpc.InventoryServiceServicer):
    def __init__(self, seats: SeatService, *, stale_reservations: StaleReservations) -> None:
        self._seats = seats
        self._stale_reservations = stale_reservations

    async def OpenShow(
        self, request: inventory_pb2.OpenShowRequest, context: Context
    ) -> inventory_pb2.OpenShowResponse:
        opened = await self._seats.open_show(
            show_id=request.show_id,
            screen_id=request.screen_id,
            currency=request.currency,
            start_time=mapping.required_time(request, "start_time"),
            seats=mapping.seat_specs(request),
            guarded=request.guarded,
        )
        return inventory_pb2.OpenShowResponse(
            show_id=opened.show_id, seat_count=opened.seat_count, created=opened.created
        )

    async def GetSeatMap(
        self, request: inventory_pb2.GetSeatMapRequest, context: Context
    ) -> inventory_pb2.SeatMap:
        seat_map = await self._seats.seat_map(request.show_id, request.viewer_user_id or None)
        return mapping.seat_map(seat_map)

    async def ListAvailableSeats(
        self, request: inventory_pb2.ListAvailableSeatsRequest, context: Context
    ) -> inventory_pb2.ListAvailableSeatsResponse:
        return mapping.available_seats(await self._seats.available_seats(request.show_id))

    async def HoldSeats(
        self, request: inventory_pb2.HoldSeatsRequest, context: Context
    ) -> inventory_pb2.HoldSeatsResponse:
        holds = await self._seats.hold_seats(
            show_id=request.show_id, user_id=request.user_id, seat_ids=list(request.seat_ids)
        )
        return mapping.holds(holds)

    async def HoldSeatsBatch(
        self, request: inventory_pb2.HoldSeatsBatchRequest, context: Context
    ) -> inventory_pb2.HoldSeatsBatchResponse:
        """Every item through ``hold_seats`` at once: the items of one show all queue before the
        first of them runs, so the service's batcher applies them in one transaction."""
        if len(request.holds) > MAX_HOLDS_PER_BATCH:
            raise InvalidRequest("holds", f"at most {MAX_HOLDS_PER_BATCH} holds in one batch")
        results = await asyncio.gather(*map(self._hold_item, request.holds))
        return inventory_pb2.HoldSeatsBatchResponse(results=results)

    async def _hold_item(
        self, request: inventory_pb2.HoldSeatsRequest
    ) -> inventory_pb2.HoldSeatsResult:
        try:
            reply = await self.HoldSeats(request, None)
        except Exception as exc:
            return inventory_pb2.HoldSeatsResult(failed=failed_item(exc))
        return inventory_pb2.HoldSeatsResult(held=reply)

    async def HoldBestSeats(
        self, request: inventory_pb2.HoldBestSeatsRequest, context: Context
    ) -> inventory_pb2.HoldBestSeatsResponse:
        held = await self._seats.hold_best_seats(
            show_id=request.show_id,
            user_id=request.user_id,
            count=request.count,
            tier=mapping.tier(request.tier),
        )
        return mapping.best_hold(held)

    async def SetShowRules(
        self, request: inventory_pb2.SetShowRulesRequest, context: Context
    ) -> inventory_pb2.ShowRules:
        show = await self._seats.set_show_rules(
            show_id=request.show_id, no_orphan_seats=request.no_orphan_seats
        )
        return inventory_pb2.ShowRules(show_id=show.show_id, no_orphan_seats=show.no_orphan_seats)

    async def ReleaseHolds(
        self, request: inventory_pb2.ReleaseHoldsRequest, context: Context
    ) -> inventory_pb2.ReleaseHoldsResponse:
        released = await self._seats.release_holds(
            user_id=request.user_id, show_id=request.show_id or None
        )
        return inventory_pb2.ReleaseHoldsResponse(released=released)

    async def ReserveSeats(
        self, request: inventory_pb2.ReserveSeatsRequest, context: Context
    ) -> inventory_pb2.ReserveSeatsResponse:
        reservation = await self._seats.reserve_seats(
            booking_id=request.booking_id,
            user_id=request.user_id,
            show_id=request.show_id,
            seat_ids=list(request.seat_ids),
        )
        return mapping.reservation(reservation)

    async def ReserveSeatsBatch(
        self, request: inventory_pb2.ReserveSeatsBatchRequest, context: Context
    ) -> inventory_pb2.ReserveSeatsBatchResponse:
        """Every item through ``reserve_seats`` at once: the items of one show all queue before
        the first of them runs, so the service's batcher applies them in one transaction."""
        if len(request.reservations) > MAX_RESERVATIONS_PER_BATCH:
            raise InvalidRequest(
                "reservations",
                f"at most {MAX_RESERVATIONS_PER_BATCH} reservations in one batch",
            )
        results = await asyncio.gather(*map(self._reserve_item, request.reservations))
        return inventory_pb2.ReserveSeatsBatchResponse(results=results)

    async def _reserve_item(
        self, request: inventory_pb2.ReserveSeatsRequest
    ) -> inventory_pb2.ReserveSeatsResult:
        try:
            reply = await self.ReserveSeats(request, None)
        except Exception as exc:
            return inventory_pb2.ReserveSeatsResult(failed=failed_item(exc))
        return inventory_pb2.ReserveSeatsResult(reserved=reply)

    async def ConfirmSeats(
        self, request: inventory_pb2.ConfirmSeatsRequest, context: Context
    ) -> inventory_pb2.ConfirmSeatsResponse:
        seats = await self._seats.confirm_seats(request.booking_id)
        return inventory_pb2.ConfirmSeatsResponse(seats=seats)

    async def ReleaseSeats(
        self, request: inventory_pb2.ReleaseSeatsRequest, context: Context
    ) -> inventory_pb2.ReleaseSeatsResponse:
        seats = await self._seats.release_seats(request.booking_id)
        return inventory_pb2.ReleaseSeatsResponse(seats=seats)

    async def ListStaleReservations(
        self, request: inventory_pb2.ListStaleReservationsRequest, context: Context
    ) -> inventory_pb2.ListStaleReservationsResponse:
        page = await self._stale_reservations.list(
            reserved_before=mapping.required_time(request, "reserved_before"),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return inventory_pb2.ListStaleReservationsResponse(
            reservations=[
                inventory_pb2.StaleReservation(
                    booking_id=stale.booking_id,
                    show_id=stale.show_id,
                    seats=stale.seats,
                    reserved_at=to_timestamp(stale.reserved_at),
                )
                for stale in page.reservations
            ],
            next_page_token=page.next_page_token,
        )
