"""Many real connections racing for the same seats through the gRPC server."""

from __future__ import annotations

import asyncio
import random

import grpc
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.inventory.helpers import (
    OpenedShow,
    ShowFactory,
    new_id,
    reason_of,
    sales_of,
    seat_rows,
)
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub


async def reserve(
    stub: Stub, show: OpenedShow, seat_ids: list[str], booking_id: str
) -> grpc.StatusCode:
    try:
        await stub.ReserveSeats(
            inventory_pb2.ReserveSeatsRequest(
                booking_id=booking_id, user_id=new_id(), show_id=show.show_id, seat_ids=seat_ids
            ),
            timeout=60,
        )
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.ALREADY_EXISTS:
            reason, details = reason_of(error)
            assert reason == "SEATS_UNAVAILABLE"
            assert set(details["seat_ids"].split(",")) <= set(seat_ids)
        return error.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("callers", [50, 200])
async def test_one_seat_raced_by_many_users_is_reserved_exactly_once(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine, callers: int
) -> None:
    show = await shows.open(rows=1, per_row=3)
    seat = show.seat_ids[0]
    bookings = [new_id() for _ in range(callers)]

    codes = await asyncio.gather(*(reserve(inventory, show, [seat], b) for b in bookings))

    assert codes.count(grpc.StatusCode.OK) == 1
    assert codes.count(grpc.StatusCode.ALREADY_EXISTS) == callers - 1
    winner = bookings[codes.index(grpc.StatusCode.OK)]
    rows = await seat_rows(db, show.show_id)
    assert rows[seat] == ("RESERVED", winner)
    assert await sales_of(db, seat) == [winner]
    assert all(rows[other] == ("AVAILABLE", None) for other in show.seat_ids[1:])


async def test_overlapping_sets_in_opposite_orders_never_deadlock_or_split(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open(rows=1, per_row=6)
    s = show.seat_ids
    shapes = [s[0:4], s[3::-1], s[2:6], s[5:1:-1], [s[5], s[0]], [s[0], s[5], s[3]]]
    rng = random.Random(7)

    for _ in range(25):
        requests = [(new_id(), rng.sample(shape, len(shape))) for shape in shapes * 2]
        codes = await asyncio.gather(
            *(reserve(inventory, show, seats, booking) for booking, seats in requests)
        )
        assert set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.ALREADY_EXISTS}, codes
        assert grpc.StatusCode.OK in codes

        rows = await seat_rows(db, show.show_id)
        owners = {seat: booking for seat, (_, booking) in rows.items()}
        winners = [
            booking
            for (booking, _), code in zip(requests, codes, strict=True)
            if code == grpc.StatusCode.OK
        ]
        for (booking, seats), code in zip(requests, codes, strict=True):
            mine = {seat for seat, owner in owners.items() if owner == booking}
            assert mine == (set(seats) if code == grpc.StatusCode.OK else set()), booking
        for booking in winners:
            released = await inventory.ReleaseSeats(
                inventory_pb2.ReleaseSeatsRequest(booking_id=booking)
            )
            assert released.seats > 0
        assert {status for status, _ in (await seat_rows(db, show.show_id)).values()} == {
            "AVAILABLE"
        }
