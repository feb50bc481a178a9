"""In-memory stand-ins for the booking service's ports: no I/O, state visible to assertions."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from booking.domain.errors import BookingError, ShowNotFound
from booking.domain.events import Event
from booking.domain.model import Booking
from booking.domain.values import BookedSeat, BookingStatus, Money, ShowSnapshot
from booking.service_layer.ports import BookingPage, CatalogShow, PageCursor, Reservation

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class Store:
    """What the database would hold: committed bookings and committed outbox events."""

    bookings: dict[str, Booking] = field(default_factory=dict)
    outbox: list[Event] = field(default_factory=list)
    archived: set[str] = field(default_factory=set)
    fail_next_commit: BaseException | None = None

    def events_of(self, kind: type[Event]) -> list[Event]:
        return [event for event in self.outbox if isinstance(event, kind)]


class FakeNewBookings:
    """New bookings written straight to the store, or the store's next commit failure."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, booking: Booking) -> bool:
        if self._store.fail_next_commit is not None:
            failure, self._store.fail_next_commit = self._store.fail_next_commit, None
            raise failure
        if booking.id in self._store.bookings:
            return False
        self._store.bookings[booking.id] = copy.deepcopy(booking)
        return True


class FakeRepository:
    def __init__(self, store: Store) -> None:
        self._store = store
        self.staged: dict[str, Booking] = {}

    async def get(self, booking_id: str) -> Booking | None:
        found = self.staged.get(booking_id) or self._store.bookings.get(booking_id)
        return copy.deepcopy(found)

    async def get_for_update(self, booking_id: str) -> Booking | None:
        return await self.get(booking_id)

    async def update(self, booking: Booking) -> None:
        stored = copy.deepcopy(booking)
        stored.events = []
        self.staged[booking.id] = stored

    async def list_for_user(
        self, user_id: str, *, limit: int, after: PageCursor | None
    ) -> BookingPage:
        mine = sorted(
            (b for b in self._store.bookings.values() if b.user_id == user_id),
            key=lambda b: (b.created_at, b.id),
            reverse=True,
        )
        if after is not None:
            mine = [b for b in mine if (b.created_at, b.id) < (after.created_at, after.booking_id)]
        page = mine[:limit]
        more = len(mine) > limit
        cursor = PageCursor(page[-1].created_at, page[-1].id) if more else None
        total = sum(1 for b in self._store.bookings.values() if b.user_id == user_id)
        return BookingPage([copy.deepcopy(b) for b in page], cursor, total)

    async def lock_overdue(self, now: datetime, *, limit: int) -> list[Booking]:
        overdue = [b for b in self._store.bookings.values() if b.is_overdue(now)]
        overdue.sort(key=lambda b: b.expires_at)
        return [copy.deepcopy(b) for b in overdue[:limit]]

    async def archive_seat_lines(self, *, closed_before: datetime, limit: int) -> int:
        closed = (BookingStatus.EXPIRED, BookingStatus.CANCELLED)
        victims = [
            b
            for b in self._store.bookings.values()
            if b.status in closed and b.created_at < closed_before and b.seats
        ][:limit]
        for booking in victims:
            booking.seats = []
            self._store.archived.add(booking.id)
        return len(victims)


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.bookings = FakeRepository(store)
        self._events: list[Event] = []
        self.committed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.bookings.staged.clear()
        self._events.clear()

    def publish(self, event: Event) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        if self.store.fail_next_commit is not None:
            failure, self.store.fail_next_commit = self.store.fail_next_commit, None
            raise failure
        self.store.bookings.update(self.bookings.staged)
        self.store.outbox.extend(self._events)
        self.bookings.staged.clear()
        self._events.clear()
        self.committed = True


def show_snapshot(show_id: str, start: datetime) -> ShowSnapshot:
    return ShowSnapshot(
        show_id=show_id,
        movie_id="m-1",
        movie_title="Inception",
        theatre_id="t-1",
        theatre_name="PVR Forum",
        city="Bengaluru",
        screen_id="s-1",
        screen_name="Audi 1",
        start_time=start,
    )


class FakeCatalog:
    def __init__(self) -> None:
        self.shows: dict[str, CatalogShow] = {}
        self.calls = 0

    def add_show(self, show_id: str, start: datetime, *, bookable: bool = True) -> None:
        self.shows[show_id] = CatalogShow(show_snapshot(show_id, start), "INR", bookable)

    async def get_show(self, show_id: str) -> CatalogShow:
        self.calls += 1
        show = self.shows.get(show_id)
        if show is None:
            raise ShowNotFound(show_id)
        return show


class FakeInventory:
    """Seat prices by tier; reservations by booking id, as inventory would keep them."""

    PRICE = 25_000

    def __init__(self) -> None:
        self.reserved: dict[str, list[str]] = {}
        self.released: list[str] = []
        self.fail_with: BookingError | None = None
        self.fail_after_reserving: BookingError | None = None
        self.release_failures: list[BookingError] = []

    async def reserve_seats(
        self, *, booking_id: str, user_id: str, show_id: str, seat_ids: Sequence[str]
    ) -> Reservation:
        if self.fail_with is not None:
            raise self.fail_with
        self.reserved[booking_id] = list(seat_ids)
        if self.fail_after_reserving is not None:
            raise self.fail_after_reserving
        seats = [
            BookedSeat(seat_id, "A", number, "REGULAR", self.PRICE)
            for number, seat_id in enumerate(sorted(seat_ids), start=1)
        ]
        return Reservation(seats, Money(self.PRICE * len(seats), "INR"))

    async def release_seats(self, booking_id: str) -> None:
        if self.release_failures:
            raise self.release_failures.pop(0)
        self.released.append(booking_id)
        self.reserved.pop(booking_id, None)
