"""Use cases around a booking's payment: open the checkout, simulate it, report the status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from payment.domain.errors import (
    AmountMismatch,
    BookingExpired,
    NotOwner,
    SessionNotFound,
    SimulationDisabled,
    WrongBookingState,
)
from payment.domain.model import Payment, Refund
from payment.domain.values import BookingStatus, BookingView, Requester, canonical_id, require_uuid
from payment.service_layer.ports import (
    BookingDirectory,
    CheckoutSession,
    Clock,
    PaymentProvider,
    SessionOutcome,
    UnitOfWorkFactory,
)


@dataclass(frozen=True)
class InitiatedPayment:
    payment: Payment
    expires_at: datetime


@dataclass(frozen=True)
class PaymentOverview:
    booking: BookingView
    payments: list[Payment]
    refunds: list[Refund]


class Payments:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        bookings: BookingDirectory,
        provider: PaymentProvider,
        clock: Clock,
        simulation_enabled: bool,
    ) -> None:
        self._uow = uow
        self._bookings = bookings
        self._provider = provider
        self._clock = clock
        self._simulation_enabled = simulation_enabled

    async def initiate(
        self,
        *,
        booking_id: str,
        user_id: str,
        requester: Requester,
        expected_amount_minor: int | None = None,
    ) -> InitiatedPayment:
        """Open a checkout session for a PENDING booking, or return the one already open.

        ``expected_amount_minor`` is the total the client believes it pays; a client whose
        view of the booking is stale must not be charged another amount (AmountMismatch).

        The payment row is stored first (one open payment per booking, by a unique partial
        index) and its id is the provider idempotency key, so concurrent or retried initiates
        end up with one row and one provider session, never a second charge.
        """
        user_id = requester.acting_for(user_id)
        booking_id = require_uuid("booking_id", booking_id)
        booking = await self._bookings.get_booking(booking_id, requester)
        if canonical_id(booking.user_id) != user_id:
            raise NotOwner(f"booking {booking_id} belongs to another user")
        if (
            expected_amount_minor is not None
            and expected_amount_minor != booking.total.amount_minor
        ):
            raise AmountMismatch(
                booking_id,
                expected_amount_minor,
                booking.total.amount_minor,
                booking.total.currency,
            )
        if booking.status is not BookingStatus.PENDING:
            raise WrongBookingState(
                f"booking {booking_id} is {booking.status.value}; "
                "only a PENDING booking can be paid",
                details={"booking_id": booking_id, "status": booking.status.value},
            )
        now = self._clock.now()
        if now >= booking.expires_at:
            raise BookingExpired(
                f"booking {booking_id} expired at {booking.expires_at.isoformat()}",
                details={"booking_id": booking_id, "expires_at": booking.expires_at.isoformat()},
            )
        async with self._uow() as uow:
            payment = await uow.payments.add_or_get_open(
                Payment.open(
                    booking_id=booking_id,
                    user_id=user_id,
                    amount=booking.total,
                    expires_at=booking.expires_at,
                    now=now,
                )
            )
            await uow.commit()
        if payment.session_id is None or payment.payment_url is None:
            session = await self._provider.create_session(
                booking_id=booking_id,
                amount=payment.amount,
                expires_at=payment.expires_at,
                metadata={"paymentId": payment.id, "bookingId": booking_id, "userId": user_id},
                idempotency_key=payment.id,
            )
            async with self._uow() as uow:
                payment = await uow.payments.attach_session(payment.id, session.id, session.url)
                await uow.commit()
        return InitiatedPayment(payment=payment, expires_at=booking.expires_at)

    async def simulate(
        self, *, session_id: str, outcome: SessionOutcome, requester: Requester
    ) -> CheckoutSession:
        """Development only: the provider completes the session and then sends its webhook."""
        if not self._simulation_enabled:
            raise SimulationDisabled("payment simulation is available only when ENV=development")
        requester.identity()
        async with self._uow() as uow:
            payment = await uow.payments.find_by_session(session_id)
        if payment is None:
            raise SessionNotFound(session_id)
        requester.ensure_may_see(payment.user_id, f"payment session {session_id}")
        return await self._provider.complete_session(session_id, outcome)

    async def status(self, *, booking_id: str, requester: Requester) -> PaymentOverview:
        requester.identity()
        booking_id = require_uuid("booking_id", booking_id)
        booking = await self._bookings.get_booking(booking_id, requester)
        requester.ensure_may_see(booking.user_id, f"booking {booking_id}")
        async with self._uow() as uow:
            payments = await uow.payments.list_for_booking(booking_id)
            refunds = await uow.refunds.list_for_booking(booking_id)
        return PaymentOverview(booking=booking, payments=payments, refunds=refunds)
