"""Value objects: money, the caller, and what payment needs to know about a booking."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from payment.domain.errors import InvalidRequest, NotAuthenticated, NotOwner


@dataclass(frozen=True)
class Money:
    """An amount in the currency's minor unit (paise, cents); never a float."""

    amount_minor: int
    currency: str

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency}"


class BookingStatus(enum.Enum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"


@dataclass(frozen=True)
class BookingView:
    """The booking as the booking service reports it; payment keeps no copy of its own."""

    booking_id: str
    user_id: str
    status: BookingStatus
    total: Money
    expires_at: datetime
    show_starts_at: datetime


@dataclass(frozen=True)
class Requester:
    """Who asks: the user id and roles the gateway put in the call's metadata."""

    user_id: str | None
    roles: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def identity(self) -> str:
        if not self.user_id:
            raise NotAuthenticated("the call carries no caller identity (x-user-id)")
        return self.user_id

    def acting_for(self, user_id: str) -> str:
        """The user the request is for (the caller when empty); only themself or an admin."""
        caller = self.identity()
        if not user_id:
            return canonical_id(caller)
        target = require_uuid("user_id", user_id)
        if not self.is_admin and canonical_id(caller) != target:
            raise NotOwner(f"user {caller} may not act for user {target}")
        return target

    def ensure_may_see(self, owner_id: str, what: str) -> None:
        caller = self.identity()
        if not self.is_admin and canonical_id(caller) != canonical_id(owner_id):
            raise NotOwner(f"{what} belongs to another user")


def canonical_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def uuid_or_none(value: str | None) -> str | None:
    """The canonical UUID, or None for anything that is not one (ids from outside)."""
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def require_uuid(field: str, value: str) -> str:
    """The canonical form of a UUID argument; anything else is the caller's mistake."""
    if not value:
        raise InvalidRequest(field, f"{field} is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidRequest(field, f"{field} must be a UUID, got {value!r}") from None
