"""Refusing doomed booking attempts on a hot seat before they reach inventory.

When an on-sale opens, hundreds of users click the same seats in the same second. One attempt
wins; every other one would cost a gRPC call, a transaction and a wait on a row lock in
inventory only to be refused. This process therefore keeps two things per seat:

* the seats it knows are **booked** (reserved or sold): seats it reserved itself, and seats
  inventory just refused as booked. Known for ``ttl`` seconds after the fact; an attempt that
  includes one is refused at once with the answer inventory would give.
* the reservation **in flight** for a seat, if any: a second attempt on that seat waits for it.
  If it succeeds, the seat is booked and the waiter is refused; if it fails, the waiter goes on
  to inventory as usual (a seat held by someone may be held by the waiter).

A seat is remembered with the booking it is booked for, when this process reserved it: an
attempt for that same booking (a resend of a request whose booking id derives from its key) is
never refused by it, and goes on to inventory, which treats the reservation as done already.

Only "booked" is ever remembered, never "held" (a hold belongs to a user, and the refused
request does not say whose), and only briefly. Every booking this process gives back (a failed
store, a cancellation, an expiry, a refund) is forgotten as it is saved; forgetting early is
always safe, it only sends the next attempt to inventory. What is left is a booking that
another replica frees within ``ttl`` seconds of it being made: an attempt refused in that
window lost a race it would equally have lost a moment earlier. Inventory stays the authority:
every attempt that is not refused here is decided there, under row locks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager

from booking.domain.errors import SeatsTaken
from booking.domain.model import Booking
from booking.domain.values import BookingStatus
from svckit.proto_values import from_metadata, metadata_of
from ticketing.inventory.v1 import inventory_pb2

__all__ = ["Attempt", "HotSeats"]

DEFAULT_TTL_SECONDS = 1.0
MAX_REMEMBERED = 100_000

# Inventory's refusal of seats, as its proto contract spells it (reason and metadata keys).
REASON = inventory_pb2.ErrorReason.Name(inventory_pb2.SEATS_UNAVAILABLE)
Refusal = inventory_pb2.SeatsUnavailableMetadata

SeatKey = tuple[str, str]  # (show id, seat id)

_HOLDING = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class Attempt:
    """One reservation attempt that leads the seats it claimed; tell it the outcome."""

    def __init__(self, hot: HotSeats, show_id: str, led: list[SeatKey], booking_id: str) -> None:
        self._hot = hot
        self._show_id = show_id
        self._led = led
        self._booking_id = booking_id
        self._booked = False

    def reserved(self, labels: Mapping[str, str]) -> None:
        """The seats (id → label, e.g. ``A5``) are now reserved for this attempt's booking."""
        self._hot.remember(self._show_id, labels, booking_id=self._booking_id)
        self._booked = True


class HotSeats:
    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_remembered: int = MAX_REMEMBERED,
    ) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._max = max_remembered
        # → (known until, label, the booking it is booked for or "" when another's)
        self._booked: dict[SeatKey, tuple[float, str, str]] = {}
        self._in_flight: dict[SeatKey, asyncio.Future[bool]] = {}

    @asynccontextmanager
    async def attempt(
        self, show_id: str, seat_ids: Sequence[str], booking_id: str = ""
    ) -> AsyncIterator[Attempt]:
        """Raises ``SeatsTaken`` when a seat is known booked (for a booking other than
        ``booking_id``), or becomes booked so by the attempt in flight this one waited for;
        otherwise yields, leading the seats nobody else leads."""
        self._refuse_known(show_id, seat_ids, booking_id)
        ahead = [waiter for seat in seat_ids if (waiter := self._in_flight.get((show_id, seat)))]
        if ahead:
            # asyncio.wait never cancels what it waits for: a waiter that gives up leaves the
            # leader alone.
            await asyncio.wait(ahead)
            self._refuse_known(show_id, seat_ids, booking_id)
        led = [(show_id, seat) for seat in seat_ids if (show_id, seat) not in self._in_flight]
        loop = asyncio.get_running_loop()
        for key in led:
            self._in_flight[key] = loop.create_future()
        attempt = Attempt(self, show_id, led, booking_id)
        try:
            yield attempt
        except SeatsTaken as refused:
            self.learn(show_id, refused)
            raise
        finally:
            self._settle(attempt)

    def _settle(self, attempt: Attempt) -> None:
        """Tell whoever waits on the seats ``attempt`` led whether it booked them."""
        for key in attempt._led:
            waiter = self._in_flight.pop(key, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(attempt._booked)

    def remember(self, show_id: str, labels: Mapping[str, str], *, booking_id: str = "") -> None:
        until = self._clock() + self._ttl
        for seat_id, label in labels.items():
            self._booked.pop((show_id, seat_id), None)  # re-insert: oldest first stays true
            self._booked[(show_id, seat_id)] = (until, label, booking_id)
        while len(self._booked) > self._max:
            del self._booked[next(iter(self._booked))]

    def forget(self, show_id: str, seat_ids: Iterable[str]) -> None:
        """The seats were given back by this process (a failed store, a cancellation)."""
        for seat_id in seat_ids:
            self._booked.pop((show_id, seat_id), None)

    def given_back(self, booking: Booking) -> None:
        """Forget the seats of ``booking`` if it no longer holds them (any state but PENDING and
        CONFIRMED: inventory frees them when it hears of it)."""
        if booking.status not in _HOLDING:
            self.forget(booking.show.show_id, [seat.seat_id for seat in booking.seats])

    def learn(self, show_id: str, refused: SeatsTaken) -> None:
        """Remember the seats inventory refused as booked (never the held ones)."""
        if refused.reason != REASON:
            return
        refusal = from_metadata(refused.details, Refusal)
        ids = [s for s in refusal.booked_seat_ids.split(",") if s]
        labels = refusal.booked_seats.split(",")
        if ids and len(labels) == len(ids):
            self.remember(show_id, dict(zip(ids, labels, strict=True)))

    def _refuse_known(self, show_id: str, seat_ids: Sequence[str], booking_id: str) -> None:
        now = self._clock()
        booked: list[tuple[str, str]] = []
        for seat_id in seat_ids:
            entry = self._booked.get((show_id, seat_id))
            if entry is None:
                continue
            until, label, booked_for = entry
            if until <= now:
                del self._booked[(show_id, seat_id)]
                continue
            if booking_id and booked_for == booking_id:
                continue  # this very booking's seats: its resend must reach inventory
            booked.append((seat_id, label))
        if booked:
            raise seats_booked(booked)


def seats_booked(booked: Sequence[tuple[str, str]]) -> SeatsTaken:
    """The refusal inventory gives for booked seats, word for word (ids and labels)."""
    labels = ", ".join(label for _, label in booked)
    subject = f"seat {labels} is" if len(booked) == 1 else f"seats {labels} are"
    ids = ",".join(seat_id for seat_id, _ in booked)
    names = ",".join(label for _, label in booked)
    return SeatsTaken(
        f"{subject} already booked",
        reason=REASON,
        details=metadata_of(
            Refusal(seat_ids=ids, seats=names, booked_seat_ids=ids, booked_seats=names)
        ),
    )
