"""Reactions to booking's events, each inside the consumer's transaction (processed once).

``booking.payment_rejected``: the payment succeeded for a booking that could not take it, so it
is refunded in full. ``booking.expired`` / ``booking.cancelled``: open checkout sessions are
closed at the provider so the customer cannot pay any more, and the payments become EXPIRED. The
provider is asked before any payment row is locked, so no lock waits on the network.
"""

from __future__ import annotations

from payment.domain.errors import (
    ProviderRejected,
    ProviderUnavailable,
    SessionNotFound,
    WrongPaymentState,
)
from payment.domain.model import PaymentStatus
from payment.domain.values import uuid_or_none
from payment.service_layer.ports import Clock, PaymentProvider, UnitOfWork
from payment.service_layer.refunds import Refunds
from svckit.logging import get_logger

log = get_logger(__name__)


class BookingEvents:
    def __init__(self, *, refunds: Refunds, provider: PaymentProvider, clock: Clock) -> None:
        self._refunds = refunds
        self._provider = provider
        self._clock = clock

    async def payment_rejected(self, uow: UnitOfWork, *, payment_id: str, reason: str) -> None:
        canonical = uuid_or_none(payment_id)
        if canonical is None:
            log.warning("payment.rejected_payment_id_invalid", payment_id=payment_id)
            return
        await self._refunds.refund_rejected_payment(uow, payment_id=canonical, reason=reason)

    async def booking_closed(self, uow: UnitOfWork, *, booking_id: str, why: str) -> None:
        canonical = uuid_or_none(booking_id)
        if canonical is None:
            log.warning("payment.booking_event_id_invalid", booking_id=booking_id)
            return
        booking_id = canonical
        async with uow:
            open_payments = await uow.payments.list_for_booking(
                booking_id, statuses=[PaymentStatus.PENDING]
            )
            keep_open: set[str] = set()
            for payment in open_payments:
                if not payment.session_id:
                    continue
                try:
                    session = await self._provider.expire_session(payment.session_id)
                except WrongPaymentState as exc:
                    # Paid or failed at the provider just now: its own webhook tells which.
                    log.info(
                        "payment.session_not_expired", session_id=payment.session_id, error=str(exc)
                    )
                    keep_open.add(payment.id)
                    continue
                except (ProviderUnavailable, ProviderRejected, SessionNotFound) as exc:
                    # Closed here anyway: a success that still arrives is refunded automatically.
                    log.warning(
                        "payment.session_expiry_failed",
                        session_id=payment.session_id,
                        error=str(exc),
                    )
                    continue
                if session.status in ("paid", "failed"):
                    keep_open.add(payment.id)
            now = self._clock.now()
            for payment in await uow.payments.list_for_booking(
                booking_id, statuses=[PaymentStatus.PENDING], for_update=True
            ):
                if payment.id in keep_open or not payment.expire(why, now):
                    continue
                await uow.payments.update(payment)
                for event in payment.pull_events():
                    uow.publish(event)
            await uow.commit()
