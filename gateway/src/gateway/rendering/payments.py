"""Payments, webhooks, refunds."""

from __future__ import annotations

from typing import Any

from gateway.rendering.common import BOOKING_STATUS, enum_names, money, timestamp
from ticketing.payment.v1 import payment_pb2

PAYMENT_STATUS = enum_names(payment_pb2.PaymentStatus, "PAYMENT_STATUS_")
REFUND_STATUS = enum_names(payment_pb2.RefundStatus, "REFUND_STATUS_")
OUTCOMES = {
    number: name.lower()
    for number, name in enum_names(payment_pb2.PaymentOutcome, "PAYMENT_OUTCOME_").items()
}


def initiated(reply: payment_pb2.InitiatePaymentResponse) -> dict[str, Any]:
    amount, currency = money(reply, "amount")
    return {
        "paymentId": reply.payment_id,
        "sessionId": reply.session_id,
        "paymentUrl": reply.payment_url,
        "expiresAt": timestamp(reply, "expires_at"),
        "amount": amount,
        "currency": currency,
    }


def webhook(reply: payment_pb2.HandleWebhookResponse) -> dict[str, Any]:
    return {"status": reply.status, "eventId": reply.event_id}


def simulated(reply: payment_pb2.SimulatePaymentResponse) -> dict[str, Any]:
    return {
        "sessionId": reply.session_id,
        "outcome": OUTCOMES.get(reply.outcome, "unspecified"),
        "status": reply.status,
    }


def refund(reply: payment_pb2.Refund) -> dict[str, Any]:
    amount, currency = money(reply, "amount")
    return {
        "id": reply.id,
        "paymentId": reply.payment_id,
        "bookingId": reply.booking_id,
        "status": REFUND_STATUS.get(reply.status, "UNSPECIFIED"),
        "amount": amount,
        "currency": currency,
        "percent": reply.percent,
        "reason": reply.reason,
        "createdAt": timestamp(reply, "created_at"),
    }


def payment(reply: payment_pb2.Payment) -> dict[str, Any]:
    amount, currency = money(reply, "amount")
    return {
        "id": reply.id,
        "sessionId": reply.session_id,
        "status": PAYMENT_STATUS.get(reply.status, "UNSPECIFIED"),
        "amount": amount,
        "currency": currency,
        "failureReason": reply.failure_reason,
        "createdAt": timestamp(reply, "created_at"),
        "updatedAt": timestamp(reply, "updated_at"),
    }


def payment_status(reply: payment_pb2.PaymentStatusResponse) -> dict[str, Any]:
    return {
        "bookingId": reply.booking_id,
        "bookingStatus": BOOKING_STATUS.get(reply.booking_status, "UNSPECIFIED"),
        "payments": [payment(item) for item in reply.payments],
        "refunds": [refund(item) for item in reply.refunds],
    }
