"""Domain events as ticketing.events.v1 messages with their routing keys on `booking.events`."""

from __future__ import annotations

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from booking.domain import events
from booking.domain.values import Money
from ticketing.common.v1 import common_pb2
from ticketing.events.v1 import events_pb2

EXCHANGE = "booking.events"


def to_message(event: events.Event) -> tuple[str, Message]:
    """The routing key and protobuf message for `event`."""
    at = _timestamp(event)
    if isinstance(event, events.BookingConfirmed):
        return "booking.confirmed", events_pb2.BookingConfirmed(
            event_id=event.event_id,
            occurred_at=at,
            booking_id=event.booking_id,
            user_id=event.user_id,
            show_id=event.show_id,
            seat_ids=event.seat_ids,
            total=_money(event.total),
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
            refunded=_money(event.refunded),
        )
    if isinstance(event, events.BookingPaymentRejected):
        return "booking.payment_rejected", events_pb2.BookingPaymentRejected(
            event_id=event.event_id,
            occurred_at=at,
            booking_id=event.booking_id,
            user_id=event.user_id,
            payment_id=event.payment_id,
            amount=_money(event.amount) if event.amount else None,
            reason=event.reason,
        )
    raise TypeError(f"no message for {type(event).__name__}")


def _timestamp(event: events.Event) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(event.occurred_at)
    return stamp


def _money(money: Money) -> common_pb2.Money:
    return common_pb2.Money(amount_minor=money.amount_minor, currency=money.currency)
