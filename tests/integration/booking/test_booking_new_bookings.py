"""New bookings stored together: one statement for the bookings that arrive at once.

Against the real booking schema; what each call answered is checked against the rows stored.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import pytest_asyncio
from psycopg_pool import AsyncConnectionPool

from booking.adapters.new_bookings import PgNewBookings
from booking.domain.model import Booking
from booking.domain.values import BookedSeat, Money, ShowSnapshot
from svckit.pg import create_pool

pytestmark = pytest.mark.integration

Pool = AsyncConnectionPool[psycopg.AsyncConnection[Any]]


@pytest_asyncio.fixture(loop_scope="session")
async def pool(database_url: str, booking_schema: str) -> AsyncIterator[Pool]:
    pool = create_pool(database_url, size=4, application_name="booking-tests")
    await pool.open()
    yield pool
    await pool.close()


def a_booking(*, seat_ids: list[str] | None = None, booking_id: str | None = None) -> Booking:
    now = datetime.now(UTC)
    seat_ids = seat_ids or [str(uuid.uuid4()), str(uuid.uuid4())]
    seats = [BookedSeat(seat, "A", n, "REGULAR", 20_000) for n, seat in enumerate(seat_ids, 1)]
    show = ShowSnapshot(
        show_id=str(uuid.uuid4()),
        movie_id="m-1",
        movie_title="Inception",
        theatre_id="t-1",
        theatre_name="PVR Forum",
        city="Bengaluru",
        screen_id="s-1",
        screen_name="Audi 1",
        start_time=now + timedelta(days=1),
    )
    return Booking.open(
        booking_id=booking_id or str(uuid.uuid4()),
        user_id=str(uuid.uuid4()),
        show=show,
        seats=seats,
        total=Money(20_000 * len(seats), "INR"),
        now=now,
        expires_in=timedelta(minutes=15),
    )


async def stored(pool: Pool, booking_ids: list[str]) -> dict[str, tuple[int, int]]:
    """booking id → (seat lines, history entries) for each stored booking."""
    async with pool.connection() as conn:
        cursor = await conn.execute(
            """SELECT b.id::text,
                      (SELECT count(*) FROM booking.booking_seats s WHERE s.booking_id = b.id),
                      (SELECT count(*) FROM booking.booking_history h WHERE h.booking_id = b.id)
               FROM booking.bookings b WHERE b.id = ANY(%s::uuid[])""",
            [booking_ids],
        )
        return {row[0]: (row[1], row[2]) for row in await cursor.fetchall()}


def counting() -> tuple[list[tuple[int, str]], Any]:
    runs: list[tuple[int, str]] = []
    return runs, lambda size, how: runs.append((size, how))


async def test_bookings_that_arrive_together_are_stored_in_one_statement(pool: Pool) -> None:
    runs, on_batch = counting()
    store = PgNewBookings(pool, batch_size=8, on_batch=on_batch)
    bookings = [a_booking() for _ in range(20)]
    resent = a_booking()
    again = a_booking(seat_ids=[seat.seat_id for seat in resent.seats], booking_id=resent.id)

    answers = await asyncio.gather(*(store.add(b) for b in [*bookings, resent, again]))

    assert answers == [True] * 21 + [False]  # the resend finds its booking stored
    # All 22 were queued before the first statement ran: batches of 8, 8, and the rest.
    assert sorted(runs) == [(6, "together"), (8, "together"), (8, "together")]
    rows = await stored(pool, [b.id for b in [*bookings, resent]])
    assert rows == {b.id: (2, 1) for b in [*bookings, resent]}


async def test_a_booking_that_fails_the_statement_fails_alone(pool: Pool) -> None:
    runs, on_batch = counting()
    store = PgNewBookings(pool, batch_size=8, on_batch=on_batch)
    seat = str(uuid.uuid4())
    broken = a_booking(seat_ids=[seat, seat])  # one seat twice: its seat lines cannot be stored
    good = [a_booking() for _ in range(6)]

    answers = await asyncio.gather(
        *(store.add(b) for b in [good[0], good[1], broken, *good[2:]]), return_exceptions=True
    )

    assert isinstance(answers[2], psycopg.errors.UniqueViolation)
    assert [answer for n, answer in enumerate(answers) if n != 2] == [True] * 6
    assert runs == [(7, "split")]  # then each ran alone
    rows = await stored(pool, [b.id for b in [*good, broken]])
    assert rows == {b.id: (2, 1) for b in good}  # nothing of the broken booking


async def test_one_booking_alone_is_stored_at_once(pool: Pool) -> None:
    runs, on_batch = counting()
    store = PgNewBookings(pool, batch_size=8, on_batch=on_batch)
    booking = a_booking()
    assert await store.add(booking) is True
    assert await store.add(booking) is False
    assert runs == [(1, "alone"), (1, "alone")]
    assert await stored(pool, [booking.id]) == {booking.id: (2, 1)}
