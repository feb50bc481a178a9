"""Facts payment tells other contexts about; the unit of work writes them to the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from payment.domain.values import Money


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, kw_only=True)
class Event:
    occurred_at: datetime
    payment_id: str
    booking_id: str
    user_id: str
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True, kw_only=True)
class PaymentSucceeded(Event):
    session_id: str
    amount: Money


@dataclass(frozen=True, kw_only=True)
class PaymentFailed(Event):
    session_id: str
    amount: Money
    reason: str


@dataclass(frozen=True, kw_only=True)
class PaymentExpired(Event):
    session_id: str


@dataclass(frozen=True, kw_only=True)
class PaymentRefunded(Event):
    refund_id: str
    amount: Money
    percent: int
    reason: str
    automatic: bool
