"""What the use cases need from the outside world, as protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from booking.domain.events import Event
from booking.domain.model import Booking
from booking.domain.values import BookedSeat, Money, ShowSnapshot
from svckit.clock import Clock as Clock  # the port use cases take; re-exported


@dataclass(frozen=True)
class CatalogShow:
    """What booking needs to know about a show from the catalog."""

    snapshot: ShowSnapshot
    currency: str
    bookable: bool


@dataclass(frozen=True)
class Reservation:
    seats: list[BookedSeat]
    total: Money


@dataclass(frozen=True)
class PageCursor:
    """Position after the last booking of a page, in the newest-first order."""

    created_at: datetime
    booking_id: str


@dataclass(frozen=True)
class BookingPage:
    bookings: list[Booking]
    next_cursor: PageCursor | None
    total_size: int


class CatalogClient(Protocol):
    async def get_show(self, show_id: str) -> CatalogShow:
        """Raises ShowNotFound."""
        ...


class InventoryClient(Protocol):
    async def reserve_seats(
        self, *, booking_id: str, user_id: str, show_id: str, seat_ids: Sequence[str]
    ) -> Reservation:
        """Idempotent by booking_id; inventory's refusals come back as booking domain errors."""
        ...

    async def release_seats(self, booking_id: str) -> None:
        """Idempotent; releases whatever the booking holds (nothing if it never reserved)."""
        ...


class NewBookings(Protocol):
    async def add(self, booking: Booking) -> bool:
        """Stores a just-opened booking (row, seat lines, first history entry) atomically, on
        its own: a new booking publishes no event, so it needs no unit of work. False, storing
        nothing, when a booking with its id is stored already."""
        ...


class BookingRepository(Protocol):
    async def get(self, booking_id: str) -> Booking | None: ...

    async def get_for_update(self, booking_id: str) -> Booking | None:
        """Locks the booking row until the unit of work ends, so events about it serialise."""
        ...

    async def update(self, booking: Booking) -> None:
        """Writes the booking's row and its new history entries."""
        ...

    async def list_for_user(
        self, user_id: str, *, limit: int, after: PageCursor | None
    ) -> BookingPage: ...

    async def lock_overdue(self, now: datetime, *, limit: int) -> list[Booking]:
        """PENDING bookings past expires_at, locked with SKIP LOCKED so sweepers never wait."""
        ...

    async def archive_seat_lines(self, *, closed_before: datetime, limit: int) -> int:
        """Drops the seat lines of up to `limit` EXPIRED/CANCELLED bookings; returns how many."""
        ...


class UnitOfWork(Protocol):
    """One transaction: the bookings it touches and the events it publishes commit together."""

    @property
    def bookings(self) -> BookingRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def publish(self, event: Event) -> None:
        """Queue an event for the outbox; written by commit(), dropped by a rollback."""
        ...

    async def commit(self) -> None: ...
