"""New bookings stored by psycopg itself (svckit.pg), in one autocommit statement.

Creating a booking is the hot write of an on-sale. The row, its seat lines and its first history
entry go in as one statement, which PostgreSQL runs atomically on its own, so there is no
BEGIN/COMMIT round trip and no SQL toolkit on the way: one round trip per booking. A booking id
that is already stored (a resent request whose id derives from its key) inserts nothing and says
so, still in that one round trip.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from booking.adapters.repository import booking_row
from booking.adapters.tables import bookings
from booking.domain.model import Booking

_COLUMNS = [column.name for column in bookings.columns if column.name != "seats_archived_at"]

# Foreign keys are checked at the end of the statement, when the booking row exists. The seat
# lines and the history entry are written only if the booking row was (not for an id already
# stored); the statement's row count says which.
INSERT_BOOKING = f"""
    WITH booking AS (
        INSERT INTO booking.bookings ({", ".join(_COLUMNS)})
        VALUES ({", ".join(f"%({name})s" for name in _COLUMNS)})
        ON CONFLICT (id) DO NOTHING
        RETURNING id
    ), seats AS (
        INSERT INTO booking.booking_seats
            (booking_id, seat_id, row_label, number, tier, price_minor)
        SELECT booking.id, seat.*
        FROM booking, unnest(
            CAST(%(seat_ids)s AS uuid[]), CAST(%(row_labels)s AS text[]),
            CAST(%(numbers)s AS integer[]), CAST(%(tiers)s AS text[]),
            CAST(%(prices)s AS bigint[])
        ) AS seat
    )
    INSERT INTO booking.booking_history (booking_id, from_status, to_status, reason, at)
    SELECT booking.id, NULL, %(to_status)s, %(reason)s, %(at)s FROM booking
    """


class PgNewBookings:
    def __init__(self, pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]]) -> None:
        self._pool = pool

    async def add(self, booking: Booking) -> bool:
        [created] = booking.history
        params = {
            **booking_row(booking),
            "seat_ids": [seat.seat_id for seat in booking.seats],
            "row_labels": [seat.row_label for seat in booking.seats],
            "numbers": [seat.number for seat in booking.seats],
            "tiers": [seat.tier for seat in booking.seats],
            "prices": [seat.price_minor for seat in booking.seats],
            "to_status": created.to_status.value,
            "reason": created.reason,
            "at": created.at,
        }
        async with self._pool.connection() as conn:  # autocommit: the statement is atomic
            cursor = await conn.execute(INSERT_BOOKING, params)
        return cursor.rowcount == 1
