"""Opening shows and reading seat rows for the inventory tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.errors import error_info_from_rpc_error
from svckit.proto_values import to_timestamp
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

TIERS = (common_pb2.SEAT_TIER_REGULAR, common_pb2.SEAT_TIER_PREMIUM, common_pb2.SEAT_TIER_VIP)
PRICES = {
    common_pb2.SEAT_TIER_REGULAR: 20000,
    common_pb2.SEAT_TIER_PREMIUM: 35000,
    common_pb2.SEAT_TIER_VIP: 50000,
}


def new_id() -> str:
    return str(uuid.uuid4())


def open_show_request(
    show_id: str, *, rows: int = 2, per_row: int = 5, starts_in: timedelta = timedelta(days=2)
) -> inventory_pb2.OpenShowRequest:
    seats = [
        inventory_pb2.OpenShowSeat(
            row_label=chr(ord("A") + row),
            number=number,
            tier=TIERS[min(row, len(TIERS) - 1)],
            price_minor=PRICES[TIERS[min(row, len(TIERS) - 1)]],
        )
        for row in range(rows)
        for number in range(1, per_row + 1)
    ]
    return inventory_pb2.OpenShowRequest(
        show_id=show_id,
        screen_id=new_id(),
        currency="INR",
        start_time=to_timestamp(datetime.now(UTC) + starts_in),
        seats=seats,
    )


@dataclass
class OpenedShow:
    show_id: str
    seat_ids: list[str]
    labels: dict[str, str]

    def seat(self, label: str) -> str:
        return next(seat_id for seat_id, name in self.labels.items() if name == label)


class ShowFactory:
    def __init__(self, stub: inventory_pb2_grpc.InventoryServiceStub) -> None:
        self._stub = stub

    async def open(self, **kwargs: object) -> OpenedShow:
        show_id = new_id()
        await self._stub.OpenShow(open_show_request(show_id, **kwargs))  # type: ignore[arg-type]
        seat_map = await self._stub.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=show_id))
        return OpenedShow(
            show_id,
            [seat.id for seat in seat_map.seats],
            {seat.id: f"{seat.row_label}{seat.number}" for seat in seat_map.seats},
        )


async def seat_rows(db: AsyncEngine, show_id: str) -> dict[str, tuple[str, str | None]]:
    """seat id → (status, booking id) as stored."""
    async with db.connect() as conn:
        rows = await conn.execute(
            text("SELECT id, status, booking_id FROM inventory.show_seats WHERE show_id = :s"),
            {"s": show_id},
        )
        return {
            str(row.id): (row.status, None if row.booking_id is None else str(row.booking_id))
            for row in rows
        }


async def sales_of(db: AsyncEngine, seat_id: str) -> list[str]:
    """Booking ids with an active sale of the seat (the ledger behind the second guard)."""
    async with db.connect() as conn:
        rows = await conn.execute(
            text("SELECT booking_id FROM inventory.seat_sales WHERE show_seat_id = :s"),
            {"s": seat_id},
        )
        return [str(row.booking_id) for row in rows]


def reason_of(error: grpc.aio.AioRpcError) -> tuple[str, dict[str, str]]:
    info = error_info_from_rpc_error(error)
    assert info is not None, f"no ErrorInfo on {error.code()}: {error.details()}"
    return info.reason, dict(info.metadata)
