"""Facts a booking announces; the outbox carries them to `booking.events`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from booking.domain.values import Money


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, kw_only=True)
class Event:
    booking_id: str
    user_id: str
    occurred_at: datetime
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True, kw_only=True)
class BookingConfirmed(Event):
    show_id: str
    seat_ids: tuple[str, ...]
    total: Money


@dataclass(frozen=True, kw_only=True)
class BookingExpired(Event):
    show_id: str
    seat_ids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class BookingCancelled(Event):
    show_id: str
    seat_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True, kw_only=True)
class BookingRefunded(Event):
    show_id: str
    seat_ids: tuple[str, ...]
    refunded: Money


@dataclass(frozen=True, kw_only=True)
class BookingPaymentRejected(Event):
    """A payment succeeded for a booking that cannot take it; payment refunds it in full."""

    payment_id: str
    amount: Money | None
    reason: str
