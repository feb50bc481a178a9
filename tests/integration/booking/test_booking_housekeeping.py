"""The sweeper and the archival job on real PostgreSQL, with row locks raced across connections."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.adapters.unit_of_work import SqlUnitOfWork
from booking.domain.commands import CancelBooking
from booking.domain.values import Requester
from booking.service_layer import housekeeping
from svckit.clock import SystemClock
from tests.integration.booking.conftest import StartBooking
from tests.integration.booking.helpers import (
    book,
    events_for,
    new_booking,
    payment_succeeded,
    publish_payment_event,
    status_of,
)
from tests.integration.booking.upstreams import Upstreams
from tests.support.callers import as_user
from tests.support.wait import eventually
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.events.v1 import events_pb2

pytestmark = pytest.mark.integration

NO_SWEEPS = {"expiry_sweep_seconds": 3600}


async def backdate(engine: AsyncEngine, booking_id: str, column: str, by: timedelta) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(f"UPDATE booking.bookings SET {column} = :at WHERE id = :id"),
            {"at": datetime.now(UTC) - by, "id": booking_id},
        )


async def test_sweeper_skips_a_booking_locked_by_a_payment_and_takes_it_later(
    start_app: StartBooking, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    app = await start_app(**NO_SWEEPS)
    busy, idle = await book(app, upstreams, seats=1), await book(app, upstreams, seats=1)
    for booking in (busy, idle):
        await backdate(booking_engine, booking.id, "expires_at", timedelta(seconds=1))

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(booking_engine)

    async with booking_engine.connect() as holder:
        await holder.execute(
            text("SELECT 1 FROM booking.bookings WHERE id = :id FOR UPDATE"), {"id": busy.id}
        )
        await housekeeping.expire_overdue(uow, SystemClock())
        assert await status_of(booking_engine, idle.id) == "EXPIRED"
        assert await status_of(booking_engine, busy.id) == "PENDING"
        await holder.rollback()
    await housekeeping.expire_overdue(uow, SystemClock())
    assert await status_of(booking_engine, busy.id) == "EXPIRED"


async def test_archival_drops_seat_lines_of_old_closed_bookings_and_keeps_the_rest(
    start_app: StartBooking, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    app = await start_app(**NO_SWEEPS)
    old_cancelled, recent_cancelled, old_pending = [
        await book(app, upstreams, seats=2) for _ in range(3)
    ]
    for booking in (old_cancelled, recent_cancelled):
        await app.bookings.cancel(CancelBooking(booking.id), Requester(booking.user_id))
    for booking in (old_cancelled, old_pending):
        await backdate(booking_engine, booking.id, "created_at", timedelta(days=31))

    archived = await housekeeping.archive_closed(
        lambda: SqlUnitOfWork(booking_engine), SystemClock(), older_than=timedelta(days=30)
    )

    assert archived >= 1
    async with booking_engine.connect() as conn:
        lines = dict(
            (
                await conn.execute(
                    text(
                        "SELECT b.id::text, count(s.seat_id) FROM booking.bookings b"
                        " LEFT JOIN booking.booking_seats s ON s.booking_id = b.id"
                        " WHERE b.id = ANY(:ids) GROUP BY b.id"
                    ),
                    {"ids": [old_cancelled.id, recent_cancelled.id, old_pending.id]},
                )
            ).all()
        )
    assert lines == {old_cancelled.id: 0, recent_cancelled.id: 2, old_pending.id: 2}
    assert await status_of(booking_engine, old_cancelled.id) == "CANCELLED"


async def test_refund_of_a_confirmed_booking_returns_its_seats(
    client: booking_pb2_grpc.BookingServiceStub,
    upstreams: Upstreams,
    channel: AbstractChannel,
    amqp_prefix: str,
    booking_engine: AsyncEngine,
    booking_events: list[AbstractIncomingMessage],
) -> None:
    booking = await new_booking(client, upstreams)
    user, seat_ids = booking.user_id, [seat.seat_id for seat in booking.seats]
    paid = payment_succeeded(booking.id, user, booking.total.amount_minor)
    await publish_payment_event(channel, amqp_prefix, "payment.succeeded", paid)

    async def sold() -> bool:
        return {await upstreams.seat_status(seat) for seat in seat_ids} == {"SOLD"}

    await eventually(sold, message="seats sold")
    refund = events_pb2.PaymentRefunded(
        event_id=str(uuid.uuid4()),
        refund_id=str(uuid.uuid4()),
        payment_id=paid.payment_id,
        booking_id=booking.id,
        user_id=user,
        amount=booking.total,
        percent=100,
        reason="refunded 100% (more than 24 h before the show)",
    )
    await publish_payment_event(channel, amqp_prefix, "payment.refunded", refund)

    async def refunded() -> bool:
        return await status_of(booking_engine, booking.id) == "REFUNDED"

    await eventually(refunded, message="booking refunded")

    async def back_on_sale() -> bool:
        return {await upstreams.seat_status(seat) for seat in seat_ids} == {"AVAILABLE"}

    await eventually(back_on_sale, message="refunded seats back on sale")
    [event] = events_for(booking_events, "booking.refunded", booking.id)
    assert event.refunded == booking.total
    seen = await client.GetBooking(
        booking_pb2.GetBookingRequest(booking_id=booking.id), metadata=as_user(user)
    )
    assert seen.payment.status == "REFUNDED"
    assert seen.payment.refunded == booking.total
    assert seen.status_reason == "refunded 100% (more than 24 h before the show)"
