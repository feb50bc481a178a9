"""Refunds: on request by the time-based policy, automatically for rejected payments, and the
settlement with the provider that both share.

A refund row is written first (PENDING; at most one live refund per payment, by a unique partial
index) and its id is the provider's idempotency key. Only then is the provider asked, outside any
transaction, so a crash, a timeout or a concurrent second request can at worst ask again with the
same key, which the provider answers with the same refund. Refunds still PENDING when their next
attempt is due are retried by a background job with exponential backoff.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from payment.domain.errors import (
    NotOwner,
    ProviderRejected,
    ProviderUnavailable,
    RefundWindowClosed,
    SessionNotFound,
    ShowAlreadyStarted,
    WrongBookingState,
    WrongPaymentState,
)
from payment.domain.model import (
    PAID_STATUSES,
    Payment,
    Refund,
    RefundStatus,
    settle_refund,
)
from payment.domain.refund_policy import FULL_REFUND_PERCENT, RefundPolicy, refund_amount, why
from payment.domain.values import BookingStatus, Money, Requester, canonical_id, require_uuid
from payment.service_layer.ports import (
    BookingDirectory,
    Clock,
    PaymentProvider,
    UnitOfWork,
    UnitOfWorkFactory,
)
from svckit.logging import get_logger

log = get_logger(__name__)

AUTOMATIC_REFUND_NAMESPACE = uuid.UUID("5d6c1c4e-2f0a-4c55-9a35-6c1f0e1b7a01")


@dataclass(frozen=True)
class RefundQuote:
    """What ``refund_booking`` would pay back now: ``percent`` of ``paid``, or refused (0)."""

    booking_id: str
    refundable: bool
    percent: int
    amount: Money
    paid: Money
    reason: str
    show_starts_at: datetime


class Refunds:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        bookings: BookingDirectory,
        provider: PaymentProvider,
        clock: Clock,
        policy: RefundPolicy,
        retry_base_seconds: float = 1.0,
        retry_max_seconds: float = 300.0,
        inline_grace_seconds: float = 30.0,
        batch_size: int = 20,
    ) -> None:
        self._uow = uow
        self._bookings = bookings
        self._provider = provider
        self._clock = clock
        self._policy = policy
        self._retry_base_seconds = retry_base_seconds
        self._retry_max_seconds = retry_max_seconds
        self._inline_grace = timedelta(seconds=inline_grace_seconds)
        self._batch_size = batch_size

    async def refund_booking(
        self, *, booking_id: str, user_id: str, reason: str, requester: Requester
    ) -> Refund:
        """Refund a CONFIRMED booking by the policy; a repeated request gets the same refund."""
        user_id = requester.acting_for(user_id)
        booking_id = require_uuid("booking_id", booking_id)
        booking = await self._bookings.get_booking(booking_id, requester)
        requester.ensure_may_see(booking.user_id, f"booking {booking_id}")
        if canonical_id(booking.user_id) != user_id:
            raise NotOwner(f"booking {booking_id} belongs to another user")
        now = self._clock.now()
        async with self._uow() as uow:
            paid = await uow.payments.list_for_booking(
                booking_id, statuses=sorted(PAID_STATUSES, key=str), for_update=True
            )
            refund = await _requested_refund(uow, paid)
            if refund is None:
                if booking.status is not BookingStatus.CONFIRMED:
                    raise WrongBookingState(
                        f"booking {booking_id} is {booking.status.value}; "
                        "only a CONFIRMED booking can be refunded",
                        details={"booking_id": booking_id, "status": booking.status.value},
                    )
                payment = await _confirming_payment(uow, paid)
                if payment is None:
                    raise WrongPaymentState(
                        f"booking {booking_id} has no successful payment to refund yet",
                        details={"booking_id": booking_id},
                    )
                percent = self._policy.percent(booking.show_starts_at, now)
                refund = await uow.refunds.add_if_absent(
                    Refund.request(
                        payment,
                        amount=refund_amount(payment.amount, percent),
                        percent=percent,
                        reason=reason
                        or f"refund requested {_hours_before(booking.show_starts_at, now)}",
                        automatic=False,
                        now=now,
                    ),
                    first_attempt_at=now + self._inline_grace,
                )
            await uow.commit()
        if refund.status is RefundStatus.PENDING:
            refund = await self.settle(refund.id)
        return refund

    async def quote(self, *, booking_id: str, user_id: str, requester: Requester) -> RefundQuote:
        """The refund the policy gives a CONFIRMED booking of the caller now; changes nothing."""
        user_id = requester.acting_for(user_id)
        booking_id = require_uuid("booking_id", booking_id)
        booking = await self._bookings.get_booking(booking_id, requester)
        requester.ensure_may_see(booking.user_id, f"booking {booking_id}")
        if canonical_id(booking.user_id) != user_id:
            raise NotOwner(f"booking {booking_id} belongs to another user")
        if booking.status is not BookingStatus.CONFIRMED:
            raise WrongBookingState(
                f"booking {booking_id} is {booking.status.value}; "
                "only a CONFIRMED booking can be refunded",
                details={"booking_id": booking_id, "status": booking.status.value},
            )
        async with self._uow() as uow:
            paid = await uow.payments.list_for_booking(
                booking_id, statuses=sorted(PAID_STATUSES, key=str)
            )
            payment = await _confirming_payment(uow, paid)
        if payment is None:
            raise WrongPaymentState(
                f"booking {booking_id} has no successful payment to refund yet",
                details={"booking_id": booking_id},
            )
        now = self._clock.now()
        nothing = Money(0, payment.amount.currency)
        try:
            percent = self._policy.percent(booking.show_starts_at, now)
        except (RefundWindowClosed, ShowAlreadyStarted) as refused:
            return RefundQuote(
                booking_id, False, 0, nothing, payment.amount, str(refused), booking.show_starts_at
            )
        return RefundQuote(
            booking_id=booking_id,
            refundable=True,
            percent=percent,
            amount=refund_amount(payment.amount, percent),
            paid=payment.amount,
            reason=why(booking.show_starts_at, now, self._policy),
            show_starts_at=booking.show_starts_at,
        )

    async def refund_rejected_payment(
        self, uow: UnitOfWork, *, payment_id: str, reason: str
    ) -> Refund | None:
        """Queue the full refund of a payment booking could not accept (in the caller's
        transaction); the retry job sends it to the provider right after it commits.

        The refund id is derived from the payment id, so it is the same idempotency key however
        often the rejection is handled.
        """
        now = self._clock.now()
        async with uow:
            payment = await uow.payments.get_for_update(payment_id)
            if payment is None or not payment.is_paid:
                log.warning(
                    "payment.automatic_refund_impossible",
                    payment_id=payment_id,
                    status="unknown" if payment is None else payment.status.value,
                )
                return None
            refund = await uow.refunds.active_for_payment(payment.id)
            if refund is None and payment.refundable_minor > 0:
                refund = await uow.refunds.add_if_absent(
                    Refund.request(
                        payment,
                        amount=Money(payment.refundable_minor, payment.amount.currency),
                        percent=FULL_REFUND_PERCENT,
                        reason=reason or "payment rejected by booking",
                        automatic=True,
                        now=now,
                        refund_id=str(uuid.uuid5(AUTOMATIC_REFUND_NAMESPACE, payment.id)),
                    ),
                    first_attempt_at=now,
                )
            await uow.commit()
        return refund

    async def settle(self, refund_id: str) -> Refund:
        """Have the provider pay ``refund_id`` back and record it; safe to repeat."""
        async with self._uow() as uow:
            refund = await uow.refunds.get(refund_id)
            payment = await uow.payments.get(refund.payment_id) if refund else None
        if refund is None or payment is None:
            raise LookupError(f"refund {refund_id} or its payment is missing")
        if refund.status is not RefundStatus.PENDING:
            return refund
        if not payment.session_id:
            return await self._reject(refund, payment, "the payment has no provider session")
        try:
            provider_refund = await self._provider.refund(
                session_id=payment.session_id,
                amount=refund.amount,
                reason=refund.reason,
                metadata={
                    "refundId": refund.id,
                    "paymentId": payment.id,
                    "bookingId": payment.booking_id,
                },
                idempotency_key=refund.id,
            )
        except (ProviderRejected, SessionNotFound, WrongPaymentState) as exc:
            return await self._reject(refund, payment, str(exc))
        async with self._uow() as uow:
            locked_payment = await uow.payments.get_for_update(payment.id)
            locked = await uow.refunds.get_for_update(refund.id)
            assert locked_payment is not None and locked is not None
            if settle_refund(
                locked_payment, locked, provider_refund_id=provider_refund.id, now=self._clock.now()
            ):
                await uow.payments.update(locked_payment)
                await uow.refunds.update(locked)
                for event in locked_payment.pull_events():
                    uow.publish(event)
            await uow.commit()
        return locked

    async def settle_due(self) -> int:
        """One round of the retry job: settle every PENDING refund whose attempt is due."""
        async with self._uow() as uow:
            due = await uow.refunds.claim_due(
                self._clock.now(),
                limit=self._batch_size,
                retry_base_seconds=self._retry_base_seconds,
                retry_max_seconds=self._retry_max_seconds,
            )
            await uow.commit()
        for refund in due:
            try:
                await self.settle(refund.id)
            except ProviderUnavailable as exc:
                log.warning("payment.refund_not_settled", refund_id=refund.id, error=str(exc))
            except ProviderRejected as exc:
                log.error("payment.refund_refused", refund_id=refund.id, error=str(exc))
        return len(due)

    async def _reject(self, refund: Refund, payment: Payment, why: str) -> Refund:
        async with self._uow() as uow:
            await uow.payments.get_for_update(payment.id)
            locked = await uow.refunds.get_for_update(refund.id)
            assert locked is not None
            if locked.reject(why, self._clock.now()):
                await uow.refunds.update(locked)
            await uow.commit()
        if locked.status is RefundStatus.FAILED:
            raise ProviderRejected(
                f"the payment provider refused the refund: {why}",
                details={"refund_id": refund.id, "payment_id": payment.id},
            )
        return locked


async def _requested_refund(uow: UnitOfWork, paid: list[Payment]) -> Refund | None:
    """A refund the customer already asked for (not an automatic one), newest payment first."""
    for payment in paid:
        refund = await uow.refunds.active_for_payment(payment.id)
        if refund is not None and not refund.automatic:
            return refund
    return None


async def _confirming_payment(uow: UnitOfWork, paid: list[Payment]) -> Payment | None:
    """The payment that confirmed the booking: paid and not being refunded automatically."""
    for payment in paid:
        if await uow.refunds.active_for_payment(payment.id) is None:
            return payment
    return None


def _hours_before(show_starts_at: datetime, now: datetime) -> str:
    hours = (show_starts_at - now).total_seconds() / 3600
    return f"{hours:.1f} h before the show"
