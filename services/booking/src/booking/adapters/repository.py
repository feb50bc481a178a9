"""Bookings in PostgreSQL, read and written with SQLAlchemy Core on the unit of work's connection.

A booking is three tables (row, seat lines, history); reads load the seat lines and history of a
whole page in one query each. Row locks: `get_for_update` takes FOR UPDATE on the booking row
(payment events and cancels about one booking serialise on it); the sweeper takes FOR UPDATE
SKIP LOCKED so it never waits behind, or blocks, a booking being confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from booking.adapters.tables import booking_history, booking_seats, bookings
from booking.domain.model import Booking
from booking.domain.values import (
    BookedSeat,
    BookingStatus,
    Money,
    PaymentStatus,
    PaymentSummary,
    ShowSnapshot,
    StatusChange,
)
from booking.service_layer.ports import BookingPage, PageCursor

CLOSED = (BookingStatus.EXPIRED.value, BookingStatus.CANCELLED.value)

_MUTABLE_COLUMNS = [
    "status",
    "status_reason",
    "expires_at",
    "updated_at",
    "payment_status",
    "payment_id",
    "payment_amount_minor",
    "payment_currency",
    "payment_refunded_minor",
]

_UPDATE_BOOKING = (
    bookings.update()
    .where(bookings.c.id == sa.bindparam("booking_id"))
    .values({name: sa.bindparam(name) for name in _MUTABLE_COLUMNS})
)


class SqlBookingRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._history_written: dict[str, int] = {}

    async def get(self, booking_id: str) -> Booking | None:
        found = await self._load(sa.select(bookings).where(bookings.c.id == booking_id))
        return found[0] if found else None

    async def get_for_update(self, booking_id: str) -> Booking | None:
        query = sa.select(bookings).where(bookings.c.id == booking_id).with_for_update()
        found = await self._load(query)
        return found[0] if found else None

    async def update(self, booking: Booking) -> None:
        await self._conn.execute(_UPDATE_BOOKING, {"booking_id": booking.id, **_mutable(booking)})
        await self._write_history(booking)

    async def list_for_user(
        self, user_id: str, *, limit: int, after: PageCursor | None
    ) -> BookingPage:
        query = sa.select(bookings).where(bookings.c.user_id == user_id)
        if after is not None:
            query = query.where(
                sa.tuple_(bookings.c.created_at, bookings.c.id)
                < sa.tuple_(sa.literal(after.created_at), sa.literal(after.booking_id, sa.UUID))
            )
        query = query.order_by(bookings.c.created_at.desc(), bookings.c.id.desc()).limit(limit + 1)
        found = await self._load(query)
        page = found[:limit]
        cursor = PageCursor(page[-1].created_at, page[-1].id) if len(found) > limit else None
        total = await self._conn.scalar(
            sa.select(sa.func.count()).select_from(bookings).where(bookings.c.user_id == user_id)
        )
        return BookingPage(page, cursor, int(total or 0))

    async def lock_overdue(self, now: datetime, *, limit: int) -> list[Booking]:
        query = (
            sa.select(bookings)
            .where(bookings.c.status == BookingStatus.PENDING.value, bookings.c.expires_at <= now)
            .order_by(bookings.c.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self._load(query)

    async def archive_seat_lines(self, *, closed_before: datetime, limit: int) -> int:
        victims = (
            sa.select(bookings.c.id)
            .where(
                bookings.c.status.in_(CLOSED),
                bookings.c.created_at < closed_before,
                bookings.c.seats_archived_at.is_(None),
            )
            .order_by(bookings.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self._conn.execute(victims)).scalars())
        if not ids:
            return 0
        await self._conn.execute(booking_seats.delete().where(booking_seats.c.booking_id.in_(ids)))
        await self._conn.execute(
            bookings.update().where(bookings.c.id.in_(ids)).values(seats_archived_at=sa.func.now())
        )
        return len(ids)

    async def _load(self, query: sa.Select[Any]) -> list[Booking]:
        rows = (await self._conn.execute(query)).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        seats: dict[str, list[BookedSeat]] = defaultdict(list)
        seat_rows = await self._conn.execute(
            sa.select(booking_seats)
            .where(booking_seats.c.booking_id.in_(ids))
            .order_by(booking_seats.c.booking_id, booking_seats.c.row_label, booking_seats.c.number)
        )
        for seat in seat_rows:
            seats[seat.booking_id].append(
                BookedSeat(seat.seat_id, seat.row_label, seat.number, seat.tier, seat.price_minor)
            )
        history: dict[str, list[StatusChange]] = defaultdict(list)
        history_rows = await self._conn.execute(
            sa.select(booking_history)
            .where(booking_history.c.booking_id.in_(ids))
            .order_by(booking_history.c.id)
        )
        for change in history_rows:
            history[change.booking_id].append(
                StatusChange(
                    BookingStatus(change.from_status) if change.from_status else None,
                    BookingStatus(change.to_status),
                    change.reason,
                    _utc(change.at),
                )
            )
        loaded = [_booking(row, seats[row.id], history[row.id]) for row in rows]
        for booking in loaded:
            self._history_written[booking.id] = len(booking.history)
        return loaded

    async def _write_history(self, booking: Booking) -> None:
        written = self._history_written.get(booking.id, 0)
        new: Sequence[StatusChange] = booking.history[written:]
        if not new:
            return
        await self._conn.execute(
            booking_history.insert(),
            [
                {
                    "booking_id": booking.id,
                    "from_status": change.from_status.value if change.from_status else None,
                    "to_status": change.to_status.value,
                    "reason": change.reason,
                    "at": change.at,
                }
                for change in new
            ],
        )
        self._history_written[booking.id] = len(booking.history)


def booking_row(booking: Booking) -> dict[str, Any]:
    show = booking.show
    return {
        "id": booking.id,
        "user_id": booking.user_id,
        "show_id": show.show_id,
        "total_minor": booking.total.amount_minor,
        "currency": booking.total.currency,
        "created_at": booking.created_at,
        "movie_id": show.movie_id,
        "movie_title": show.movie_title,
        "theatre_id": show.theatre_id,
        "theatre_name": show.theatre_name,
        "city": show.city,
        "screen_id": show.screen_id,
        "screen_name": show.screen_name,
        "show_start_time": show.start_time,
        **_mutable(booking),
    }


def _mutable(booking: Booking) -> dict[str, Any]:
    """The columns that change over a booking's life."""
    payment = booking.payment
    return {
        "status": booking.status.value,
        "status_reason": booking.status_reason,
        "expires_at": booking.expires_at,
        "updated_at": booking.updated_at,
        "payment_status": payment.status.value,
        "payment_id": payment.payment_id,
        "payment_amount_minor": payment.amount.amount_minor if payment.amount else None,
        "payment_currency": payment.amount.currency if payment.amount else None,
        "payment_refunded_minor": payment.refunded_minor,
    }


def _booking(row: Any, seats: list[BookedSeat], history: list[StatusChange]) -> Booking:
    amount = (
        Money(row.payment_amount_minor, row.payment_currency or row.currency)
        if row.payment_amount_minor is not None
        else None
    )
    return Booking(
        id=row.id,
        user_id=row.user_id,
        show=ShowSnapshot(
            show_id=row.show_id,
            movie_id=row.movie_id,
            movie_title=row.movie_title,
            theatre_id=row.theatre_id,
            theatre_name=row.theatre_name,
            city=row.city,
            screen_id=row.screen_id,
            screen_name=row.screen_name,
            start_time=_utc(row.show_start_time),
        ),
        status=BookingStatus(row.status),
        total=Money(row.total_minor, row.currency),
        seats=seats,
        expires_at=_utc(row.expires_at),
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
        history=history,
        payment=PaymentSummary(
            PaymentStatus(row.payment_status), row.payment_id, amount, row.payment_refunded_minor
        ),
        status_reason=row.status_reason,
    )


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
