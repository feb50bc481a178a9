"""Reactions to payment outcomes. Each runs in the consumer's transaction with the booking row
locked (FOR UPDATE), so two events about one booking apply one after the other."""

from __future__ import annotations

import uuid

from booking.domain import commands
from booking.domain.events import BookingPaymentRejected
from booking.domain.model import Booking
from booking.service_layer.hot_seats import HotSeats
from booking.service_layer.ports import Clock, UnitOfWork
from booking.service_layer.services import BookingPolicy, save
from svckit.logging import get_logger

log = get_logger(__name__)


class PaymentEvents:
    def __init__(
        self, *, clock: Clock, policy: BookingPolicy, hot_seats: HotSeats | None = None
    ) -> None:
        self._clock = clock
        self._policy = policy
        self._hot_seats = hot_seats if hot_seats is not None else HotSeats()

    async def succeeded(self, uow: UnitOfWork, cmd: commands.PaymentSucceeded) -> None:
        async with uow:
            booking = await _locked(uow, cmd.booking_id)
            now = self._clock.now()
            if booking is None:
                log.warning(
                    "booking.payment_unknown_booking",
                    payment_id=cmd.payment_id,
                    booking_id=cmd.booking_id,
                )
                uow.publish(
                    BookingPaymentRejected(
                        booking_id=cmd.booking_id,
                        user_id=cmd.user_id,
                        occurred_at=now,
                        payment_id=cmd.payment_id,
                        amount=cmd.amount,
                        reason="booking not found",
                    )
                )
            else:
                booking.payment_succeeded(payment_id=cmd.payment_id, amount=cmd.amount, now=now)
                await self._save(uow, booking)
            await uow.commit()

    async def failed(self, uow: UnitOfWork, cmd: commands.PaymentFailed) -> None:
        async with uow:
            booking = await _locked(uow, cmd.booking_id)
            if booking is None:
                log.warning("booking.failed_payment_unknown_booking", payment_id=cmd.payment_id)
                return
            booking.payment_failed(
                payment_id=cmd.payment_id,
                amount=cmd.amount,
                reason=cmd.reason,
                now=self._clock.now(),
                grace=self._policy.payment_retry_grace,
            )
            await self._save(uow, booking)
            await uow.commit()

    async def expired(self, uow: UnitOfWork, cmd: commands.PaymentExpired) -> None:
        async with uow:
            booking = await _locked(uow, cmd.booking_id)
            if booking is None:
                log.warning("booking.expired_payment_unknown_booking", payment_id=cmd.payment_id)
                return
            booking.payment_expired(payment_id=cmd.payment_id, now=self._clock.now())
            await self._save(uow, booking)
            await uow.commit()

    async def refunded(self, uow: UnitOfWork, cmd: commands.PaymentRefunded) -> None:
        async with uow:
            booking = await _locked(uow, cmd.booking_id)
            if booking is None:
                log.warning("booking.refund_unknown_booking", refund_id=cmd.refund_id)
                return
            reason = cmd.reason or f"refunded {cmd.percent}% ({cmd.amount})"
            if cmd.automatic:
                reason = f"automatic refund: {reason}"
            booking.refunded(
                payment_id=cmd.payment_id, amount=cmd.amount, reason=reason, now=self._clock.now()
            )
            await self._save(uow, booking)
            await uow.commit()

    async def _save(self, uow: UnitOfWork, booking: Booking) -> None:
        await save(uow, booking)
        self._hot_seats.given_back(booking)


async def _locked(uow: UnitOfWork, booking_id: str) -> Booking | None:
    try:
        uuid.UUID(booking_id)
    except ValueError:
        return None
    return await uow.bookings.get_for_update(booking_id)
