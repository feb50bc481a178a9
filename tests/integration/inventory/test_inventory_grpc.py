"""InventoryService status codes and idempotency, over a real in-process server."""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.inventory.helpers import (
    ShowFactory,
    new_id,
    open_show_request,
    reason_of,
    seat_rows,
)
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub


async def code_of(call: object) -> grpc.StatusCode:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_open_show_is_idempotent_by_show_id(inventory: Stub, db: AsyncEngine) -> None:
    show_id = new_id()
    request = open_show_request(show_id, rows=3, per_row=4)

    first = await inventory.OpenShow(request)
    second = await inventory.OpenShow(request)

    assert (first.created, first.seat_count) == (True, 12)
    assert (second.created, second.seat_count) == (False, 12)
    assert len(await seat_rows(db, show_id)) == 12


async def test_open_show_rejects_bad_layouts(inventory: Stub) -> None:
    empty = open_show_request(new_id())
    del empty.seats[:]
    duplicate = open_show_request(new_id())
    duplicate.seats.append(duplicate.seats[0])
    negative = open_show_request(new_id())
    negative.seats[0].price_minor = -1
    no_tier = open_show_request(new_id())
    no_tier.seats[0].tier = common_pb2.SEAT_TIER_UNSPECIFIED
    bad_id = open_show_request("show-1")
    no_start = open_show_request(new_id())
    no_start.ClearField("start_time")

    for request in (empty, duplicate, negative, no_tier, bad_id, no_start):
        assert await code_of(inventory.OpenShow(request)) == grpc.StatusCode.INVALID_ARGUMENT


async def test_unknown_shows_are_not_found(inventory: Stub) -> None:
    missing = new_id()
    assert (
        await code_of(inventory.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=missing)))
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        await code_of(
            inventory.ListAvailableSeats(inventory_pb2.ListAvailableSeatsRequest(show_id=missing))
        )
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        await code_of(inventory.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id="nope")))
        == grpc.StatusCode.INVALID_ARGUMENT
    )


async def test_reserve_is_idempotent_per_booking(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open()
    user, booking = new_id(), new_id()
    request = inventory_pb2.ReserveSeatsRequest(
        booking_id=booking,
        user_id=user,
        show_id=show.show_id,
        seat_ids=[show.seat("B2"), show.seat("A1")],
    )

    first = await inventory.ReserveSeats(request)
    retry = await inventory.ReserveSeats(request)

    assert first == retry
    assert [(s.row_label, s.number, s.price_minor) for s in first.seats] == [
        ("B", 2, 35000),
        ("A", 1, 20000),
    ]
    assert (first.total.amount_minor, first.total.currency) == (55000, "INR")
    rows = await seat_rows(db, show.show_id)
    assert sorted(seat for seat, (_, owner) in rows.items() if owner == booking) == sorted(
        request.seat_ids
    )


async def test_reserving_turns_the_users_holds_into_the_booking(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open()
    user = new_id()
    await inventory.HoldSeats(
        inventory_pb2.HoldSeatsRequest(
            show_id=show.show_id, user_id=user, seat_ids=[show.seat("A1"), show.seat("A2")]
        )
    )

    await inventory.ReserveSeats(
        inventory_pb2.ReserveSeatsRequest(
            booking_id=new_id(), user_id=user, show_id=show.show_id, seat_ids=[show.seat("A1")]
        )
    )

    rows = await seat_rows(db, show.show_id)
    assert rows[show.seat("A1")][0] == "RESERVED"
    assert rows[show.seat("A2")] == ("AVAILABLE", None)


async def test_reserve_rejects_bad_requests(inventory: Stub, shows: ShowFactory) -> None:
    show = await shows.open(rows=2, per_row=6)

    def request(**changes: object) -> inventory_pb2.ReserveSeatsRequest:
        fields: dict[str, object] = {
            "booking_id": new_id(),
            "user_id": new_id(),
            "show_id": show.show_id,
            "seat_ids": [show.seat("A1")],
        }
        fields.update(changes)
        return inventory_pb2.ReserveSeatsRequest(**fields)  # type: ignore[arg-type]

    invalid = grpc.StatusCode.INVALID_ARGUMENT
    cases = [
        (request(seat_ids=[]), invalid),
        (request(seat_ids=show.seat_ids[:11]), invalid),
        (request(seat_ids=[show.seat("A1"), show.seat("A1")]), invalid),
        (request(booking_id=""), invalid),
        (request(user_id="alice"), invalid),
        (request(seat_ids=[new_id()]), grpc.StatusCode.NOT_FOUND),
        (request(show_id=new_id()), invalid),
    ]
    for message, expected in cases:
        assert await code_of(inventory.ReserveSeats(message)) == expected, message


async def test_confirm_and_release_are_idempotent(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open()
    booking = new_id()
    await inventory.ReserveSeats(
        inventory_pb2.ReserveSeatsRequest(
            booking_id=booking,
            user_id=new_id(),
            show_id=show.show_id,
            seat_ids=[show.seat("A3"), show.seat("A4")],
        )
    )

    confirmed = [
        (await inventory.ConfirmSeats(inventory_pb2.ConfirmSeatsRequest(booking_id=booking))).seats
        for _ in range(2)
    ]
    assert confirmed == [2, 2]
    assert (await seat_rows(db, show.show_id))[show.seat("A3")] == ("SOLD", booking)

    released = [
        (await inventory.ReleaseSeats(inventory_pb2.ReleaseSeatsRequest(booking_id=booking))).seats
        for _ in range(2)
    ]
    assert released == [2, 0]
    assert (await seat_rows(db, show.show_id))[show.seat("A3")] == ("AVAILABLE", None)


async def test_conflicts_name_the_seats(inventory: Stub, shows: ShowFactory) -> None:
    show = await shows.open()
    taken = [show.seat("A1"), show.seat("B3")]
    await inventory.ReserveSeats(
        inventory_pb2.ReserveSeatsRequest(
            booking_id=new_id(), user_id=new_id(), show_id=show.show_id, seat_ids=taken
        )
    )

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await inventory.HoldSeats(
            inventory_pb2.HoldSeatsRequest(
                show_id=show.show_id, user_id=new_id(), seat_ids=[*taken, show.seat("A2")]
            )
        )

    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert refused.value.details() == "seats A1, B3 are already booked"
    reason, details = reason_of(refused.value)
    assert reason == "SEATS_UNAVAILABLE"
    assert details["seats"] == "A1,B3"
    assert details["seat_ids"].split(",") == taken
