"""CreateBooking with a request key (the client's Idempotency-Key, passed on by the gateway): a
resend finishes what the first attempt started and answers with the same booking."""

from __future__ import annotations

import uuid

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.service_layer.services import keyed_booking_id
from tests.integration.booking.upstreams import Upstreams
from tests.support.callers import as_user
from tests.support.wait import eventually
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = booking_pb2_grpc.BookingServiceStub


async def create(
    client: Stub, user: str, show_id: str, seat_ids: list[str], key: str
) -> booking_pb2.Booking:
    request = booking_pb2.CreateBookingRequest(
        user_id=user, show_id=show_id, seat_ids=seat_ids, request_key=key
    )
    return await client.CreateBooking(request, metadata=as_user(user))


async def stored(engine: AsyncEngine, user: str) -> tuple[list[str], int, int]:
    """The user's booking ids, their seat lines and their history entries."""
    async with engine.connect() as conn:
        ids = [
            str(row[0])
            for row in await conn.execute(
                text("SELECT id FROM booking.bookings WHERE user_id = :user"), {"user": user}
            )
        ]
        seats = await conn.scalar(
            text(
                "SELECT count(*) FROM booking.booking_seats s JOIN booking.bookings b"
                " ON b.id = s.booking_id WHERE b.user_id = :user"
            ),
            {"user": user},
        )
        history = await conn.scalar(
            text(
                "SELECT count(*) FROM booking.booking_history h JOIN booking.bookings b"
                " ON b.id = h.booking_id WHERE b.user_id = :user"
            ),
            {"user": user},
        )
    return ids, int(seats or 0), int(history or 0)


async def reserved_for(engine: AsyncEngine, seat_ids: list[str]) -> set[tuple[str, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT status, booking_id::text FROM inventory.show_seats"
                " WHERE id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": seat_ids},
        )
        return {(row[0], row[1]) for row in rows}


async def test_the_same_key_twice_answers_with_the_one_booking_it_stored(
    client: Stub, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    user, key = str(uuid.uuid4()), str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=3)

    first = await create(client, user, show_id, seats[:2], key)
    # At once, on the same replica: its hot-seat memory knows the seats booked, for this booking.
    again = await create(client, user, show_id, seats[:2], key)

    assert again == first
    ids, seat_lines, history = await stored(booking_engine, user)
    assert (ids, seat_lines, history) == ([first.id], 2, 1)
    assert await reserved_for(booking_engine, seats[:2]) == {("RESERVED", first.id)}
    assert await upstreams.seat_status(seats[2]) == "AVAILABLE"


async def test_a_resend_after_the_seats_were_reserved_but_the_booking_not_stored_books_them(
    client: Stub, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    """As a booking replica killed between inventory's reservation and its insert leaves it."""
    user, key = str(uuid.uuid4()), str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=2)
    booking_id = keyed_booking_id(
        caller_id=user, user_id=user, show_id=show_id, seat_ids=seats, request_key=key
    )
    async with grpc.aio.insecure_channel(upstreams.inventory_addr) as channel:
        await inventory_pb2_grpc.InventoryServiceStub(channel).ReserveSeats(
            inventory_pb2.ReserveSeatsRequest(
                booking_id=booking_id, user_id=user, show_id=show_id, seat_ids=seats
            )
        )
    assert await stored(booking_engine, user) == ([], 0, 0)

    booking = await create(client, user, show_id, list(reversed(seats)), key)

    assert booking.id == booking_id
    assert booking.status == booking_pb2.BOOKING_STATUS_PENDING
    assert sorted(seat.seat_id for seat in booking.seats) == sorted(seats)
    assert await stored(booking_engine, user) == ([booking_id], 2, 1)
    assert await reserved_for(booking_engine, seats) == {("RESERVED", booking_id)}


async def test_a_resend_after_the_booking_was_cancelled_answers_with_it_and_frees_the_seats(
    client: Stub, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    user, key = str(uuid.uuid4()), str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=2)
    first = await create(client, user, show_id, seats, key)
    await client.CancelBooking(
        booking_pb2.CancelBookingRequest(booking_id=first.id), metadata=as_user(user)
    )
    freed = {("AVAILABLE", None)}

    async def seats_freed() -> bool:  # inventory frees them as it hears of the cancellation
        return await reserved_for(booking_engine, seats) == freed

    await eventually(seats_freed, message="inventory never freed the cancelled booking's seats")

    again = await create(client, user, show_id, seats, key)

    assert again.id == first.id
    assert again.status == booking_pb2.BOOKING_STATUS_CANCELLED
    assert await stored(booking_engine, user) == ([first.id], 2, 2)
    assert await reserved_for(booking_engine, seats) == {("AVAILABLE", None)}


async def test_the_same_key_for_other_seats_is_another_booking_and_leaves_the_first_alone(
    client: Stub, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    user, key = str(uuid.uuid4()), str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=3)
    first = await create(client, user, show_id, seats[:1], key)

    other = await create(client, user, show_id, seats[1:], key)

    assert other.id != first.id
    assert await reserved_for(booking_engine, seats[:1]) == {("RESERVED", first.id)}
    assert await reserved_for(booking_engine, seats[1:]) == {("RESERVED", other.id)}


async def test_without_a_key_every_call_is_a_new_attempt(
    client: Stub, upstreams: Upstreams
) -> None:
    user = str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=1)
    await create(client, user, show_id, seats, "")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await create(client, user, show_id, seats, "")
    assert refused.value.code() is grpc.StatusCode.ALREADY_EXISTS
