"""Small things the booking integration tests share: new bookings, payment events, DB reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import grpc
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from google.protobuf.message import Message
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.bootstrap import App
from svckit.amqp import declare_exchange
from svckit.proto_values import to_timestamp
from tests.integration.booking.upstreams import Upstreams
from tests.support.callers import as_user
from tests.support.events import publish_event
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.common.v1 import common_pb2
from ticketing.events.v1 import events_pb2


async def new_booking(
    client: booking_pb2_grpc.BookingServiceStub, upstreams: Upstreams, seats: int = 2
) -> booking_pb2.Booking:
    """A new user's PENDING booking of every seat of a new show."""
    user = str(uuid.uuid4())
    show_id, seat_ids = await upstreams.new_show(seats=seats)
    created: booking_pb2.Booking = await client.CreateBooking(
        booking_pb2.CreateBookingRequest(user_id=user, show_id=show_id, seat_ids=seat_ids),
        metadata=as_user(user),
    )
    return created


async def book(app: App, upstreams: Upstreams, seats: int = 2) -> booking_pb2.Booking:
    """``new_booking`` through the booking app started as ``app``."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        return await new_booking(booking_pb2_grpc.BookingServiceStub(channel), upstreams, seats)


def payment_succeeded(
    booking_id: str, user_id: str, amount_minor: int, *, payment_id: str | None = None
) -> events_pb2.PaymentSucceeded:
    return events_pb2.PaymentSucceeded(
        event_id=str(uuid.uuid4()),
        occurred_at=to_timestamp(datetime.now(UTC)),
        payment_id=payment_id or str(uuid.uuid4()),
        booking_id=booking_id,
        user_id=user_id,
        session_id=f"sess_{uuid.uuid4().hex}",
        amount=common_pb2.Money(amount_minor=amount_minor, currency="INR"),
    )


def payment_failed(booking_id: str, user_id: str, amount_minor: int) -> events_pb2.PaymentFailed:
    return events_pb2.PaymentFailed(
        event_id=str(uuid.uuid4()),
        occurred_at=to_timestamp(datetime.now(UTC)),
        payment_id=str(uuid.uuid4()),
        booking_id=booking_id,
        user_id=user_id,
        session_id=f"sess_{uuid.uuid4().hex}",
        amount=common_pb2.Money(amount_minor=amount_minor, currency="INR"),
        reason="card declined",
    )


async def publish_payment_event(
    channel: AbstractChannel, prefix: str, routing_key: str, event: Message
) -> None:
    """As payment's outbox relay publishes: persistent, typed, message id = event id."""
    exchange = await declare_exchange(channel, prefix, "payment.events")
    await publish_event(exchange, routing_key, event)


def events_for(
    received: list[AbstractIncomingMessage], routing_key: str, booking_id: str
) -> list[Any]:
    """Decoded booking.events messages of one kind about one booking."""
    kinds = {
        "booking.confirmed": events_pb2.BookingConfirmed,
        "booking.expired": events_pb2.BookingExpired,
        "booking.cancelled": events_pb2.BookingCancelled,
        "booking.refunded": events_pb2.BookingRefunded,
        "booking.payment_rejected": events_pb2.BookingPaymentRejected,
    }
    decoded = [
        kinds[message.routing_key].FromString(message.body)
        for message in received
        if message.routing_key == routing_key
    ]
    return [event for event in decoded if event.booking_id == booking_id]


async def booking_row(engine: AsyncEngine, booking_id: str) -> Any:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("SELECT * FROM booking.bookings WHERE id = :id"), {"id": booking_id}
        )
        return result.one_or_none()


async def status_of(engine: AsyncEngine, booking_id: str) -> str | None:
    row = await booking_row(engine, booking_id)
    return None if row is None else str(row.status)
