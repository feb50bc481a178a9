"""Check-ins in PostgreSQL: ``booking.check_ins``, one row per admitted ticket.

``admit`` runs in one transaction: share-lock the booking row (a concurrent refund or cancel waits
for it, and it waits for them), refuse unless CONFIRMED, then ``INSERT … ON CONFLICT DO NOTHING``;
of two simultaneous scans exactly one inserts, and the other reads the row the first one wrote.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.domain.tickets import CheckIn, CheckInOutcome, TicketRef

_TICKET = sa.text(
    """
    SELECT b.status, b.movie_title, b.show_start_time, s.row_label, s.number
    FROM booking.bookings b
    JOIN booking.booking_seats s ON s.booking_id = b.id AND s.seat_id = :seat_id
    WHERE b.id = :booking_id
    FOR SHARE OF b
    """
)
_INSERT = sa.text(
    """
    INSERT INTO booking.check_ins (booking_id, seat_id, checked_in_at, checked_in_by)
    VALUES (:booking_id, :seat_id, :now, :by)
    ON CONFLICT (booking_id, seat_id) DO NOTHING
    RETURNING checked_in_at
    """
)
_EXISTING = sa.text(
    "SELECT checked_in_at FROM booking.check_ins WHERE booking_id = :booking_id "
    "AND seat_id = :seat_id"
)
_FOR_BOOKING = sa.text(
    "SELECT seat_id::text, checked_in_at FROM booking.check_ins WHERE booking_id = :booking_id"
)


class PgCheckInStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def checked_in(self, booking_id: str) -> dict[str, datetime]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_FOR_BOOKING, {"booking_id": booking_id})).all()
        return {str(seat_id): at for seat_id, at in rows}

    async def admit(self, ref: TicketRef, *, by: str | None, now: datetime) -> CheckIn:
        ids = {"booking_id": ref.booking_id, "seat_id": ref.seat_id}
        async with self._engine.begin() as conn:
            ticket = (await conn.execute(_TICKET, ids)).first()
            if ticket is None:
                return CheckIn(CheckInOutcome.REFUSED, ref, reason="no such ticket")
            status, movie, starts_at, row, number = ticket
            seat = {"row": row, "number": number, "movie": movie, "show_starts_at": starts_at}
            if status != "CONFIRMED":
                return CheckIn(
                    CheckInOutcome.REFUSED,
                    ref,
                    reason=f"the booking is {status.lower()}, not confirmed",
                    **seat,
                )
            inserted = (await conn.execute(_INSERT, {**ids, "now": now, "by": by})).first()
            if inserted is not None:
                return CheckIn(CheckInOutcome.ADMITTED, ref, checked_in_at=inserted[0], **seat)
            first = (await conn.execute(_EXISTING, ids)).scalar_one()
            return CheckIn(
                CheckInOutcome.ALREADY_CHECKED_IN,
                ref,
                checked_in_at=first,
                reason="already checked in",
                **seat,
            )
