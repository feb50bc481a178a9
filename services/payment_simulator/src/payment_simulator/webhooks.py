"""Webhook events and their delivery: in the background, signed, retried until a 2xx.

Each attempt is signed afresh (a new ``t=``), as real providers do, so a delivery retried for
longer than the receiver's tolerance still verifies. The body and the event id stay the same on
every attempt, which is what lets the receiver process each event once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from payment_simulator.config import Settings
from payment_simulator.signing import SIGNATURE_HEADER, sign
from payment_simulator.store import FAILED, Refund, Session, new_id
from svckit.logging import get_logger

log = get_logger(__name__)

PAYMENT_EVENT_TYPES = {
    "paid": "payment.success",
    "failed": "payment.failed",
    "expired": "payment.expired",
}
REFUND_SUCCEEDED = "refund.succeeded"


def session_event(session: Session, created: int) -> dict[str, Any]:
    """The webhook for a session that reached ``paid``, ``failed`` or ``expired``."""
    data: dict[str, Any] = {
        "sessionId": session.id,
        "bookingId": session.booking_id,
        "amount": session.amount,
        "currency": session.currency,
        "status": session.status,
        "metadata": dict(session.metadata),
    }
    if session.status == FAILED:
        data["failureReason"] = session.failure_reason
    return {
        "id": new_id("evt"),
        "type": PAYMENT_EVENT_TYPES[session.status],
        "created": created,
        "data": data,
    }


def refund_event(refund: Refund, session: Session, created: int) -> dict[str, Any]:
    return {
        "id": new_id("evt"),
        "type": REFUND_SUCCEEDED,
        "created": created,
        "data": {
            "refundId": refund.id,
            "sessionId": session.id,
            "bookingId": session.booking_id,
            "amount": refund.amount,
            "currency": refund.currency,
            "reason": refund.reason,
            "metadata": dict(refund.metadata),
        },
    }


class DeliveryFailed(Exception):
    pass


@dataclass
class Delivery:
    """One event's delivery record, as a provider dashboard would show it."""

    event: dict[str, Any]
    body: bytes
    attempts: int = 0
    delivered: bool = False
    gave_up: bool = False
    last_status: int | None = None
    last_error: str = ""
    statuses: list[int | None] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "attempts": self.attempts,
            "delivered": self.delivered,
            "gave_up": self.gave_up,
            "last_status": self.last_status,
            "last_error": self.last_error,
        }


class WebhookSender:
    def __init__(
        self,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._client = client
        self._clock = clock
        self.deliveries: dict[str, Delivery] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, event: dict[str, Any]) -> Delivery:
        """Deliver ``event`` in the background; returns its delivery record at once."""
        delivery = Delivery(event=event, body=json.dumps(event, separators=(",", ":")).encode())
        self.deliveries[event["id"]] = delivery
        task = asyncio.create_task(self._deliver(delivery), name=f"webhook {event['id']}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return delivery

    async def idle(self) -> None:
        """Wait until every scheduled delivery finished (delivered or given up)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        undelivered = [d.event["id"] for d in self.deliveries.values() if not d.delivered]
        if undelivered:
            log.warning("webhook.undelivered_at_shutdown", events=undelivered)

    async def _deliver(self, delivery: Delivery) -> None:
        settings = self._settings
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(settings.webhook_max_attempts)
                | stop_after_delay(settings.webhook_max_elapsed_seconds),
                wait=wait_exponential(
                    multiplier=settings.webhook_initial_backoff_seconds,
                    max=settings.webhook_max_backoff_seconds,
                ),
                retry=retry_if_exception_type(DeliveryFailed),
                reraise=True,
            ):
                with attempt:
                    await self._attempt(delivery)
        except DeliveryFailed:
            delivery.gave_up = True
            log.error(
                "webhook.gave_up",
                event_id=delivery.event["id"],
                attempts=delivery.attempts,
                last_status=delivery.last_status,
                last_error=delivery.last_error,
            )

    async def _attempt(self, delivery: Delivery) -> None:
        delivery.attempts += 1
        header = sign(delivery.body, self._settings.webhook_secrets, int(self._clock()))
        try:
            response = await self._client.post(
                self._settings.webhook_url,
                content=delivery.body,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: header,
                    "User-Agent": "ticketing-payment-simulator/1",
                },
                timeout=self._settings.webhook_timeout_seconds,
            )
        except httpx.HTTPError as exc:
            delivery.last_status, delivery.last_error = None, repr(exc)
            delivery.statuses.append(None)
            log.warning(
                "webhook.attempt_failed",
                event_id=delivery.event["id"],
                error=repr(exc),
                attempt=delivery.attempts,
            )
            raise DeliveryFailed(repr(exc)) from exc
        delivery.last_status = response.status_code
        delivery.statuses.append(response.status_code)
        if not response.is_success:
            delivery.last_error = response.text[:500]
            log.warning(
                "webhook.attempt_rejected",
                event_id=delivery.event["id"],
                status=response.status_code,
                attempt=delivery.attempts,
            )
            raise DeliveryFailed(f"HTTP {response.status_code}")
        delivery.delivered = True
        delivery.last_error = ""
        log.info(
            "webhook.delivered",
            event_id=delivery.event["id"],
            type=delivery.event["type"],
            attempts=delivery.attempts,
        )
