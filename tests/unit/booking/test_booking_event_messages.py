"""Booking's domain events leave as the ticketing.events.v1 messages consumers decode."""

from __future__ import annotations

import pytest

from booking.adapters.event_messages import to_message
from booking.domain import events
from booking.domain.values import Money
from svckit.proto_values import from_timestamp
from tests.unit.booking.fakes import NOW

pytestmark = pytest.mark.unit

ABOUT = {"booking_id": "b1", "user_id": "u1", "occurred_at": NOW, "event_id": "e1"}
SEATS = {"show_id": "show-1", "seat_ids": ("s1", "s2")}


def test_seat_events_carry_the_booking_its_show_and_seats() -> None:
    cases = [
        (events.BookingConfirmed(**ABOUT, **SEATS, total=Money(900, "INR")), "booking.confirmed"),
        (events.BookingExpired(**ABOUT, **SEATS), "booking.expired"),
        (events.BookingCancelled(**ABOUT, **SEATS, reason="changed plans"), "booking.cancelled"),
        (events.BookingRefunded(**ABOUT, **SEATS, refunded=Money(450, "INR")), "booking.refunded"),
    ]
    for event, routing_key in cases:
        key, message = to_message(event)
        assert key == routing_key
        assert (message.event_id, message.booking_id, message.user_id) == ("e1", "b1", "u1")  # type: ignore[attr-defined]
        assert from_timestamp(message.occurred_at) == NOW  # type: ignore[attr-defined]
        assert (message.show_id, list(message.seat_ids)) == ("show-1", ["s1", "s2"])  # type: ignore[attr-defined]
    _, confirmed = to_message(cases[0][0])
    assert (confirmed.total.amount_minor, confirmed.total.currency) == (900, "INR")  # type: ignore[attr-defined]
    _, cancelled = to_message(cases[2][0])
    assert cancelled.reason == "changed plans"  # type: ignore[attr-defined]


def test_a_rejected_payment_names_the_payment_and_no_seats() -> None:
    rejected = events.BookingPaymentRejected(
        **ABOUT, payment_id="p1", amount=Money(900, "INR"), reason="the booking had expired"
    )
    key, message = to_message(rejected)
    assert key == "booking.payment_rejected"
    assert (message.payment_id, message.amount.amount_minor, message.reason) == (  # type: ignore[attr-defined]
        "p1",
        900,
        "the booking had expired",
    )
