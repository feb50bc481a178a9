"""Check-in against real PostgreSQL: two scanners at once admit a ticket once, a forged code is
refused before any query, and a booking that is not CONFIRMED is refused. The outcome is read back
from the database, not only from the answers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.adapters.check_ins import PgCheckInStore
from booking.domain.errors import InvalidRequest
from booking.domain.tickets import CheckInOutcome, TicketRef, TicketSigner
from svckit.db import create_engine

pytestmark = pytest.mark.integration

SCANNERS = 8


async def _booking(engine: AsyncEngine, status: str) -> TicketRef:
    booking_id, seat_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO booking.bookings (id, user_id, show_id, status, total_minor, "
                "currency, expires_at, created_at, updated_at, movie_id, movie_title, "
                "theatre_id, theatre_name, city, screen_id, screen_name, show_start_time) "
                "VALUES (:id, :user, :show, :status, 20000, 'INR', :now, :now, :now, 'm', "
                "'Inception', 't', 'PVR', 'Mumbai', 's', 'Screen 1', :starts)"
            ),
            {
                "id": booking_id,
                "user": str(uuid.uuid4()),
                "show": str(uuid.uuid4()),
                "status": status,
                "now": now,
                "starts": now + timedelta(hours=3),
            },
        )
        await conn.execute(
            text(
                "INSERT INTO booking.booking_seats (booking_id, seat_id, row_label, number, "
                "tier, price_minor) VALUES (:booking, :seat, 'F', 7, 'PREMIUM', 20000)"
            ),
            {"booking": booking_id, "seat": seat_id},
        )
    return TicketRef(booking_id, seat_id)


@pytest_asyncio.fixture(loop_scope="session")
async def scanner_engines(
    database_url: str, booking_schema: str
) -> AsyncIterator[list[AsyncEngine]]:
    """One engine (own connection pool) per scanner: the race is between real connections."""
    engines = [
        create_engine(database_url, pool_size=1, application_name=f"scanner-{index}")
        for index in range(SCANNERS)
    ]
    yield engines
    await asyncio.gather(*(engine.dispose() for engine in engines))


async def test_scanners_racing_on_one_ticket_admit_it_exactly_once(
    booking_engine: AsyncEngine, scanner_engines: list[AsyncEngine]
) -> None:
    ref = await _booking(booking_engine, "CONFIRMED")
    stores = [PgCheckInStore(engine) for engine in scanner_engines]
    # Warm every pool so the scans start together rather than behind connection set-up.
    await asyncio.gather(*(store.checked_in(ref.booking_id) for store in stores))
    now = datetime.now(UTC)
    results = await asyncio.gather(
        *(store.admit(ref, by=str(uuid.uuid4()), now=now) for store in stores)
    )

    outcomes = sorted(result.outcome.value for result in results)
    assert outcomes.count(CheckInOutcome.ADMITTED.value) == 1, outcomes
    assert outcomes.count(CheckInOutcome.ALREADY_CHECKED_IN.value) == SCANNERS - 1
    admitted_at = {result.checked_in_at for result in results}
    assert len(admitted_at) == 1  # every "already" answer names the first admission's time
    async with booking_engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT checked_in_at FROM booking.check_ins WHERE booking_id = :id"),
                {"id": ref.booking_id},
            )
        ).all()
    assert [row[0] for row in rows] == list(admitted_at)

    again = await stores[0].admit(ref, by=None, now=now + timedelta(minutes=5))
    assert again.outcome is CheckInOutcome.ALREADY_CHECKED_IN
    assert again.checked_in_at == rows[0][0]


@pytest.mark.parametrize("status", ["CANCELLED", "REFUNDED", "PENDING", "EXPIRED"])
async def test_a_ticket_of_a_booking_that_is_not_confirmed_is_refused(
    booking_engine: AsyncEngine, status: str
) -> None:
    ref = await _booking(booking_engine, status)
    result = await PgCheckInStore(booking_engine).admit(ref, by=None, now=datetime.now(UTC))
    assert result.outcome is CheckInOutcome.REFUSED
    assert result.reason == f"the booking is {status.lower()}, not confirmed"
    async with booking_engine.connect() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM booking.check_ins WHERE booking_id = :id"),
                {"id": ref.booking_id},
            )
        ).scalar_one()
    assert count == 0


async def test_an_unknown_seat_is_refused(booking_engine: AsyncEngine) -> None:
    ref = await _booking(booking_engine, "CONFIRMED")
    other_seat = TicketRef(ref.booking_id, str(uuid.uuid4()))
    result = await PgCheckInStore(booking_engine).admit(other_seat, by=None, now=datetime.now(UTC))
    assert result.outcome is CheckInOutcome.REFUSED
    assert result.reason == "no such ticket"


def test_ticket_codes_are_signed() -> None:
    signer = TicketSigner("a-secret-of-sixteen+")
    booking_id, seat_id = str(uuid.uuid4()), str(uuid.uuid4())
    code = signer.code(booking_id, seat_id)
    assert signer.read(code) == TicketRef(booking_id, seat_id)
    forged = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    for bad in (forged, TicketSigner("another-secret-123").code(booking_id, seat_id), "hello"):
        with pytest.raises(InvalidRequest):
            signer.read(bad)
