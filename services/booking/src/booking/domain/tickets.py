"""E-tickets and check-in at the door, as pure rules.

A ticket is one seat of a CONFIRMED booking. Its code, carried by the QR code, names the booking
and the seat and is signed with HMAC-SHA256 under the service's ticket secret, so a code cannot be
made up or altered: ``TKT1.<booking uuid hex>.<seat uuid hex>.<signature, base64url>``. A ticket
is admitted once; a second scan learns when the first one was; a ticket of a booking that is not
CONFIRMED (cancelled, refunded, expired, still unpaid) is refused.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime

from booking.domain.errors import BookingError, InvalidRequest

PREFIX = "TKT1"
STAFF_ROLES = frozenset({"staff", "admin"})


class NotStaff(BookingError):
    default_reason = "NOT_STAFF"


class CheckInOutcome(enum.Enum):
    ADMITTED = "ADMITTED"
    ALREADY_CHECKED_IN = "ALREADY_CHECKED_IN"
    REFUSED = "REFUSED"


@dataclass(frozen=True)
class TicketRef:
    booking_id: str
    seat_id: str


@dataclass(frozen=True)
class Ticket:
    booking_id: str
    seat_id: str
    row: str
    number: int
    tier: str
    code: str
    checked_in_at: datetime | None


@dataclass(frozen=True)
class CheckIn:
    """What the door learns: the outcome, when the ticket was (first) admitted, and why not."""

    outcome: CheckInOutcome
    ref: TicketRef
    checked_in_at: datetime | None = None
    reason: str = ""
    row: str = ""
    number: int = 0
    movie: str = ""
    show_starts_at: datetime | None = None


class TicketSigner:
    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the ticket signing secret must be at least 16 characters long")
        self._key = secret.encode()

    def _signature(self, booking_hex: str, seat_hex: str) -> str:
        mac = hmac.new(self._key, f"{PREFIX}.{booking_hex}.{seat_hex}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode()

    def code(self, booking_id: str, seat_id: str) -> str:
        booking_hex, seat_hex = uuid.UUID(booking_id).hex, uuid.UUID(seat_id).hex
        return f"{PREFIX}.{booking_hex}.{seat_hex}.{self._signature(booking_hex, seat_hex)}"

    def read(self, code: str) -> TicketRef:
        """The ticket a code names, or InvalidRequest when it is malformed or not ours."""
        parts = code.strip().split(".")
        if len(parts) != 4 or parts[0] != PREFIX:
            raise InvalidRequest("code", "this is not a Ticketing ticket code")
        _, booking_hex, seat_hex, signature = parts
        try:
            booking_id, seat_id = str(uuid.UUID(booking_hex)), str(uuid.UUID(seat_hex))
        except ValueError:
            raise InvalidRequest("code", "this is not a Ticketing ticket code") from None
        expected = self._signature(uuid.UUID(booking_hex).hex, uuid.UUID(seat_hex).hex)
        if not hmac.compare_digest(expected, signature):
            raise InvalidRequest(
                "code", "the ticket code's signature is wrong: it was altered or made up"
            )
        return TicketRef(booking_id, seat_id)


def ensure_staff(roles: frozenset[str]) -> None:
    if not roles & STAFF_ROLES:
        raise NotStaff("checking tickets in needs the staff role")
