"""Expiry, late payments and a restart between publish and consume, with short real timeouts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.proto_values import from_timestamp
from tests.integration.booking.conftest import StartBooking
from tests.integration.booking.helpers import (
    book,
    booking_row,
    events_for,
    payment_succeeded,
    publish_payment_event,
    status_of,
)
from tests.integration.booking.upstreams import Upstreams
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

SHORT_TTL = {"booking_expiry_minutes": 0.02, "expiry_sweep_seconds": 0.2}


async def test_unpaid_booking_expires_and_its_seats_go_back_on_sale(
    start_app: StartBooking,
    upstreams: Upstreams,
    booking_engine: AsyncEngine,
    booking_events: list[AbstractIncomingMessage],
) -> None:
    app = await start_app(**SHORT_TTL)
    booking = await book(app, upstreams)
    seat_ids = [seat.seat_id for seat in booking.seats]
    assert {await upstreams.seat_status(seat) for seat in seat_ids} == {"RESERVED"}

    async def expired() -> bool:
        return await status_of(booking_engine, booking.id) == "EXPIRED"

    await eventually(expired, timeout=10, message="booking expired by the sweeper")

    async def released() -> bool:
        return {await upstreams.seat_status(seat) for seat in seat_ids} == {"AVAILABLE"}

    await eventually(released, timeout=10, message="seats available again")
    [event] = events_for(booking_events, "booking.expired", booking.id)
    assert sorted(event.seat_ids) == sorted(seat_ids)
    row = await booking_row(booking_engine, booking.id)
    assert row.status_reason == "not paid before the booking expired"


async def test_payment_after_the_sweeper_expired_the_booking_is_rejected(
    start_app: StartBooking,
    upstreams: Upstreams,
    channel: AbstractChannel,
    amqp_prefix: str,
    booking_engine: AsyncEngine,
    booking_events: list[AbstractIncomingMessage],
) -> None:
    app = await start_app(**SHORT_TTL)
    booking = await book(app, upstreams)

    async def expired() -> bool:
        return await status_of(booking_engine, booking.id) == "EXPIRED"

    await eventually(expired, timeout=10, message="booking expired")
    event = payment_succeeded(booking.id, booking.user_id, booking.total.amount_minor)
    await publish_payment_event(channel, amqp_prefix, "payment.succeeded", event)

    async def rejected() -> list[object]:
        return events_for(booking_events, "booking.payment_rejected", booking.id)

    [rejection] = await eventually(rejected, message="booking.payment_rejected published")
    assert rejection.payment_id == event.payment_id
    assert rejection.amount == event.amount
    assert rejection.reason == "booking is already EXPIRED"
    row = await booking_row(booking_engine, booking.id)
    assert row.status == "EXPIRED"
    assert "refunded in full" in row.status_reason
    assert events_for(booking_events, "booking.confirmed", booking.id) == []

    async def released() -> bool:
        return {await upstreams.seat_status(s.seat_id) for s in booking.seats} == {"AVAILABLE"}

    await eventually(released, message="seats stay free")


async def test_payment_past_expiry_but_before_the_sweep_is_rejected_too(
    start_app: StartBooking,
    upstreams: Upstreams,
    channel: AbstractChannel,
    amqp_prefix: str,
    booking_engine: AsyncEngine,
    booking_events: list[AbstractIncomingMessage],
) -> None:
    app = await start_app(booking_expiry_minutes=0.02, expiry_sweep_seconds=3600)
    booking = await book(app, upstreams)
    expires_at = from_timestamp(booking.expires_at)

    async def overdue() -> bool:
        return datetime.now(UTC) > expires_at

    await eventually(overdue, message="expiry time passed")
    assert await status_of(booking_engine, booking.id) == "PENDING"
    event = payment_succeeded(booking.id, booking.user_id, booking.total.amount_minor)
    await publish_payment_event(channel, amqp_prefix, "payment.succeeded", event)

    async def rejected() -> list[object]:
        return events_for(booking_events, "booking.payment_rejected", booking.id)

    [rejection] = await eventually(rejected, message="booking.payment_rejected published")
    assert rejection.reason.startswith("payment arrived after the booking expired")
    assert await status_of(booking_engine, booking.id) == "EXPIRED"
    assert len(events_for(booking_events, "booking.expired", booking.id)) == 1
    assert events_for(booking_events, "booking.confirmed", booking.id) == []


async def test_a_payment_published_while_booking_is_down_confirms_after_restart(
    start_app: StartBooking,
    upstreams: Upstreams,
    channel: AbstractChannel,
    amqp_prefix: str,
    booking_engine: AsyncEngine,
) -> None:
    first = await start_app()
    booking = await book(first, upstreams)
    await first.stop()

    event = payment_succeeded(booking.id, booking.user_id, booking.total.amount_minor)
    await publish_payment_event(channel, amqp_prefix, "payment.succeeded", event)
    queue = await channel.declare_queue(f"{amqp_prefix}booking.payment-events", passive=True)
    assert queue.declaration_result.message_count >= 1
    assert await status_of(booking_engine, booking.id) == "PENDING"

    await start_app()

    async def confirmed() -> bool:
        return await status_of(booking_engine, booking.id) == "CONFIRMED"

    await eventually(confirmed, message="booking confirmed after the restart")
