"""Value objects of a booking: money, seats, the show snapshot, status history, payment summary."""

from __future__ import annotations

import enum
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from booking.domain.errors import InvalidRequest, NotAuthenticated, NotBookingOwner

MAX_SEATS_PER_BOOKING = 10


class BookingStatus(enum.Enum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"


class PaymentStatus(enum.Enum):
    NONE = "NONE"
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"


@dataclass(frozen=True)
class Money:
    """An amount in the currency's minor unit (paise, cents); never a float."""

    amount_minor: int
    currency: str

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency}"


@dataclass(frozen=True)
class BookedSeat:
    seat_id: str
    row_label: str
    number: int
    tier: str
    price_minor: int

    @property
    def label(self) -> str:
        """How inventory names the seat, e.g. ``A5``."""
        return f"{self.row_label}{self.number}"


@dataclass(frozen=True)
class ShowSnapshot:
    """The show as it was when booked; shows are immutable once bookable, so this never drifts."""

    show_id: str
    movie_id: str
    movie_title: str
    theatre_id: str
    theatre_name: str
    city: str
    screen_id: str
    screen_name: str
    start_time: datetime


@dataclass(frozen=True)
class StatusChange:
    from_status: BookingStatus | None
    to_status: BookingStatus
    reason: str
    at: datetime


@dataclass(frozen=True)
class PaymentSummary:
    """The booking's view of its payment, kept up to date from payment events."""

    status: PaymentStatus = PaymentStatus.NONE
    payment_id: str = ""
    amount: Money | None = None
    refunded_minor: int = 0


@dataclass(frozen=True)
class Requester:
    """Who asks: the user id and admin flag the gateway put in the call's metadata."""

    user_id: str | None
    is_admin: bool = False

    def identity(self) -> str:
        if not self.user_id:
            raise NotAuthenticated("the call carries no caller identity (x-user-id)")
        return self.user_id

    def ensure_may_act_for(self, user_id: str, *, refusal: str) -> None:
        """Only the user themself or an admin; ids compare in canonical UUID form."""
        caller = self.identity()
        if not self.is_admin and _canonical(caller) != _canonical(user_id):
            raise NotBookingOwner(refusal)


def _canonical(user_id: str) -> str:
    try:
        return str(uuid.UUID(user_id))
    except ValueError:
        return user_id


def require_uuid(field: str, value: str) -> str:
    """The canonical form of a UUID argument; anything else is the caller's mistake."""
    if not value:
        raise InvalidRequest(field, f"{field} is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidRequest(field, f"{field} must be a UUID, got {value!r}") from None


def require_seat_selection(seat_ids: list[str]) -> list[str]:
    if not seat_ids:
        raise InvalidRequest("seat_ids", "seat_ids must name at least one seat")
    if len(seat_ids) > MAX_SEATS_PER_BOOKING:
        raise InvalidRequest(
            "seat_ids",
            f"a booking takes at most {MAX_SEATS_PER_BOOKING} seats, got {len(seat_ids)}",
            reason="TOO_MANY_SEATS",
        )
    canonical = [require_uuid("seat_ids", seat_id) for seat_id in seat_ids]
    duplicates = sorted(seat for seat, count in Counter(canonical).items() if count > 1)
    if duplicates:
        raise InvalidRequest("seat_ids", f"seat_ids repeat {', '.join(duplicates)}")
    return canonical
