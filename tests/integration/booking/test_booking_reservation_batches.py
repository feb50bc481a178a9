"""Reservations of one show that arrive together go to inventory in one ReserveSeatsBatch call.

Booking runs in-process beside the real inventory; a crowd books one show at once, several
bookings wanting the same seats. Every seat ends in one booking at most, what each caller was
told agrees with the rows booking and inventory stored, and the reservations went in batches.
"""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.metrics import WRITE_BATCHED_REQUESTS, WRITE_BATCHES
from tests.integration.booking.conftest import StartBooking
from tests.integration.booking.upstreams import Upstreams
from tests.support.callers import as_user
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc

pytestmark = pytest.mark.integration

SEATS = 24
CROWD = 40


def reservations(metric: object, how: str) -> float:
    return float(metric.labels("reservations", how)._value.get())  # type: ignore[attr-defined]


async def create(
    client: booking_pb2_grpc.BookingServiceStub, show_id: str, seat_ids: list[str]
) -> booking_pb2.Booking | grpc.StatusCode:
    user = str(uuid.uuid4())
    try:
        booking: booking_pb2.Booking = await client.CreateBooking(
            booking_pb2.CreateBookingRequest(user_id=user, show_id=show_id, seat_ids=seat_ids),
            metadata=as_user(user),
            timeout=30,
        )
    except grpc.aio.AioRpcError as error:
        return error.code()
    return booking


def seats_of(booking: booking_pb2.Booking) -> set[str]:
    return {seat.seat_id for seat in booking.seats}


async def stored_seats(engine: AsyncEngine, booking_ids: list[str]) -> dict[str, set[str]]:
    """booking id → its seat ids, as booking stored them."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT booking_id::text AS booking_id, seat_id::text AS seat_id"
                " FROM booking.booking_seats WHERE booking_id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": booking_ids},
        )
        stored: dict[str, set[str]] = {}
        for row in rows:
            stored.setdefault(row.booking_id, set()).add(row.seat_id)
        return stored


async def inventory_rows(engine: AsyncEngine, show_id: str) -> dict[str, tuple[str, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id::text AS id, status, booking_id::text AS booking_id"
                " FROM inventory.show_seats WHERE show_id = :show"
            ),
            {"show": show_id},
        )
        return {row.id: (row.status, row.booking_id) for row in rows}


async def test_a_crowd_booking_one_show_gets_one_booking_per_seat_through_batched_reservations(
    start_app: StartBooking, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    app = await start_app()
    show_id, seat_ids = await upstreams.new_show(seats=SEATS)
    # Each booking wants one or two adjacent seats; the first half of the seats is wanted by
    # several bookings at once, the second half by one each.
    wanted = [
        seat_ids[n % (SEATS // 2) : n % (SEATS // 2) + 1 + n % 2]
        if n < CROWD - SEATS // 2
        else [seat_ids[SEATS // 2 + n - (CROWD - SEATS // 2)]]
        for n in range(CROWD)
    ]
    together_before = reservations(WRITE_BATCHES, "together")
    requests_before = reservations(WRITE_BATCHED_REQUESTS, "together")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        client = booking_pb2_grpc.BookingServiceStub(channel)
        # The show is in booking's cache already, so the crowd reaches inventory at once.
        first = await create(client, show_id, [seat_ids[-1]])
        assert isinstance(first, booking_pb2.Booking)
        answers = await asyncio.gather(*(create(client, show_id, seats) for seats in wanted))

    booked = [answer for answer in answers if isinstance(answer, booking_pb2.Booking)]
    refused = [answer for answer in answers if not isinstance(answer, booking_pb2.Booking)]
    assert set(refused) <= {grpc.StatusCode.ALREADY_EXISTS}
    assert booked and refused
    owners: dict[str, str] = {seat_ids[-1]: first.id}
    for booking in booked:
        for seat_id in seats_of(booking):
            assert seat_id not in owners, f"seat {seat_id} booked twice"
            owners[seat_id] = booking.id
    # A refusal means another booking has one of the seats it wanted.
    for seats, answer in zip(wanted, answers, strict=True):
        if not isinstance(answer, booking_pb2.Booking):
            assert set(seats) & set(owners), f"{seats} refused, none of them booked"

    stored = await stored_seats(booking_engine, [booking.id for booking in [first, *booked]])
    assert stored == {booking.id: seats_of(booking) for booking in [first, *booked]}
    rows = await inventory_rows(booking_engine, show_id)
    assert {seat: row for seat, row in rows.items() if row[0] != "AVAILABLE"} == {
        seat: ("RESERVED", booking_id) for seat, booking_id in owners.items()
    }
    # The crowd's reservations went to inventory in batches of several.
    batches = reservations(WRITE_BATCHES, "together") - together_before
    batched = reservations(WRITE_BATCHED_REQUESTS, "together") - requests_before
    assert batches >= 1
    assert batched >= 2 * batches
