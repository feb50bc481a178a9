"""Inputs of the use cases: what a caller asks for, or what another context reports."""

from __future__ import annotations

from dataclasses import dataclass

from booking.domain.values import Money


@dataclass(frozen=True)
class CreateBooking:
    user_id: str
    show_id: str
    seat_ids: list[str]
    # The client's Idempotency-Key ("" for none): a resend with it answers with the same booking.
    request_key: str = ""


@dataclass(frozen=True)
class ListUserBookings:
    user_id: str
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True)
class CancelBooking:
    booking_id: str
    reason: str = ""


@dataclass(frozen=True)
class PaymentSucceeded:
    booking_id: str
    payment_id: str
    user_id: str
    amount: Money | None


@dataclass(frozen=True)
class PaymentFailed:
    booking_id: str
    payment_id: str
    amount: Money | None
    reason: str


@dataclass(frozen=True)
class PaymentExpired:
    booking_id: str
    payment_id: str


@dataclass(frozen=True)
class PaymentRefunded:
    booking_id: str
    payment_id: str
    refund_id: str
    amount: Money
    percent: int
    reason: str
    automatic: bool
