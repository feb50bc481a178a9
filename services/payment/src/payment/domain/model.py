"""Payments and refunds: their states and the guarded moves between them.

A payment is PENDING while its checkout session is open, then SUCCEEDED, FAILED or EXPIRED;
refunds move a SUCCEEDED payment to PARTIALLY_REFUNDED or REFUNDED. Provider events arrive late,
twice or out of order, so every move is guarded: a success is never undone by a late "failed" or
"expired", while a success arriving after a local FAILED/EXPIRED is recorded, because money did
move (booking then rejects it and the payment is refunded in full).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from payment.domain import events
from payment.domain.events import Event
from payment.domain.values import Money


class PaymentStatus(enum.Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"


PAID_STATUSES = frozenset(
    {PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)


class RefundStatus(enum.Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass
class Payment:
    id: str
    booking_id: str
    user_id: str
    amount: Money
    status: PaymentStatus
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    session_id: str | None = None
    payment_url: str | None = None
    failure_reason: str = ""
    refunded_minor: int = 0
    events: list[Event] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def open(
        cls, *, booking_id: str, user_id: str, amount: Money, expires_at: datetime, now: datetime
    ) -> Payment:
        return cls(
            id=str(uuid.uuid4()),
            booking_id=booking_id,
            user_id=user_id,
            amount=amount,
            status=PaymentStatus.PENDING,
            expires_at=expires_at,
            created_at=now,
            updated_at=now,
        )

    @property
    def is_paid(self) -> bool:
        return self.status in PAID_STATUSES

    @property
    def refundable_minor(self) -> int:
        return self.amount.amount_minor - self.refunded_minor

    def succeed(self, now: datetime) -> bool:
        """Record the provider's success; False when it was already recorded."""
        if self.is_paid:
            return False
        self.status = PaymentStatus.SUCCEEDED
        self.failure_reason = ""
        self.updated_at = now
        self.events.append(
            events.PaymentSucceeded(
                occurred_at=now,
                payment_id=self.id,
                booking_id=self.booking_id,
                user_id=self.user_id,
                session_id=self.session_id or "",
                amount=self.amount,
            )
        )
        return True

    def fail(self, reason: str, now: datetime) -> bool:
        """PENDING → FAILED; anything else is a late event and changes nothing."""
        if self.status is not PaymentStatus.PENDING:
            return False
        self.status = PaymentStatus.FAILED
        self.failure_reason = reason or "payment failed"
        self.updated_at = now
        self.events.append(
            events.PaymentFailed(
                occurred_at=now,
                payment_id=self.id,
                booking_id=self.booking_id,
                user_id=self.user_id,
                session_id=self.session_id or "",
                amount=self.amount,
                reason=self.failure_reason,
            )
        )
        return True

    def expire(self, reason: str, now: datetime) -> bool:
        """PENDING → EXPIRED (the checkout closed unpaid); anything else changes nothing."""
        if self.status is not PaymentStatus.PENDING:
            return False
        self.status = PaymentStatus.EXPIRED
        self.failure_reason = reason
        self.updated_at = now
        self.events.append(
            events.PaymentExpired(
                occurred_at=now,
                payment_id=self.id,
                booking_id=self.booking_id,
                user_id=self.user_id,
                session_id=self.session_id or "",
            )
        )
        return True

    def pull_events(self) -> list[Event]:
        pulled, self.events = self.events, []
        return pulled


@dataclass
class Refund:
    id: str
    payment_id: str
    booking_id: str
    user_id: str
    amount: Money
    percent: int
    reason: str
    automatic: bool
    status: RefundStatus
    created_at: datetime
    updated_at: datetime
    provider_refund_id: str | None = None
    failure_reason: str = ""
    published: bool = False

    @classmethod
    def request(
        cls,
        payment: Payment,
        *,
        amount: Money,
        percent: int,
        reason: str,
        automatic: bool,
        now: datetime,
        refund_id: str | None = None,
    ) -> Refund:
        return cls(
            id=refund_id or str(uuid.uuid4()),
            payment_id=payment.id,
            booking_id=payment.booking_id,
            user_id=payment.user_id,
            amount=amount,
            percent=percent,
            reason=reason,
            automatic=automatic,
            status=RefundStatus.PENDING,
            created_at=now,
            updated_at=now,
        )

    def reject(self, reason: str, now: datetime) -> bool:
        """The provider refused it for good; a new refund may be requested later."""
        if self.status is not RefundStatus.PENDING:
            return False
        self.status = RefundStatus.FAILED
        self.failure_reason = reason
        self.updated_at = now
        return True


def settle_refund(
    payment: Payment, refund: Refund, *, provider_refund_id: str | None, now: datetime
) -> bool:
    """The provider paid ``refund`` back: mark it, reduce the payment, and tell the others once.

    Both the provider's synchronous answer and its ``refund.succeeded`` webhook land here; the
    ``published`` flag makes sure ``payment.refunded`` goes out exactly once either way. Returns
    whether anything changed.
    """
    changed = False
    if refund.status is RefundStatus.FAILED:
        return False
    if refund.status is RefundStatus.PENDING:
        refund.status = RefundStatus.SUCCEEDED
        refund.provider_refund_id = provider_refund_id or refund.provider_refund_id
        refund.updated_at = now
        payment.refunded_minor += refund.amount.amount_minor
        fully = payment.refunded_minor >= payment.amount.amount_minor
        payment.status = PaymentStatus.REFUNDED if fully else PaymentStatus.PARTIALLY_REFUNDED
        payment.updated_at = now
        changed = True
    if not refund.published:
        refund.published = True
        payment.events.append(
            events.PaymentRefunded(
                occurred_at=now,
                payment_id=payment.id,
                booking_id=payment.booking_id,
                user_id=payment.user_id,
                refund_id=refund.id,
                amount=refund.amount,
                percent=refund.percent,
                reason=refund.reason,
                automatic=refund.automatic,
            )
        )
        changed = True
    return changed
