"""Domain events → ticketing.events.v1 protobuf messages and their routing keys."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from payment.domain import events
from svckit.proto_values import to_money, to_timestamp
from ticketing.events.v1 import events_pb2

EXCHANGE = "payment.events"


def to_message(event: events.Event) -> tuple[str, Message]:
    common: dict[str, Any] = {
        "event_id": event.event_id,
        "occurred_at": to_timestamp(event.occurred_at),
        "payment_id": event.payment_id,
        "booking_id": event.booking_id,
        "user_id": event.user_id,
    }
    if isinstance(event, events.PaymentSucceeded):
        return "payment.succeeded", events_pb2.PaymentSucceeded(
            **common, session_id=event.session_id, amount=to_money(event.amount)
        )
    if isinstance(event, events.PaymentFailed):
        return "payment.failed", events_pb2.PaymentFailed(
            **common,
            session_id=event.session_id,
            amount=to_money(event.amount),
            reason=event.reason,
        )
    if isinstance(event, events.PaymentExpired):
        return "payment.expired", events_pb2.PaymentExpired(**common, session_id=event.session_id)
    if isinstance(event, events.PaymentRefunded):
        return "payment.refunded", events_pb2.PaymentRefunded(
            **common,
            refund_id=event.refund_id,
            amount=to_money(event.amount),
            percent=event.percent,
            reason=event.reason,
            automatic=event.automatic,
        )
    raise TypeError(f"no message for {type(event).__name__}")
