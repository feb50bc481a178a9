"""Payment events from RabbitMQ drive the booking, through the real queue and outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.proto_values import from_timestamp, to_timestamp
from tests.integration.booking.helpers import (
    booking_row,
    events_for,
    new_booking,
    payment_failed,
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

Stub = booking_pb2_grpc.BookingServiceStub
CONSUMER = "booking.payment-events"


def consumed(outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "amqp_consumer_messages_total", {"consumer": CONSUMER, "outcome": outcome}
    )
    return value or 0.0


async def test_payment_success_confirms_sells_the_seats_and_announces_it(
    client: Stub,
    upstreams: Upstreams,
    channel: AbstractChannel,
    amqp_prefix: str,
    booking_engine: AsyncEngine,
    booking_events: list[AbstractIncomingMessage],
) -> None:
    booking = await new_booking(client, upstreams)
    event = payment_succeeded(booking.id, booking.user_id, booking.total.amount_minor)
    await publish_payment_event(channel, amqp_prefix, "payment.succeeded", event)

    async def confirmed() -> bool:
        return await status_of(booking_engine, booking.id) == "CONFIRMED"

    await eventually(confirmed, message="booking confirmed")

    async def announced() -> list[object]:
        return events_for(booking_events, "booking.confirmed", booking.id)

    [announcement] = await eventually(announced, message="booking.confirmed published")
    assert sorted(announcement.seat_ids) == sorted(seat.seat_id for seat in booking.seats)
    assert announcement.total == booking.total

    async def sold() -> bool:
        states = [await upstreams.seat_status(seat.seat_id) for seat in booking.seats]
        return states == ["SOLD"] * len(states)

    await eventually(sold, message="seats sold in inventory")
    seen = await client.GetBooking(
        booking_pb2.GetBookingRequest(booking_id=booking.id), metadata=as_user(booking.user_id)
    )
    assert seen.payment.status == "SUCCEEDED"
    assert seen.payment.amount == booking.total
    assert [change.to_status for change in seen.history][-1] == booking_pb2.BOOKING_STATUS_CONFIRMED

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await client.CancelBooking(
            booking_pb2.CancelBookingRequest(booking_id=booking.id),
            metadata=as_user(booking.user_id),
        )
    assert refused.value.code() == grpc.StatusCode.ABORTED
    assert f"POST /payments/refund/{booking.id}" in (refused.value.details() or "")


async def test_the_same_success_delivered_five_times_confirms_once(
    client: Stub,
    upstreams: Upstreams,
    channel: AbstractChannel,
    amqp_prefix: str,
    booking_engine: AsyncEngine,
    booking_events: list[AbstractIncomingMessage],
) -> None:
    booking = await new_booking(client, upstreams)
    event = payment_succeeded(booking.id, booking.user_id, booking.total.amount_minor)
    duplicates_before = consumed("duplicate")
    for _ in range(5):
        await publish_payment_event(channel, amqp_prefix, "payment.succeeded", event)

    async def all_delivered() -> bool:
        return consumed("duplicate") - duplicates_before >= 4

    await eventually(all_delivered, message="five deliveries consumed")

    async def announced() -> list[object]:
        return events_for(booking_events, "booking.confirmed", booking.id)

    await eventually(announced, message="booking.confirmed published")
    seen = await client.GetBooking(
        booking_pb2.GetBookingRequest(booking_id=booking.id), metadata=as_user(booking.user_id)
    )
    confirmations = [
        change
        for change in seen.history
        if change.to_status == booking_pb2.BOOKING_STATUS_CONFIRMED
    ]
    assert len(confirmations) == 1
    assert len(events_for(booking_events, "booking.confirmed", booking.id)) == 1
    assert await status_of(booking_engine, booking.id) == "CONFIRMED"


async def test_failed_payment_keeps_the_booking_and_never_shortens_its_expiry(
    client: Stub,
    upstreams: Upstreams,
    channel: AbstractChannel,
    amqp_prefix: str,
    booking_engine: AsyncEngine,
) -> None:
    nearly_due = await new_booking(client, upstreams, seats=1)
    soon = datetime.now(UTC) + timedelta(minutes=1)
    await set_expiry(booking_engine, nearly_due.id, soon)
    plenty_left = await new_booking(client, upstreams, seats=1)
    later = from_timestamp(plenty_left.expires_at)

    published_at = datetime.now(UTC)
    for booking in (nearly_due, plenty_left):
        failure = payment_failed(booking.id, booking.user_id, booking.total.amount_minor)
        await publish_payment_event(channel, amqp_prefix, "payment.failed", failure)

    async def recorded() -> bool:
        rows = [await booking_row(booking_engine, b.id) for b in (nearly_due, plenty_left)]
        return all(row.payment_status == "FAILED" for row in rows)

    await eventually(recorded, message="failed payments recorded")
    extended = await booking_row(booking_engine, nearly_due.id)
    assert extended.status == "PENDING"
    assert extended.expires_at >= published_at + timedelta(minutes=5)
    assert extended.status_reason == "payment failed: card declined"
    untouched = await booking_row(booking_engine, plenty_left.id)
    assert untouched.status == "PENDING"
    assert untouched.expires_at == later


async def set_expiry(engine: AsyncEngine, booking_id: str, at: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE booking.bookings SET expires_at = :at WHERE id = :id"),
            {"at": at, "id": booking_id},
        )


async def test_expired_checkout_expires_the_booking_and_puts_its_seats_back_on_sale(
    client: Stub,
    upstreams: Upstreams,
    channel: AbstractChannel,
    amqp_prefix: str,
    booking_engine: AsyncEngine,
    booking_events: list[AbstractIncomingMessage],
) -> None:
    booking = await new_booking(client, upstreams)
    expiry = events_pb2.PaymentExpired(
        event_id=str(uuid.uuid4()),
        occurred_at=to_timestamp(datetime.now(UTC)),
        payment_id=str(uuid.uuid4()),
        booking_id=booking.id,
        user_id=booking.user_id,
        session_id=f"sess_{uuid.uuid4().hex}",
    )
    await publish_payment_event(channel, amqp_prefix, "payment.expired", expiry)

    async def expired() -> bool:
        return await status_of(booking_engine, booking.id) == "EXPIRED"

    await eventually(expired, message="booking expired with its checkout session")
    row = await booking_row(booking_engine, booking.id)
    assert row.payment_status == "EXPIRED"
    assert row.status_reason == "the payment session expired unpaid"

    async def announced() -> list[object]:
        return events_for(booking_events, "booking.expired", booking.id)

    await eventually(announced, message="booking.expired published")

    async def released() -> bool:
        states = [await upstreams.seat_status(seat.seat_id) for seat in booking.seats]
        return states == ["AVAILABLE"] * len(states)

    await eventually(released, message="seats back on sale")
