"""The booking aggregate: its states, the rules for moving between them, and the events it raises.

PENDING → CONFIRMED (paid in time) → REFUNDED; PENDING → EXPIRED (not paid in time) | CANCELLED.
Terminal states stay terminal. Every move appends a StatusChange with its reason and, where other
contexts must react, an event the unit of work writes to the outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from booking.domain.errors import WrongBookingState
from booking.domain.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingExpired,
    BookingPaymentRejected,
    BookingRefunded,
    Event,
)
from booking.domain.values import (
    BookedSeat,
    BookingStatus,
    Money,
    PaymentStatus,
    PaymentSummary,
    Requester,
    ShowSnapshot,
    StatusChange,
)

EXPIRY_REASON = "not paid before the booking expired"
PAYMENT_EXPIRED_REASON = "the payment session expired unpaid"


@dataclass
class Booking:
    id: str
    user_id: str
    show: ShowSnapshot
    status: BookingStatus
    total: Money
    seats: list[BookedSeat]
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    history: list[StatusChange] = field(default_factory=list)
    payment: PaymentSummary = field(default_factory=PaymentSummary)
    status_reason: str = ""
    events: list[Event] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def open(
        cls,
        *,
        booking_id: str,
        user_id: str,
        show: ShowSnapshot,
        seats: list[BookedSeat],
        total: Money,
        now: datetime,
        expires_in: timedelta,
    ) -> Booking:
        reason = "created"
        return cls(
            id=booking_id,
            user_id=user_id,
            show=show,
            status=BookingStatus.PENDING,
            total=total,
            # In the order the store reads them back: a resend answered with the stored booking
            # lists its seats as the first answer did.
            seats=sorted(seats, key=lambda seat: (seat.row_label, seat.number)),
            expires_at=now + expires_in,
            created_at=now,
            updated_at=now,
            history=[StatusChange(None, BookingStatus.PENDING, reason, now)],
            status_reason=reason,
        )

    @property
    def seat_ids(self) -> tuple[str, ...]:
        return tuple(seat.seat_id for seat in self.seats)

    def is_overdue(self, now: datetime) -> bool:
        return self.status is BookingStatus.PENDING and now >= self.expires_at

    def ensure_visible_to(self, requester: Requester) -> None:
        requester.ensure_may_act_for(
            self.user_id, refusal=f"booking {self.id} belongs to another user"
        )

    def cancel(self, *, reason: str, now: datetime) -> None:
        if self.status is BookingStatus.CONFIRMED:
            raise WrongBookingState(
                f"booking {self.id} is CONFIRMED and cannot be cancelled; "
                f"request a refund with POST /payments/refund/{self.id}",
                details={"booking_id": self.id, "status": self.status.value},
            )
        if self.status is not BookingStatus.PENDING:
            raise WrongBookingState(
                f"booking is already {self.status.value}",
                details={"booking_id": self.id, "status": self.status.value},
            )
        self._move(BookingStatus.CANCELLED, reason or "cancelled by the user", now)
        self.events.append(
            BookingCancelled(
                booking_id=self.id,
                user_id=self.user_id,
                occurred_at=now,
                show_id=self.show.show_id,
                seat_ids=self.seat_ids,
                reason=self.status_reason,
            )
        )

    def expire(self, *, now: datetime, reason: str = EXPIRY_REASON) -> None:
        """PENDING → EXPIRED; the event tells inventory to put the seats back on sale."""
        if self.status is not BookingStatus.PENDING:
            return
        self._move(BookingStatus.EXPIRED, reason, now)
        self.events.append(
            BookingExpired(
                booking_id=self.id,
                user_id=self.user_id,
                occurred_at=now,
                show_id=self.show.show_id,
                seat_ids=self.seat_ids,
            )
        )

    def payment_succeeded(self, *, payment_id: str, amount: Money | None, now: datetime) -> None:
        """Confirm if still PENDING and in time; otherwise have the payment refunded in full."""
        if self.status is BookingStatus.CONFIRMED and self.payment.payment_id == payment_id:
            return
        rejection = self._why_payment_cannot_confirm(amount, now)
        if rejection is None:
            self.payment = PaymentSummary(PaymentStatus.SUCCEEDED, payment_id, amount or self.total)
            self._move(BookingStatus.CONFIRMED, "payment succeeded", now)
            self.events.append(
                BookingConfirmed(
                    booking_id=self.id,
                    user_id=self.user_id,
                    occurred_at=now,
                    show_id=self.show.show_id,
                    seat_ids=self.seat_ids,
                    total=self.total,
                )
            )
            return
        refunded = f"{rejection}; the payment is refunded in full"
        if self.is_overdue(now):
            self.expire(now=now, reason=refunded)
        elif self.status not in (BookingStatus.CONFIRMED, BookingStatus.REFUNDED):
            self.status_reason = refunded
            self.updated_at = now
        if self.status not in (BookingStatus.CONFIRMED, BookingStatus.REFUNDED):
            self.payment = PaymentSummary(PaymentStatus.SUCCEEDED, payment_id, amount)
        self.events.append(
            BookingPaymentRejected(
                booking_id=self.id,
                user_id=self.user_id,
                occurred_at=now,
                payment_id=payment_id,
                amount=amount,
                reason=rejection,
            )
        )

    def payment_failed(
        self, *, payment_id: str, amount: Money | None, reason: str, now: datetime, grace: timedelta
    ) -> None:
        """Keep the booking PENDING and give the user at least `grace` to retry; never shorten."""
        if self.status is not BookingStatus.PENDING:
            return
        self.payment = PaymentSummary(PaymentStatus.FAILED, payment_id, amount)
        self.status_reason = f"payment failed: {reason}" if reason else "payment failed"
        if not self.is_overdue(now):
            self.expires_at = max(self.expires_at, now + grace)
        self.updated_at = now

    def payment_expired(self, *, payment_id: str, now: datetime) -> None:
        """The checkout session expired unpaid: PENDING → EXPIRED, its seats go back on sale.

        As the provider says the customer can no longer pay, holding the seats until the
        booking's own deadline would only keep them from other customers.
        """
        if self.status is not BookingStatus.PENDING:
            return
        self.payment = replace(self.payment, status=PaymentStatus.EXPIRED, payment_id=payment_id)
        self.expire(now=now, reason=PAYMENT_EXPIRED_REASON)

    def refunded(self, *, payment_id: str, amount: Money, reason: str, now: datetime) -> None:
        """CONFIRMED → REFUNDED for a refund of its payment; other refunds are only recorded."""
        if self.payment.payment_id and self.payment.payment_id != payment_id:
            return
        refunded_minor = self.payment.refunded_minor + amount.amount_minor
        paid = self.payment.amount.amount_minor if self.payment.amount else amount.amount_minor
        status = (
            PaymentStatus.REFUNDED if refunded_minor >= paid else PaymentStatus.PARTIALLY_REFUNDED
        )
        self.payment = replace(
            self.payment, status=status, payment_id=payment_id, refunded_minor=refunded_minor
        )
        self.updated_at = now
        if self.status is not BookingStatus.CONFIRMED:
            return
        self._move(BookingStatus.REFUNDED, reason or f"refunded {amount}", now)
        self.events.append(
            BookingRefunded(
                booking_id=self.id,
                user_id=self.user_id,
                occurred_at=now,
                show_id=self.show.show_id,
                seat_ids=self.seat_ids,
                refunded=amount,
            )
        )

    def pull_events(self) -> list[Event]:
        pulled, self.events = self.events, []
        return pulled

    def _why_payment_cannot_confirm(self, amount: Money | None, now: datetime) -> str | None:
        if self.status is BookingStatus.CONFIRMED:
            return f"booking is already CONFIRMED by payment {self.payment.payment_id}"
        if self.status is not BookingStatus.PENDING:
            return f"booking is already {self.status.value}"
        if now >= self.expires_at:
            return f"payment arrived after the booking expired at {self.expires_at.isoformat()}"
        if amount is not None and amount != self.total:
            return f"payment amount {amount} does not match the booking total {self.total}"
        return None

    def _move(self, to: BookingStatus, reason: str, now: datetime) -> None:
        self.history.append(StatusChange(self.status, to, reason, now))
        self.status = to
        self.status_reason = reason
        self.updated_at = now
