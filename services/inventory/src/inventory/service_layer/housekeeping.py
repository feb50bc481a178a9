"""Reservations that outlived any booking request, listed for booking's housekeeping.

Booking reserves the seats, then stores the booking; a booking replica that dies in between
leaves the seats RESERVED for a booking id that booking never stored. Only booking can tell
which booking ids it knows, so inventory lists what is old enough to be suspect and booking
releases, with the idempotent ReleaseSeats, what it has no booking for. A booking with a SOLD
seat is a sale, never a stale reservation (booking confirmed it), so it is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from inventory.domain import model
from inventory.domain.errors import InvalidRequest

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class StaleReservation:
    booking_id: str
    show_id: str
    seats: int
    reserved_at: datetime


@dataclass(frozen=True, slots=True)
class StaleReservationPage:
    reservations: list[StaleReservation]
    next_page_token: str


class StaleReservationReader(Protocol):
    async def reserved_before(
        self, cutoff: datetime, *, after: str | None, limit: int
    ) -> list[StaleReservation]:
        """Up to ``limit`` bookings whose seats are RESERVED since before ``cutoff`` and none
        SOLD, with booking ids above ``after``, in booking id order."""
        ...


class StaleReservations:
    def __init__(self, reader: StaleReservationReader) -> None:
        self._reader = reader

    async def list(
        self, *, reserved_before: datetime, page_size: int, page_token: str
    ) -> StaleReservationPage:
        """One page in booking id order; the token is the last booking id of the page, so a
        booking released between two pages shifts nothing and none is listed twice."""
        if not 0 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidRequest("page_size", f"page_size must be 0 to {MAX_PAGE_SIZE}")
        size = page_size or DEFAULT_PAGE_SIZE
        after = model.check_id("page_token", page_token) if page_token else None
        # One more than the page: whether another page follows, without a second query.
        found = await self._reader.reserved_before(reserved_before, after=after, limit=size + 1)
        page = found[:size]
        more = len(found) > size
        return StaleReservationPage(page, page[-1].booking_id if more else "")
