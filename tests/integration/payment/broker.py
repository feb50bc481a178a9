"""The test's own view of RabbitMQ: read what payment publishes, publish what booking would."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from google.protobuf.message import Message

from svckit.amqp import AmqpConnection, declare_exchange
from tests.support.events import publish_event
from ticketing.events.v1 import events_pb2

_TYPES: dict[str, type[Message]] = {
    "payment.succeeded": events_pb2.PaymentSucceeded,
    "payment.failed": events_pb2.PaymentFailed,
    "payment.expired": events_pb2.PaymentExpired,
    "payment.refunded": events_pb2.PaymentRefunded,
}


@dataclass(frozen=True)
class Received:
    routing_key: str
    message_id: str
    message_type: str
    content_type: str
    message: Message


class PaymentEventsReader:
    """Everything published on payment.events (a test queue bound to ``payment.*``)."""

    def __init__(self, amqp: AmqpConnection) -> None:
        self._amqp = amqp
        self.received: list[Received] = []
        self._queue: AbstractQueue | None = None

    async def start(self) -> None:
        channel = await self._amqp.channel(publisher_confirms=False)
        exchange = await declare_exchange(channel, self._amqp.prefix, "payment.events")
        self._queue = await channel.declare_queue(
            f"{self._amqp.prefix}payment-tests.events.{uuid.uuid4().hex[:6]}", exclusive=True
        )
        await self._queue.bind(exchange, routing_key="payment.*")
        await self._queue.consume(self._on_message)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        async with message.process():
            key = message.routing_key or ""
            self.received.append(
                Received(
                    routing_key=key,
                    message_id=message.message_id or "",
                    message_type=message.type or "",
                    content_type=message.content_type or "",
                    message=_TYPES[key].FromString(message.body),
                )
            )

    def of(self, routing_key: str, booking_id: str) -> list[Received]:
        return [
            item
            for item in self.received
            if item.routing_key == routing_key
            and getattr(item.message, "booking_id", None) == booking_id
        ]


class BookingEventsPublisher:
    """Publishes booking.* events the way booking's outbox relay does."""

    def __init__(self, amqp: AmqpConnection) -> None:
        self._amqp = amqp
        self._lock = asyncio.Lock()

    async def publish(self, routing_key: str, message: Message, message_id: str) -> None:
        async with self._lock:
            channel = await self._amqp.channel()
            try:
                exchange = await declare_exchange(channel, self._amqp.prefix, "booking.events")
                await publish_event(exchange, routing_key, message, message_id)
            finally:
                await channel.close()
