"""Domain events as ticketing.events.v1 messages with their routing keys on `booking.events`."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from booking.domain import events
from svckit.proto_values import to_money, to_timestamp
from ticketing.events.v1 import events_pb2

EXCHANGE = "booking.events"

_ABOUT_SEATS = (
    events.BookingConfirmed,
    events.BookingExpired,
    events.BookingCancelled,
    events.BookingRefunded,
)


def to_message(event: events.Event) -> tuple[str, Message]:
    """The routing key and protobuf message for `event`."""
    common: dict[str, Any] = {
        "event_id": event.event_id,
        "occurred_at": to_timestamp(event.occurred_at),
        "booking_id": event.booking_id,
        "user_id": event.user_id,
    }
    if isinstance(event, events.BookingPaymentRejected):
        return "booking.payment_rejected", events_pb2.BookingPaymentRejected(
            **common,
            payment_id=event.payment_id,
            amount=to_money(event.amount) if event.amount else None,
            reason=event.reason,
        )
    if isinstance(event, _ABOUT_SEATS):
        common.update(show_id=event.show_id, seat_ids=event.seat_ids)
    if isinstance(event, events.BookingConfirmed):
        return "booking.confirmed", events_pb2.BookingConfirmed(
            **common, total=to_money(event.total)
        )
    if isinstance(event, events.BookingExpired):
        return "booking.expired", events_pb2.BookingExpired(**common)
    if isinstance(event, events.BookingCancelled):
        return "booking.cancelled", events_pb2.BookingCancelled(**common, reason=event.reason)
    if isinstance(event, events.BookingRefunded):
        return "booking.refunded", events_pb2.BookingRefunded(
            **common, refunded=to_money(event.refunded)
        )
    raise TypeError(f"no message for {type(event).__name__}")
