"""Seats inventory holds RESERVED for bookings that booking never stored, returned to sale.

Creating a booking reserves its seats in inventory, then stores the booking. A replica killed in
between leaves the seats RESERVED for a booking id that exists nowhere in booking; a resend with
the request's key would store it, but a client that never resends leaves the seats off sale for
good. So, periodically, booking asks inventory for the reservations older than a cutoff
(ListStaleReservations), and releases, with the idempotent ReleaseSeats, those of booking ids it
has no row for.

The cutoff is the booking lifetime plus a grace: a request reserves and stores within its
deadline (seconds), so anything older than a whole booking lifetime is no request in flight, and
the grace absorbs clock skew between booking and inventory replicas. A resend with its key may
still come later: its reservation is then a new one (seats still free) or refused (taken since),
the answer a booking that never existed deserves.

A booking id is released only when booking is sure it has no row: a failed read stops the sweep
(the next one tries again) instead of counting as "not stored", the opposite of compensation's
rule. Each release is preceded by a fresh read of that one id, as the deferred release of
``Bookings`` does. A resend that stores the booking between that read and the release would find
its seats released; the read after the release catches it and reserves the seats again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from booking.domain.errors import DependencyTimeout, DependencyUnavailable
from booking.domain.values import BookingStatus
from booking.service_layer.ports import Clock, InventoryClient, UnitOfWork
from svckit.logging import get_logger

log = get_logger(__name__)

PAGE_SIZE = 100
_HOLDING = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


@dataclass(frozen=True)
class StaleReservation:
    booking_id: str
    show_id: str
    seats: int
    reserved_at: datetime


@dataclass(frozen=True)
class StaleReservationPage:
    reservations: list[StaleReservation]
    next_page_token: str  # "" on the last page


class StaleReservations(Protocol):
    async def list_stale(
        self, *, reserved_before: datetime, page_size: int, page_token: str
    ) -> StaleReservationPage:
        """Bookings whose seats are RESERVED (none SOLD) since before ``reserved_before``."""
        ...


class StoredBookingIds(Protocol):
    async def stored(self, booking_ids: Sequence[str]) -> set[str]:
        """The ids among ``booking_ids`` that booking has a row for; raises when it cannot tell."""
        ...


@dataclass
class SweepReport:
    """What one sweep did, by booking id."""

    released: list[StaleReservation] = field(default_factory=list)
    # Stale, but booking has the booking (its own events free the seats when it ends).
    known: int = 0
    # Stored by a resend after the page was read, before the release: left to their booking.
    stored_meanwhile: list[str] = field(default_factory=list)
    # Stored by a resend while their seats were being released: reserved for it again ...
    restored: list[str] = field(default_factory=list)
    # ... or not, because someone took the seats in that instant.
    lost: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # Inventory stopped answering: the rest waits for the next sweep.
    interrupted: bool = False

    @property
    def seats_released(self) -> int:
        return sum(reservation.seats for reservation in self.released)


def unknown_to_booking(
    reservations: Sequence[StaleReservation], stored: set[str]
) -> list[StaleReservation]:
    return [reservation for reservation in reservations if reservation.booking_id not in stored]


class UnstoredReservationSweep:
    def __init__(
        self,
        *,
        stale: StaleReservations,
        inventory: InventoryClient,
        stored: StoredBookingIds,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        booking_lifetime: timedelta,
        grace: timedelta,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._stale = stale
        self._inventory = inventory
        self._stored = stored
        self._uow = uow
        self._clock = clock
        self._older_than = booking_lifetime + grace
        self._page_size = page_size

    def cutoff(self) -> datetime:
        return self._clock.now() - self._older_than

    async def run(self) -> SweepReport:
        """Every page of stale reservations, under one cutoff taken as the sweep starts."""
        report = SweepReport()
        reserved_before = self.cutoff()
        token = ""
        while True:
            page = await self._stale.list_stale(
                reserved_before=reserved_before, page_size=self._page_size, page_token=token
            )
            ids = [reservation.booking_id for reservation in page.reservations]
            unknown = unknown_to_booking(page.reservations, await self._stored.stored(ids))
            report.known += len(page.reservations) - len(unknown)
            for reservation in unknown:
                if not await self._release(reservation, report):
                    report.interrupted = True
                    return report
            token = page.next_page_token
            if not token:
                return report

    async def _release(self, reservation: StaleReservation, report: SweepReport) -> bool:
        """Release one unstored reservation; False when inventory does not answer."""
        booking_id = reservation.booking_id
        if await self._stored.stored([booking_id]):
            report.stored_meanwhile.append(booking_id)
            log.info("booking.unstored_reservation_stored_meanwhile", booking_id=booking_id)
            return True
        try:
            await self._inventory.release_seats(booking_id)
        except (DependencyUnavailable, DependencyTimeout) as exc:
            log.warning(
                "booking.unstored_reservation_release_deferred",
                booking_id=booking_id,
                reason=type(exc).__name__,
            )
            return False
        except Exception:
            log.exception("booking.unstored_reservation_release_failed", booking_id=booking_id)
            report.failed.append(booking_id)
            return True
        if await self._stored.stored([booking_id]):
            await self._reserve_again(booking_id, report)
            return True
        report.released.append(reservation)
        log.warning(
            "booking.unstored_reservation_released",
            booking_id=booking_id,
            show_id=reservation.show_id,
            seats=reservation.seats,
            reserved_at=reservation.reserved_at.isoformat(),
        )
        return True

    async def _reserve_again(self, booking_id: str, report: SweepReport) -> None:
        """A resend stored the booking while its seats were being released: give them back to
        it (ReserveSeats is idempotent by booking id; the seats were free a moment ago)."""
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None or booking.status not in _HOLDING or not booking.seats:
            report.stored_meanwhile.append(booking_id)
            return
        try:
            await self._inventory.reserve_seats(
                booking_id=booking.id,
                user_id=booking.user_id,
                show_id=booking.show.show_id,
                seat_ids=list(booking.seat_ids),
            )
        except Exception:
            log.exception(
                "booking.unstored_reservation_lost",
                booking_id=booking_id,
                hint="a resend stored this booking while the sweeper released its seats, and "
                "they could not be reserved for it again; the booking holds no seats",
            )
            report.lost.append(booking_id)
            return
        log.warning("booking.unstored_reservation_restored", booking_id=booking_id)
        report.restored.append(booking_id)
