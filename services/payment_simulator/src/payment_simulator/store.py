"""The provider's state: checkout sessions, refunds and idempotency keys, kept in memory.

The simulator stands in for a third party, so nothing here survives a restart. Every method is
synchronous (no ``await`` between reading and writing), which makes each one atomic on the event
loop: two concurrent requests with one Idempotency-Key cannot both run.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from payment_simulator.errors import IdempotencyMismatch, InvalidRequest, NotFound, StateConflict

OPEN = "open"
PAID = "paid"
FAILED = "failed"
EXPIRED = "expired"

OUTCOME_STATUS = {"success": PAID, "failed": FAILED, "expired": EXPIRED}


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


@dataclass
class Session:
    id: str
    booking_id: str
    amount: int
    currency: str
    url: str
    created: int
    expires_at: datetime | None
    metadata: dict[str, str]
    status: str = OPEN
    failure_reason: str = ""
    refunded: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "checkout.session",
            "booking_id": self.booking_id,
            "amount": self.amount,
            "currency": self.currency,
            "url": self.url,
            "status": self.status,
            "created": self.created,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "metadata": dict(self.metadata),
            "failure_reason": self.failure_reason,
            "amount_refunded": self.refunded,
        }


@dataclass
class Refund:
    id: str
    session_id: str
    amount: int
    currency: str
    reason: str
    metadata: dict[str, str]
    created: int
    status: str = "succeeded"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "refund",
            "session_id": self.session_id,
            "amount": self.amount,
            "currency": self.currency,
            "reason": self.reason,
            "metadata": dict(self.metadata),
            "created": self.created,
            "status": self.status,
        }


@dataclass
class _Remembered:
    fingerprint: str
    response: dict[str, Any]


@dataclass
class SessionStore:
    base_url: str
    clock: Callable[[], float] = time.time
    sessions: dict[str, Session] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)
    _idempotent: dict[str, _Remembered] = field(default_factory=dict)

    def create_session(
        self,
        *,
        booking_id: str,
        amount: int,
        currency: str,
        expires_at: datetime | None,
        metadata: Mapping[str, str],
    ) -> Session:
        session_id = new_id("sess")
        session = Session(
            id=session_id,
            booking_id=booking_id,
            amount=amount,
            currency=currency.upper(),
            url=f"{self.base_url}/checkout/{session_id}",
            created=int(self.clock()),
            expires_at=expires_at,
            metadata=dict(metadata),
        )
        self.sessions[session_id] = session
        return session

    def get(self, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None:
            raise NotFound(f"no checkout session {session_id}")
        return session

    def for_booking(self, booking_id: str) -> list[Session]:
        return [session for session in self.sessions.values() if session.booking_id == booking_id]

    def complete(self, session_id: str, outcome: str, failure_reason: str = "") -> bool:
        """Finish the checkout; True when the status changed (then a webhook is due).

        An expired session may still be completed with ``success``: it models a payment that
        raced the expiry, which a real provider reports too, and which the merchant must refund.
        """
        session = self.get(session_id)
        status = OUTCOME_STATUS.get(outcome)
        if status is None:
            raise InvalidRequest(f"unknown outcome {outcome!r}; use success, failed or expired")
        if session.status == status and status == EXPIRED:
            return False
        if session.status == OPEN or (session.status == EXPIRED and status == PAID):
            session.status = status
            if status == FAILED:
                session.failure_reason = failure_reason or "card_declined"
            return True
        raise StateConflict(f"checkout session {session_id} is already {session.status}")

    def expire(self, session_id: str) -> bool:
        """Close an open session unpaid; True when it changed. Paid or failed ones stay."""
        session = self.get(session_id)
        if session.status == EXPIRED:
            return False
        if session.status != OPEN:
            raise StateConflict(f"checkout session {session_id} is already {session.status}")
        session.status = EXPIRED
        return True

    def is_past_expiry(self, session: Session) -> bool:
        return session.expires_at is not None and session.expires_at.timestamp() <= self.clock()

    def refund(
        self,
        *,
        session_id: str,
        amount: int,
        currency: str | None,
        reason: str,
        metadata: Mapping[str, str],
    ) -> Refund:
        session = self.get(session_id)
        if session.status != PAID:
            raise StateConflict(f"checkout session {session_id} is {session.status}, not paid")
        if currency is not None and currency.upper() != session.currency:
            raise InvalidRequest(f"currency {currency} does not match the session's")
        if amount > session.amount - session.refunded:
            raise InvalidRequest(
                f"refund of {amount} exceeds the refundable {session.amount - session.refunded}"
            )
        session.refunded += amount
        refund = Refund(
            id=new_id("re"),
            session_id=session_id,
            amount=amount,
            currency=session.currency,
            reason=reason,
            metadata=dict(metadata),
            created=int(self.clock()),
        )
        self.refunds[refund.id] = refund
        return refund

    def replay(self, key: str | None, fingerprint: str) -> dict[str, Any] | None:
        """The stored answer for a repeated Idempotency-Key; 422 if the request differs."""
        if not key:
            return None
        remembered = self._idempotent.get(key)
        if remembered is None:
            return None
        if remembered.fingerprint != fingerprint:
            raise IdempotencyMismatch(f"Idempotency-Key {key} was used with another request")
        return remembered.response

    def remember(self, key: str | None, fingerprint: str, response: dict[str, Any]) -> None:
        if key:
            self._idempotent[key] = _Remembered(fingerprint, response)
