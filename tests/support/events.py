"""Publishing an event into the broker as an outbox relay does, for consumers under test."""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractExchange
from google.protobuf.message import Message

from svckit.outbox import CONTENT_TYPE


async def publish_event(
    exchange: AbstractExchange, routing_key: str, event: Message, message_id: str | None = None
) -> None:
    """Persistent, typed by the message's full name, ``message_id`` the event id by default."""
    event_id: str = message_id or event.event_id  # type: ignore[attr-defined]
    await exchange.publish(
        aio_pika.Message(
            event.SerializeToString(),
            content_type=CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=event_id,
            type=event.DESCRIPTOR.full_name,
        ),
        routing_key=routing_key,
    )
