"""Opening a show's seats in inventory over gRPC, retried while inventory is briefly away.

OpenShow is idempotent by show id, so a retry after a lost answer cannot open the seats twice.
Only UNAVAILABLE (not reachable) and DEADLINE_EXCEEDED (too slow) are retried; every failure
that remains becomes InventoryUnavailable and the show simply stays unbookable until the
periodic opener succeeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from catalog.domain.model import PricedSeat, Show, Tier
from catalog.service_layer.ports import InventoryUnavailable
from svckit.errors import UpstreamErrors
from svckit.proto_values import to_timestamp
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

TRANSIENT = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
TIER_TO_PROTO = {
    Tier.REGULAR: common_pb2.SEAT_TIER_REGULAR,
    Tier.PREMIUM: common_pb2.SEAT_TIER_PREMIUM,
    Tier.VIP: common_pb2.SEAT_TIER_VIP,
}

# Whatever still fails after the retries leaves the show unbookable until the opener's next try.
INVENTORY_ERRORS = UpstreamErrors(
    "inventory",
    {},
    otherwise=lambda call: InventoryUnavailable(
        f"inventory.OpenShow failed: {call.code.name} {call.message}"
    ),
)


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, grpc.aio.AioRpcError) and exc.code() in TRANSIENT


class GrpcInventoryGateway:
    def __init__(
        self,
        channel: grpc.aio.Channel,
        *,
        deadline_seconds: float,
        attempts: int,
        backoff_seconds: float = 0.2,
    ) -> None:
        self._stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        self._deadline = deadline_seconds
        self._attempts = attempts
        self._backoff = backoff_seconds

    async def open_show(self, show: Show, seats: Sequence[PricedSeat]) -> None:
        request = inventory_pb2.OpenShowRequest(
            show_id=show.id,
            screen_id=show.screen_id,
            currency=show.currency,
            start_time=to_timestamp(show.start_time),
            seats=[
                inventory_pb2.OpenShowSeat(
                    row_label=seat.row_label,
                    number=seat.number,
                    tier=TIER_TO_PROTO[seat.tier],
                    price_minor=seat.price_minor,
                )
                for seat in seats
            ],
            # Inventory asks the waiting room for a pass only on a show it knows is guarded.
            guarded=show.waiting_room is not None,
        )
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._backoff, max=2.0),
            retry=retry_if_exception(_transient),
            reraise=True,
        )
        with INVENTORY_ERRORS.translated(request):
            async for attempt in retrying:
                with attempt:
                    await self._stub.OpenShow(request, timeout=self._deadline)
