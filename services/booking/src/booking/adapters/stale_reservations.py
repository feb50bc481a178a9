"""Inventory's ListStaleReservations over gRPC, for the sweep of unstored reservations."""

from __future__ import annotations

from datetime import datetime

import grpc

from booking.adapters.upstream_errors import INVENTORY_ERRORS
from booking.service_layer.unstored_reservations import StaleReservation, StaleReservationPage
from svckit.identity import Caller, caller_metadata
from svckit.proto_values import from_timestamp, to_timestamp
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc


class GrpcStaleReservations:
    def __init__(self, channel: grpc.aio.Channel, *, deadline_seconds: float) -> None:
        self._stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        self._deadline = deadline_seconds

    async def list_stale(
        self, *, reserved_before: datetime, page_size: int, page_token: str
    ) -> StaleReservationPage:
        request = inventory_pb2.ListStaleReservationsRequest(
            reserved_before=to_timestamp(reserved_before),
            page_size=page_size,
            page_token=page_token,
        )
        with INVENTORY_ERRORS.translated(request):
            reply = await self._stub.ListStaleReservations(
                request, timeout=self._deadline, metadata=caller_metadata(Caller(user_id=None))
            )
        return StaleReservationPage(
            [
                StaleReservation(
                    booking_id=stale.booking_id,
                    show_id=stale.show_id,
                    seats=stale.seats,
                    reserved_at=from_timestamp(stale.reserved_at),
                )
                for stale in reply.reservations
            ],
            reply.next_page_token,
        )
