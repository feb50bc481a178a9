"""Domain events as ticketing.events.v1 messages with their routing keys on `booking.events`."""

from __future__ import annotations

from google.protobuf.message import Message

from booking.domain import events
from svckit.proto_values import to_money, to_timestamp
from ticketing.events.v1 import events_pb2

EXCHANGE = "booking.events"


def to_message(event: events.Event) -> tuple[str, Message]:
    """The routing key and protobuf message for `event`."""
    at = to_timestamp(event.occurred_at)
    if isinstance(event, events.BookingConfirmed):
        return "booking.confirmed", events_pb2.BookingConfirmed(
            event_id=event.event_id,
            occurred_at=at,
            booking_id=event.booking_id,
            user_id=event.user_id,
            show_id=event.show_id,
            seat_ids=event.seat_ids,
            total=to_money(event.total),
        )
    if isinstance(event, events.BookingExpired):
        return "booking.expired", events_pb2.BookingExpired(
            event_id=event.event_id,
            occurred_at=at,
            booking_id=event.booking_id,
            user_id=event.user_id,
            show_id=event.show_id,
            seat_ids=event.seat_ids,
        )
    if isinstance(event, events.BookingCancelled):
        return "booking.cancelled", events_pb2.BookingCancelled(
            event_id=event.event_id,
            occurred_at=at,
            booking_id=event.booking_id,
            user_id=event.user_id,
            show_id=event.show_id,
            seat_ids=event.seat_ids,
            reason=event.reason,
        )
    if isinstance(event, events.BookingRefunded):
        return "booking.refunded", events_pb2.BookingRefunded(
            event_id=event.event_id,
            occurred_at=at,
            booking_id=event.booking_id,
            user_id=event.user_id,
            show_id=event.show_id,
            seat_ids=event.seat_ids,
            refunded=to_money(event.refunded),
        )
    if isinstance(event, events.BookingPaymentRejected):
        return "booking.payment_rejected", events_pb2.BookingPaymentRejected(
            event_id=event.event_id,
            occurred_at=at,
            booking_id=event.booking_id,
            user_id=event.user_id,
            payment_id=event.payment_id,
            amount=to_money(event.amount) if event.amount else None,
            reason=event.reason,
        )
    raise TypeError(f"no message for {type(event).__name__}")
