"""What taking seats answers: the seats held until an instant, or reserved for a booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from inventory.domain.model import Seat, Show


@dataclass(frozen=True, slots=True)
class Holds:
    seats: list[Seat]
    expires_at: datetime
    ttl: timedelta


@dataclass(frozen=True, slots=True)
class Reservation:
    booking_id: str
    show: Show
    seats: list[Seat]

    @property
    def total_minor(self) -> int:
        return sum(seat.price_minor for seat in self.seats)
