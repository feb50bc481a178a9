"""New bookings stored by psycopg itself (svckit.pg), in one autocommit statement.

Creating a booking is the hot write of an on-sale. The row, its seat lines and its first history
entry go in as one statement, which PostgreSQL runs atomically on its own, so there is no
BEGIN/COMMIT round trip and no SQL toolkit on the way: one round trip per booking. A booking id
that is already stored (a resent request whose id derives from its key) inserts nothing and says
so, still in that one round trip.

Bookings that arrive while such a statement is in flight are stored together (svckit.batching):
one statement of arrays for all of them, one commit. If it fails (nothing is stored then), each
booking is stored again alone, so each gets its own answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.dialects import postgresql

from booking.adapters.repository import booking_row
from booking.adapters.tables import bookings
from booking.domain.model import Booking
from svckit.batching import Batcher

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


# The array type of each column, from the table's own definition.
_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_TYPES = {column.name: column.type.compile(dialect=_DIALECT) for column in bookings.columns}
# Many bookings in one statement: one array per column. Seat lines and history entries are
# written for the bookings whose row was (RETURNING), so a stored id adds nothing.
_ARRAYS = ", ".join(f"CAST(%({name})s AS {_TYPES[name]}[])" for name in _COLUMNS)
INSERT_BOOKINGS = f"""
    WITH booking AS (
        INSERT INTO booking.bookings ({", ".join(_COLUMNS)})
        SELECT * FROM unnest({_ARRAYS})
        ON CONFLICT (id) DO NOTHING
        RETURNING id
    ), seats AS (
        INSERT INTO booking.booking_seats
            (booking_id, seat_id, row_label, number, tier, price_minor)
        SELECT seat.*
        FROM unnest(
            CAST(%(seat_bookings)s AS uuid[]), CAST(%(seat_ids)s AS uuid[]),
            CAST(%(row_labels)s AS text[]), CAST(%(numbers)s AS integer[]),
            CAST(%(tiers)s AS text[]), CAST(%(prices)s AS bigint[])
        ) AS seat(booking_id, seat_id, row_label, number, tier, price_minor)
        JOIN booking ON booking.id = seat.booking_id
    ), history AS (
        INSERT INTO booking.booking_history (booking_id, from_status, to_status, reason, at)
        SELECT entry.booking_id, NULL, entry.to_status, entry.reason, entry.at
        FROM unnest(
            CAST(%(id)s AS uuid[]), CAST(%(to_statuses)s AS text[]),
            CAST(%(reasons)s AS text[]), CAST(%(ats)s AS timestamptz[])
        ) AS entry(booking_id, to_status, reason, at)
        JOIN booking ON booking.id = entry.booking_id
    )
    SELECT id::text FROM booking
    """

BATCH = "new-bookings"


class PgNewBookings:
    def __init__(
        self,
        pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]],
        *,
        batch_size: int = 1,
        in_flight: int = 2,
        on_batch: Callable[[int, str], None] | None = None,
    ) -> None:
        """``batch_size`` > 1 stores bookings that arrive together in one statement."""
        self._pool = pool
        self._batches = (
            Batcher[str, Booking](
                self._add_together,
                self._add_alone,
                max_size=batch_size,
                in_flight=in_flight,
                on_batch=on_batch,
            )
            if batch_size > 1
            else None
        )

    async def add(self, booking: Booking) -> bool:
        if self._batches is None:
            return await self._add_alone(booking)
        stored: bool = await self._batches.submit(BATCH, booking)
        return stored

    async def close(self) -> None:
        if self._batches is not None:
            await self._batches.close()

    async def _add_together(self, _: str, bookings: Sequence[Booking]) -> list[bool]:
        """One statement for ``bookings``; True for each whose row it stored. A booking id twice
        in the batch (two resends at once) is stored by the first; the second finds it stored."""
        first: dict[str, Booking] = {}
        for booking in bookings:
            first.setdefault(booking.id, booking)
        rows = [booking_row(booking) for booking in first.values()]
        params: dict[str, Any] = {name: [row[name] for row in rows] for name in _COLUMNS}
        seats = [(booking.id, seat) for booking in first.values() for seat in booking.seats]
        params |= {
            "seat_bookings": [booking_id for booking_id, _ in seats],
            "seat_ids": [seat.seat_id for _, seat in seats],
            "row_labels": [seat.row_label for _, seat in seats],
            "numbers": [seat.number for _, seat in seats],
            "tiers": [seat.tier for _, seat in seats],
            "prices": [seat.price_minor for _, seat in seats],
            "to_statuses": [booking.history[0].to_status.value for booking in first.values()],
            "reasons": [booking.history[0].reason for booking in first.values()],
            "ats": [booking.history[0].at for booking in first.values()],
        }
        async with self._pool.connection() as conn:  # autocommit: the statement is atomic
            cursor = await conn.execute(INSERT_BOOKINGS, params)
            stored = {row[0] for row in await cursor.fetchall()}
        return [booking.id in stored and first[booking.id] is booking for booking in bookings]

    async def _add_alone(self, booking: Booking) -> bool:
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
