"""Background work: expiring unpaid bookings and archiving old seat lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from booking.service_layer.hot_seats import HotSeats
from booking.service_layer.ports import Clock, UnitOfWork
from booking.service_layer.services import save


async def expire_overdue(
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    *,
    batch_size: int = 100,
    hot_seats: HotSeats | None = None,
) -> int:
    """Expire every PENDING booking past its expires_at, one locked batch per transaction.

    Rows are taken with SKIP LOCKED: a booking a payment event is confirming right now is left
    to that event, and several sweepers never queue behind each other.
    """
    expired = 0
    while True:
        async with uow() as unit:
            now = clock.now()
            batch = await unit.bookings.lock_overdue(now, limit=batch_size)
            for booking in batch:
                booking.expire(now=now)
                await save(unit, booking)
                if hot_seats is not None:
                    hot_seats.given_back(booking)
            await unit.commit()
        expired += len(batch)
        if len(batch) < batch_size:
            return expired


async def archive_closed(
    uow: Callable[[], UnitOfWork], clock: Clock, *, older_than: timedelta, batch_size: int = 500
) -> int:
    """Drop the seat lines of EXPIRED/CANCELLED bookings older than `older_than`; keep bookings."""
    archived = 0
    cutoff = clock.now() - older_than
    while True:
        async with uow() as unit:
            count = await unit.bookings.archive_seat_lines(closed_before=cutoff, limit=batch_size)
            await unit.commit()
        archived += count
        if count < batch_size:
            return archived
