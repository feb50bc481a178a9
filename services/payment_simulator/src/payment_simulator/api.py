"""The provider's JSON API: checkout sessions and refunds, idempotent by ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from payment_simulator.store import SessionStore
from payment_simulator.webhooks import WebhookSender, refund_event, session_event

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


class _Body(BaseModel):
    """Fields in snake_case; camelCase spellings are accepted too."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class CreateSessionBody(_Body):
    booking_id: str = Field(min_length=1, max_length=100)
    amount: int = Field(gt=0)
    currency: str = Field(default="INR", min_length=3, max_length=3)
    expires_at: datetime | None = None
    metadata: dict[str, str] = Field(default_factory=dict)


class CompleteSessionBody(_Body):
    outcome: Literal["success", "failed", "expired"]
    failure_reason: str = ""


class CreateRefundBody(_Body):
    session_id: str = Field(min_length=1)
    amount: int = Field(gt=0)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    reason: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)


def _fingerprint(operation: str, body: BaseModel | None = None) -> str:
    payload = body.model_dump(mode="json") if body is not None else {}
    canonical = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def api_router(store: SessionStore, sender: WebhookSender) -> APIRouter:
    router = APIRouter(prefix="/v1")

    def now() -> int:
        return int(store.clock())

    @router.post("/checkout/sessions")
    async def create_session(
        body: CreateSessionBody, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        fingerprint = _fingerprint("create_session", body)
        replayed = store.replay(idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
        session = store.create_session(
            booking_id=body.booking_id,
            amount=body.amount,
            currency=body.currency,
            expires_at=body.expires_at,
            metadata=body.metadata,
        )
        response = session.to_json()
        store.remember(idempotency_key, fingerprint, response)
        return response

    @router.get("/checkout/sessions")
    async def list_sessions(booking_id: str) -> dict[str, Any]:
        return {"data": [session.to_json() for session in store.for_booking(booking_id)]}

    @router.get("/checkout/sessions/{session_id}")
    async def get_session(session_id: str) -> dict[str, Any]:
        return store.get(session_id).to_json()

    @router.post("/checkout/sessions/{session_id}/complete")
    async def complete_session(
        session_id: str, body: CompleteSessionBody, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        """Finish the checkout as the customer would; the webhook follows in the background."""
        fingerprint = _fingerprint(f"complete:{session_id}", body)
        replayed = store.replay(idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
        if store.complete(session_id, body.outcome, body.failure_reason):
            sender.send(session_event(store.get(session_id), now()))
        response = store.get(session_id).to_json()
        store.remember(idempotency_key, fingerprint, response)
        return response

    @router.post("/checkout/sessions/{session_id}/expire")
    async def expire_session(session_id: str) -> dict[str, Any]:
        """Close an open session unpaid (idempotent: an expired one stays as it is)."""
        if store.expire(session_id):
            sender.send(session_event(store.get(session_id), now()))
        return store.get(session_id).to_json()

    @router.post("/refunds")
    async def create_refund(
        body: CreateRefundBody, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        fingerprint = _fingerprint("refund", body)
        replayed = store.replay(idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
        refund = store.refund(
            session_id=body.session_id,
            amount=body.amount,
            currency=body.currency,
            reason=body.reason,
            metadata=body.metadata,
        )
        sender.send(refund_event(refund, store.get(body.session_id), now()))
        response = refund.to_json()
        store.remember(idempotency_key, fingerprint, response)
        return response

    @router.get("/events")
    async def list_events(session_id: str | None = None) -> dict[str, Any]:
        """Webhook deliveries, newest last, as a provider dashboard lists them."""
        deliveries = [
            delivery.to_json()
            for delivery in sender.deliveries.values()
            if session_id is None or delivery.event["data"].get("sessionId") == session_id
        ]
        return {"data": deliveries}

    return router
