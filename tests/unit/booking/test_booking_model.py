"""The booking aggregate's rules, without any I/O."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from booking.domain import events
from booking.domain.errors import (
    InvalidRequest,
    NotAuthenticated,
    NotBookingOwner,
    WrongBookingState,
)
from booking.domain.model import Booking
from booking.domain.values import (
    BookedSeat,
    BookingStatus,
    Money,
    PaymentStatus,
    Requester,
    require_seat_selection,
)
from tests.unit.booking.fakes import NOW, show_snapshot

pytestmark = pytest.mark.unit

TOTAL = Money(50_000, "INR")
GRACE = timedelta(minutes=5)


def a_booking(expires_in: timedelta = timedelta(minutes=15)) -> Booking:
    seats = [
        BookedSeat("seat-1", "A", 1, "REGULAR", 25_000),
        BookedSeat("seat-2", "A", 2, "REGULAR", 25_000),
    ]
    return Booking.open(
        booking_id="b-1",
        user_id="u-1",
        show=show_snapshot("show-1", NOW + timedelta(days=2)),
        seats=seats,
        total=TOTAL,
        now=NOW,
        expires_in=expires_in,
    )


def confirmed_booking() -> Booking:
    booking = a_booking()
    booking.payment_succeeded(payment_id="p-1", amount=TOTAL, now=NOW)
    booking.pull_events()
    return booking


def test_a_new_booking_is_pending_until_its_expiry_with_a_history_entry() -> None:
    booking = a_booking()
    assert booking.status is BookingStatus.PENDING
    assert booking.expires_at == NOW + timedelta(minutes=15)
    assert [(h.from_status, h.to_status, h.reason) for h in booking.history] == [
        (None, BookingStatus.PENDING, "created")
    ]


def test_payment_in_time_confirms_and_announces_the_seats() -> None:
    booking = a_booking()
    booking.payment_succeeded(payment_id="p-1", amount=TOTAL, now=NOW + timedelta(minutes=3))
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.payment.status is PaymentStatus.SUCCEEDED
    assert booking.payment.amount == TOTAL
    [event] = booking.pull_events()
    assert isinstance(event, events.BookingConfirmed)
    assert event.seat_ids == ("seat-1", "seat-2")
    assert event.total == TOTAL
    assert booking.history[-1].to_status is BookingStatus.CONFIRMED


def test_the_same_payment_reported_twice_confirms_once() -> None:
    booking = confirmed_booking()
    booking.payment_succeeded(payment_id="p-1", amount=TOTAL, now=NOW)
    assert booking.pull_events() == []
    assert len(booking.history) == 2


def test_payment_after_expiry_expires_the_booking_and_has_the_payment_refunded() -> None:
    booking = a_booking()
    late = NOW + timedelta(minutes=16)
    booking.payment_succeeded(payment_id="p-1", amount=TOTAL, now=late)
    assert booking.status is BookingStatus.EXPIRED
    assert "after the booking expired" in booking.status_reason
    assert "refunded in full" in booking.status_reason
    kinds = [type(event) for event in booking.pull_events()]
    assert kinds == [events.BookingExpired, events.BookingPaymentRejected]


def test_payment_for_a_cancelled_booking_is_rejected_and_the_booking_stays_cancelled() -> None:
    booking = a_booking()
    booking.cancel(reason="changed my mind", now=NOW)
    booking.pull_events()
    booking.payment_succeeded(payment_id="p-1", amount=TOTAL, now=NOW)
    assert booking.status is BookingStatus.CANCELLED
    [event] = booking.pull_events()
    assert isinstance(event, events.BookingPaymentRejected)
    assert event.reason == "booking is already CANCELLED"
    assert event.amount == TOTAL


def test_a_second_payment_for_a_confirmed_booking_is_rejected_and_the_first_kept() -> None:
    booking = confirmed_booking()
    booking.payment_succeeded(payment_id="p-2", amount=TOTAL, now=NOW)
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.payment.payment_id == "p-1"
    [event] = booking.pull_events()
    assert isinstance(event, events.BookingPaymentRejected)
    assert event.payment_id == "p-2"


def test_a_payment_of_the_wrong_amount_does_not_confirm() -> None:
    booking = a_booking()
    booking.payment_succeeded(payment_id="p-1", amount=Money(1, "INR"), now=NOW)
    assert booking.status is BookingStatus.PENDING
    [event] = booking.pull_events()
    assert isinstance(event, events.BookingPaymentRejected)
    assert "does not match" in event.reason


def test_failed_payment_extends_a_short_expiry_to_the_retry_grace() -> None:
    booking = a_booking(expires_in=timedelta(minutes=1))
    booking.payment_failed(
        payment_id="p-1", amount=TOTAL, reason="card declined", now=NOW, grace=GRACE
    )
    assert booking.status is BookingStatus.PENDING
    assert booking.expires_at == NOW + GRACE
    assert booking.payment.status is PaymentStatus.FAILED
    assert booking.status_reason == "payment failed: card declined"


def test_failed_payment_never_shortens_the_expiry() -> None:
    booking = a_booking()
    booking.payment_failed(payment_id="p-1", amount=TOTAL, reason="", now=NOW, grace=GRACE)
    assert booking.expires_at == NOW + timedelta(minutes=15)


def test_failed_payment_does_not_revive_an_overdue_booking() -> None:
    booking = a_booking(expires_in=timedelta(minutes=1))
    booking.payment_failed(
        payment_id="p-1", amount=TOTAL, reason="", now=NOW + timedelta(minutes=2), grace=GRACE
    )
    assert booking.expires_at == NOW + timedelta(minutes=1)


def test_expired_checkout_expires_the_booking_and_releases_its_seats() -> None:
    booking = a_booking()
    booking.payment_expired(payment_id="p-1", now=NOW)
    assert booking.status is BookingStatus.EXPIRED
    assert booking.status_reason == "the payment session expired unpaid"
    assert booking.payment.status is PaymentStatus.EXPIRED
    [event] = booking.pull_events()
    assert isinstance(event, events.BookingExpired)
    assert event.seat_ids == ("seat-1", "seat-2")


def test_expired_checkout_leaves_a_confirmed_booking_alone() -> None:
    booking = confirmed_booking()
    booking.payment_expired(payment_id="p-2", now=NOW)
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.pull_events() == []


def test_refund_of_a_confirmed_booking_refunds_it_and_announces_the_seats() -> None:
    booking = confirmed_booking()
    booking.refunded(payment_id="p-1", amount=Money(25_000, "INR"), reason="50% refund", now=NOW)
    assert booking.status is BookingStatus.REFUNDED
    assert booking.payment.status is PaymentStatus.PARTIALLY_REFUNDED
    assert booking.payment.refunded_minor == 25_000
    [event] = booking.pull_events()
    assert isinstance(event, events.BookingRefunded)
    assert event.seat_ids == ("seat-1", "seat-2")


def test_automatic_refund_of_a_late_payment_is_recorded_on_the_expired_booking() -> None:
    booking = a_booking()
    booking.payment_succeeded(payment_id="p-1", amount=TOTAL, now=NOW + timedelta(hours=1))
    booking.pull_events()
    booking.refunded(payment_id="p-1", amount=TOTAL, reason="automatic", now=NOW)
    assert booking.status is BookingStatus.EXPIRED
    assert booking.payment.status is PaymentStatus.REFUNDED
    assert booking.pull_events() == []


def test_cancel_pending_releases_the_seats_through_an_event() -> None:
    booking = a_booking()
    booking.cancel(reason="cancelled by the user", now=NOW)
    assert booking.status is BookingStatus.CANCELLED
    [event] = booking.pull_events()
    assert isinstance(event, events.BookingCancelled)
    assert event.seat_ids == ("seat-1", "seat-2")


def test_cancel_confirmed_points_to_the_refund() -> None:
    booking = confirmed_booking()
    with pytest.raises(WrongBookingState, match=r"POST /payments/refund/b-1"):
        booking.cancel(reason="", now=NOW)
    assert booking.status is BookingStatus.CONFIRMED


def test_cancel_expired_says_so_and_changes_nothing() -> None:
    booking = a_booking()
    booking.expire(now=NOW + timedelta(minutes=15))
    history = list(booking.history)
    with pytest.raises(WrongBookingState, match="booking is already EXPIRED"):
        booking.cancel(reason="", now=NOW)
    assert booking.history == history


def test_expire_is_only_for_pending_bookings() -> None:
    booking = confirmed_booking()
    booking.expire(now=NOW + timedelta(hours=1))
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.pull_events() == []


@pytest.mark.parametrize(
    ("seat_ids", "message"),
    [
        ([], "at least one seat"),
        ([str(uuid.uuid4()) for _ in range(11)], "at most 10 seats"),
        (["not-a-uuid"], "must be a UUID"),
    ],
)
def test_seat_selection_rules(seat_ids: list[str], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message) as raised:
        require_seat_selection(seat_ids)
    assert raised.value.details == {"field": "seat_ids"}


def test_a_seat_named_twice_is_refused() -> None:
    seat = str(uuid.uuid4())
    with pytest.raises(InvalidRequest, match=f"repeat {seat}"):
        require_seat_selection([seat, seat.upper()])


def test_only_the_owner_or_an_admin_sees_a_booking() -> None:
    booking = a_booking()
    booking.ensure_visible_to(Requester("u-1"))
    booking.ensure_visible_to(Requester("someone", is_admin=True))
    with pytest.raises(NotBookingOwner):
        booking.ensure_visible_to(Requester("u-2"))
    with pytest.raises(NotAuthenticated):
        booking.ensure_visible_to(Requester(None))
