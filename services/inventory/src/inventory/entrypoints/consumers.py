"""Booking events → seat states, through svckit's idempotent consumer.

booking.confirmed sells the booking's seats (RESERVED → SOLD); booking.expired, .cancelled and
.refunded give them back (→ AVAILABLE). The effect runs in the consumer's transaction together
with the record of the message id, so a redelivered event changes nothing more; both operations
are idempotent on their own as well.
"""

from __future__ import annotations

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.unit_of_work import JoinedUnitOfWork
from inventory.service_layer.ports import Clock, UnitOfWork
from inventory.service_layer.services import Policy, SeatService
from svckit.logging import get_logger
from ticketing.events.v1 import events_pb2

QUEUE = "inventory.booking-events"
EXCHANGE = "booking.events"
ROUTING_KEYS = ("booking.confirmed", "booking.expired", "booking.cancelled", "booking.refunded")

_CONFIRMING: dict[str, type[Message]] = {
    events_pb2.BookingConfirmed.DESCRIPTOR.full_name: events_pb2.BookingConfirmed,
}
_RELEASING: dict[str, type[Message]] = {
    message.DESCRIPTOR.full_name: message
    for message in (
        events_pb2.BookingExpired,
        events_pb2.BookingCancelled,
        events_pb2.BookingRefunded,
    )
}

log = get_logger(__name__)


class BookingEventsHandler:
    def __init__(self, clock: Clock, policy: Policy) -> None:
        self._clock = clock
        self._policy = policy

    async def __call__(
        self, conn: AsyncConnection, message_type: str, body: bytes, message_id: str
    ) -> None:
        def unit_of_work(*, read_only: bool = False) -> UnitOfWork:
            return JoinedUnitOfWork(conn)

        seats = SeatService(unit_of_work, self._clock, self._policy)
        if message_type in _CONFIRMING:
            event = _CONFIRMING[message_type].FromString(body)
            changed = await seats.confirm_seats(event.booking_id)  # type: ignore[attr-defined]
        elif message_type in _RELEASING:
            event = _RELEASING[message_type].FromString(body)
            changed = await seats.release_seats(event.booking_id)  # type: ignore[attr-defined]
        else:
            log.warning("booking_event.ignored", type=message_type, message_id=message_id)
            return
        log.info(
            "booking_event.applied",
            type=message_type,
            message_id=message_id,
            booking_id=event.booking_id,  # type: ignore[attr-defined]
            seats=changed,
        )
