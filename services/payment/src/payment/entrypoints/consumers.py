"""booking.events → payment: decode the message, hand it to the use case in the consumer's
transaction (svckit's IdempotentConsumer records the message id in the same one)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from payment.adapters.unit_of_work import SqlUnitOfWork
from payment.service_layer.booking_events import BookingEvents
from svckit.logging import get_logger
from ticketing.events.v1 import events_pb2

log = get_logger(__name__)

QUEUE = "payment.booking-events"
EXCHANGE = "booking.events"
ROUTING_KEYS = ("booking.payment_rejected", "booking.expired", "booking.cancelled")
CONSUMER_NAME = "payment.booking-events"

_REJECTED = events_pb2.BookingPaymentRejected.DESCRIPTOR.full_name
_EXPIRED = events_pb2.BookingExpired.DESCRIPTOR.full_name
_CANCELLED = events_pb2.BookingCancelled.DESCRIPTOR.full_name


class BookingEventHandler:
    def __init__(self, reactions: BookingEvents) -> None:
        self._reactions = reactions

    async def __call__(
        self, conn: AsyncConnection, message_type: str, body: bytes, message_id: str
    ) -> None:
        uow = SqlUnitOfWork.bound_to(conn)
        if message_type == _REJECTED:
            rejected = events_pb2.BookingPaymentRejected.FromString(body)
            await self._reactions.payment_rejected(
                uow, payment_id=rejected.payment_id, reason=rejected.reason
            )
        elif message_type == _EXPIRED:
            expired = events_pb2.BookingExpired.FromString(body)
            await self._reactions.booking_closed(
                uow, booking_id=expired.booking_id, why="the booking expired"
            )
        elif message_type == _CANCELLED:
            cancelled = events_pb2.BookingCancelled.FromString(body)
            await self._reactions.booking_closed(
                uow, booking_id=cancelled.booking_id, why="the booking was cancelled"
            )
        else:
            log.warning("payment.unknown_message", type=message_type, message_id=message_id)
