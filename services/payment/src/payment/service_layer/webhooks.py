"""The provider's webhooks: authenticate, then apply each provider event exactly once.

The event id is inserted into ``webhook_events`` in the same transaction as its effect. A
concurrent duplicate blocks on that insert until the first transaction ends, then finds the row
and reports "duplicate" (2xx, so the provider stops retrying); if the first rolled back, the
duplicate does the work. Nothing is written for a request whose signature fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from payment.domain import provider_events as pe
from payment.domain.model import settle_refund
from payment.domain.provider_events import ProviderEvent, parse_provider_event
from payment.domain.values import uuid_or_none
from payment.domain.webhook_signature import DEFAULT_TOLERANCE_SECONDS, verify_signature
from payment.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory
from svckit.logging import get_logger

log = get_logger(__name__)

PROCESSED = "processed"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class WebhookResult:
    status: str
    event_id: str
    outcome: str = ""


class Webhooks:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        secrets: Sequence[str],
        tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    ) -> None:
        if not secrets:
            raise ValueError("at least one webhook secret is required")
        self._uow = uow
        self._clock = clock
        self._secrets = tuple(secrets)
        self._tolerance_seconds = tolerance_seconds

    async def handle(self, payload: bytes, signature: str) -> WebhookResult:
        now = self._clock.now()
        verify_signature(
            payload,
            signature,
            self._secrets,
            now=now.timestamp(),
            tolerance_seconds=self._tolerance_seconds,
        )
        event = parse_provider_event(payload)
        async with self._uow() as uow:
            if not await uow.webhook_events.record(event.id, event.type, payload, now):
                log.info("payment.webhook_duplicate", event_id=event.id)
                return WebhookResult(DUPLICATE, event.id)
            outcome = await self._apply(uow, event, now)
            await uow.webhook_events.set_outcome(event.id, outcome)
            await uow.commit()
        log.info("payment.webhook_processed", event_id=event.id, type=event.type, outcome=outcome)
        return WebhookResult(PROCESSED, event.id, outcome)

    async def _apply(self, uow: UnitOfWork, event: ProviderEvent, now: datetime) -> str:
        if event.type in (pe.PAYMENT_SUCCESS, pe.PAYMENT_FAILED, pe.PAYMENT_EXPIRED):
            return await self._payment_outcome(uow, event, now)
        if event.type == pe.REFUND_SUCCEEDED:
            return await self._refund_succeeded(uow, event, now)
        return f"ignored: unknown event type {event.type}"

    async def _payment_outcome(self, uow: UnitOfWork, event: ProviderEvent, now: datetime) -> str:
        payment = await uow.payments.find_for_update(
            session_id=event.session_id, payment_id=uuid_or_none(event.payment_id)
        )
        if payment is None:
            log.warning(
                "payment.webhook_unknown_session", event_id=event.id, session_id=event.session_id
            )
            return "ignored: unknown session"
        if payment.session_id is None and event.session_id:
            payment.session_id = event.session_id
        if event.amount is not None and event.amount != payment.amount:
            log.warning(
                "payment.webhook_amount_differs",
                event_id=event.id,
                amount=str(event.amount),
                payment_id=payment.id,
                payment_amount=str(payment.amount),
            )
        if event.type == pe.PAYMENT_SUCCESS:
            changed = payment.succeed(now)
        elif event.type == pe.PAYMENT_FAILED:
            changed = payment.fail(event.failure_reason or "the payment was declined", now)
        else:
            changed = payment.expire("the checkout session expired", now)
        if not changed:
            return f"ignored: payment already {payment.status.value}"
        await uow.payments.update(payment)
        for domain_event in payment.pull_events():
            uow.publish(domain_event)
        return f"payment {payment.status.value}"

    async def _refund_succeeded(self, uow: UnitOfWork, event: ProviderEvent, now: datetime) -> str:
        refund_id = uuid_or_none(event.refund_id)
        refund = await uow.refunds.get(refund_id) if refund_id else None
        if refund is None and event.provider_refund_id:
            refund = await uow.refunds.find_by_provider_id(event.provider_refund_id)
        if refund is None:
            log.warning(
                "payment.webhook_unknown_refund", event_id=event.id, refund_id=event.refund_id
            )
            return "ignored: unknown refund"
        # Lock order payment → refund, as everywhere else.
        payment = await uow.payments.get_for_update(refund.payment_id)
        locked = await uow.refunds.get_for_update(refund.id)
        assert payment is not None and locked is not None
        if not settle_refund(payment, locked, provider_refund_id=event.provider_refund_id, now=now):
            return f"ignored: refund already {locked.status.value}"
        await uow.payments.update(payment)
        await uow.refunds.update(locked)
        for domain_event in payment.pull_events():
            uow.publish(domain_event)
        return f"refund {locked.status.value}"
