"""Domain objects ⇄ ticketing.payment.v1 messages."""

from __future__ import annotations

from payment.domain.errors import InvalidRequest
from payment.domain.model import Payment, PaymentStatus, Refund, RefundStatus
from payment.domain.values import BookingStatus
from payment.service_layer.payments import InitiatedPayment, PaymentOverview
from payment.service_layer.ports import SessionOutcome
from payment.service_layer.refunds import RefundQuote
from svckit.proto_values import to_money, to_timestamp
from ticketing.booking.v1 import booking_pb2
from ticketing.payment.v1 import payment_pb2

_PAYMENT_STATUS = {
    PaymentStatus.PENDING: payment_pb2.PAYMENT_STATUS_PENDING,
    PaymentStatus.SUCCEEDED: payment_pb2.PAYMENT_STATUS_SUCCEEDED,
    PaymentStatus.FAILED: payment_pb2.PAYMENT_STATUS_FAILED,
    PaymentStatus.EXPIRED: payment_pb2.PAYMENT_STATUS_EXPIRED,
    PaymentStatus.REFUNDED: payment_pb2.PAYMENT_STATUS_REFUNDED,
    PaymentStatus.PARTIALLY_REFUNDED: payment_pb2.PAYMENT_STATUS_PARTIALLY_REFUNDED,
}
_REFUND_STATUS = {
    RefundStatus.PENDING: payment_pb2.REFUND_STATUS_PENDING,
    RefundStatus.SUCCEEDED: payment_pb2.REFUND_STATUS_SUCCEEDED,
    RefundStatus.FAILED: payment_pb2.REFUND_STATUS_FAILED,
}
_BOOKING_STATUS = {
    BookingStatus.PENDING: booking_pb2.BOOKING_STATUS_PENDING,
    BookingStatus.CONFIRMED: booking_pb2.BOOKING_STATUS_CONFIRMED,
    BookingStatus.CANCELLED: booking_pb2.BOOKING_STATUS_CANCELLED,
    BookingStatus.EXPIRED: booking_pb2.BOOKING_STATUS_EXPIRED,
    BookingStatus.REFUNDED: booking_pb2.BOOKING_STATUS_REFUNDED,
}
_OUTCOMES = {
    payment_pb2.PAYMENT_OUTCOME_SUCCESS: SessionOutcome.SUCCESS,
    payment_pb2.PAYMENT_OUTCOME_FAILED: SessionOutcome.FAILED,
    payment_pb2.PAYMENT_OUTCOME_EXPIRED: SessionOutcome.EXPIRED,
}


def outcome(value: int) -> SessionOutcome:
    found = _OUTCOMES.get(value)  # type: ignore[call-overload]
    if found is None:
        raise InvalidRequest("outcome", "outcome must be SUCCESS, FAILED or EXPIRED")
    return found  # type: ignore[no-any-return]


def initiated(result: InitiatedPayment) -> payment_pb2.InitiatePaymentResponse:
    return payment_pb2.InitiatePaymentResponse(
        payment_id=result.payment.id,
        session_id=result.payment.session_id or "",
        payment_url=result.payment.payment_url or "",
        expires_at=to_timestamp(result.expires_at),
        amount=to_money(result.payment.amount),
    )


def payment(value: Payment) -> payment_pb2.Payment:
    return payment_pb2.Payment(
        id=value.id,
        booking_id=value.booking_id,
        user_id=value.user_id,
        session_id=value.session_id or "",
        status=_PAYMENT_STATUS[value.status],
        amount=to_money(value.amount),
        created_at=to_timestamp(value.created_at),
        updated_at=to_timestamp(value.updated_at),
        failure_reason=value.failure_reason,
    )


def refund(value: Refund) -> payment_pb2.Refund:
    return payment_pb2.Refund(
        id=value.id,
        payment_id=value.payment_id,
        booking_id=value.booking_id,
        status=_REFUND_STATUS[value.status],
        amount=to_money(value.amount),
        percent=value.percent,
        reason=value.reason,
        created_at=to_timestamp(value.created_at),
    )


def refund_quote(value: RefundQuote) -> payment_pb2.RefundQuote:
    return payment_pb2.RefundQuote(
        booking_id=value.booking_id,
        refundable=value.refundable,
        percent=value.percent,
        amount=to_money(value.amount),
        paid=to_money(value.paid),
        reason=value.reason,
        show_starts_at=to_timestamp(value.show_starts_at),
    )


def overview(value: PaymentOverview) -> payment_pb2.PaymentStatusResponse:
    return payment_pb2.PaymentStatusResponse(
        booking_id=value.booking.booking_id,
        booking_status=_BOOKING_STATUS[value.booking.status],
        payments=[payment(item) for item in value.payments],
        refunds=[refund(item) for item in value.refunds],
    )
