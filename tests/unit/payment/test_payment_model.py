"""Payment state guards: late or repeated provider events never undo what happened."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from payment.domain import events
from payment.domain.model import Payment, PaymentStatus, Refund, RefundStatus, settle_refund
from payment.domain.values import Money

pytestmark = pytest.mark.unit

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
AMOUNT = Money(45_000, "INR")


def payment(status: PaymentStatus = PaymentStatus.PENDING) -> Payment:
    opened = Payment.open(booking_id="b1", user_id="u1", amount=AMOUNT, expires_at=NOW, now=NOW)
    opened.session_id = "sess_1"
    opened.status = status
    return opened


def test_success_is_recorded_once_with_its_event() -> None:
    paid = payment()

    assert paid.succeed(NOW) is True
    assert paid.succeed(NOW) is False

    assert paid.status is PaymentStatus.SUCCEEDED
    (event,) = paid.pull_events()
    assert isinstance(event, events.PaymentSucceeded)
    assert (event.session_id, event.amount) == ("sess_1", AMOUNT)


@pytest.mark.parametrize("status", [PaymentStatus.FAILED, PaymentStatus.EXPIRED])
def test_a_success_after_a_local_close_is_still_recorded(status: PaymentStatus) -> None:
    late = payment(status)

    assert late.succeed(NOW) is True
    assert late.status is PaymentStatus.SUCCEEDED


@pytest.mark.parametrize(
    "status",
    [PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED],
)
def test_late_failure_or_expiry_never_undoes_a_payment(status: PaymentStatus) -> None:
    done = payment(status)

    assert done.fail("declined", NOW) is False
    assert done.expire("session expired", NOW) is False
    assert done.succeed(NOW) is False
    assert done.status is status
    assert done.pull_events() == []


def test_failure_and_expiry_apply_only_to_a_pending_payment() -> None:
    failed, expired = payment(), payment()

    assert failed.fail("card declined", NOW) and expired.expire("booking expired", NOW)
    assert failed.expire("later", NOW) is False and expired.fail("later", NOW) is False

    assert (failed.status, failed.failure_reason) == (PaymentStatus.FAILED, "card declined")
    assert (expired.status, expired.failure_reason) == (PaymentStatus.EXPIRED, "booking expired")
    assert isinstance(failed.pull_events()[0], events.PaymentFailed)
    assert isinstance(expired.pull_events()[0], events.PaymentExpired)


def test_a_settled_refund_reduces_the_payment_and_is_published_once() -> None:
    paid = payment(PaymentStatus.SUCCEEDED)
    half = Refund.request(
        paid, amount=Money(22_500, "INR"), percent=50, reason="r", automatic=False, now=NOW
    )

    assert settle_refund(paid, half, provider_refund_id="re_1", now=NOW) is True
    assert settle_refund(paid, half, provider_refund_id="re_1", now=NOW) is False

    assert half.status is RefundStatus.SUCCEEDED and half.provider_refund_id == "re_1"
    assert paid.status is PaymentStatus.PARTIALLY_REFUNDED and paid.refunded_minor == 22_500
    (event,) = paid.pull_events()
    assert isinstance(event, events.PaymentRefunded)
    assert (event.percent, event.amount.amount_minor, event.automatic) == (50, 22_500, False)


def test_a_full_refund_refunds_the_payment() -> None:
    paid = payment(PaymentStatus.SUCCEEDED)
    full = Refund.request(paid, amount=AMOUNT, percent=100, reason="", automatic=True, now=NOW)

    settle_refund(paid, full, provider_refund_id=None, now=NOW)

    assert paid.status is PaymentStatus.REFUNDED


def test_a_refund_the_provider_refused_is_never_settled() -> None:
    paid = payment(PaymentStatus.SUCCEEDED)
    refused = Refund.request(paid, amount=AMOUNT, percent=100, reason="", automatic=False, now=NOW)

    assert refused.reject("session not paid", NOW) is True
    assert settle_refund(paid, refused, provider_refund_id="re_2", now=NOW) is False

    assert refused.status is RefundStatus.FAILED and paid.status is PaymentStatus.SUCCEEDED
