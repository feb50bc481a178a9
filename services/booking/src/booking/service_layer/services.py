"""Use cases behind the BookingService API: create, get, list and cancel bookings."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from booking.domain import commands
from booking.domain.errors import (
    BookingNotFound,
    DependencyTimeout,
    DependencyUnavailable,
    InvalidRequest,
    ShowAlreadyStarted,
    ShowNotBookable,
)
from booking.domain.model import Booking
from booking.domain.values import Requester, require_seat_selection, require_uuid
from booking.service_layer import paging
from booking.service_layer.hot_seats import HotSeats
from booking.service_layer.ports import (
    BookingPage,
    CatalogClient,
    CatalogShow,
    Clock,
    InventoryClient,
    NewBookings,
    Reservation,
    UnitOfWork,
)
from svckit.logging import get_logger

log = get_logger(__name__)

MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class BookingPolicy:
    expires_in: timedelta = timedelta(minutes=15)
    payment_retry_grace: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class ReleaseRetry:
    """Pauses between attempts to release the seats of a booking that was not stored, while
    inventory does not answer (doubling from ``first`` up to ``longest``)."""

    first_seconds: float = 0.5
    longest_seconds: float = 10.0


async def save(uow: UnitOfWork, booking: Booking) -> None:
    """Write the booking and queue the events it raised, in the unit of work's transaction."""
    await uow.bookings.update(booking)
    for event in booking.pull_events():
        uow.publish(event)


def new_booking_id() -> str:
    return str(uuid.uuid4())


class Bookings:
    def __init__(
        self,
        *,
        uow: Callable[[], UnitOfWork],
        new_bookings: NewBookings,
        catalog: CatalogClient,
        inventory: InventoryClient,
        clock: Clock,
        policy: BookingPolicy,
        new_id: Callable[[], str] = new_booking_id,
        hot_seats: HotSeats | None = None,
        release_retry: ReleaseRetry = ReleaseRetry(),
    ) -> None:
        self._uow = uow
        self._new_bookings = new_bookings
        self._catalog = catalog
        self._inventory = inventory
        self._clock = clock
        self._policy = policy
        self._new_id = new_id
        self._hot_seats = hot_seats if hot_seats is not None else HotSeats()
        self._creating: set[asyncio.Task[Booking]] = set()
        self._release_retry = release_retry
        self._releasing: set[asyncio.Task[None]] = set()

    async def create(self, cmd: commands.CreateBooking, requester: Requester) -> Booking:
        requester.identity()
        user_id = require_uuid("user_id", cmd.user_id)
        show_id = require_uuid("show_id", cmd.show_id)
        seat_ids = require_seat_selection(list(cmd.seat_ids))
        requester.ensure_may_act_for(
            user_id, refusal="user_id must be the caller's own id (only admins book for others)"
        )
        show = await self._catalog.get_show(show_id)
        if not show.bookable:
            raise ShowNotBookable(f"show {show_id} is not open for booking yet")
        if self._clock.now() >= show.snapshot.start_time:
            raise ShowAlreadyStarted(
                f"show {show_id} started at {show.snapshot.start_time.isoformat()}",
                details={"show_id": show_id},
            )
        booking_id = self._new_id()
        # From the reservation on, a caller who gives up must not leave seats stranded: the rest
        # runs to the end (stored, or compensated) in its own task.
        task = asyncio.ensure_future(self._reserve_and_store(booking_id, user_id, show, seat_ids))
        self._creating.add(task)
        task.add_done_callback(self._created)
        return await asyncio.shield(task)

    def _created(self, task: asyncio.Task[Booking]) -> None:
        self._creating.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a caller who gave up must not leave it "never retrieved"

    async def _reserve_and_store(
        self, booking_id: str, user_id: str, show: CatalogShow, seat_ids: list[str]
    ) -> Booking:
        show_id = show.snapshot.show_id
        async with self._hot_seats.attempt(show_id, seat_ids) as attempt:
            reservation = await self._reserve(booking_id, user_id, show_id, seat_ids)
            attempt.reserved({seat.seat_id: seat.label for seat in reservation.seats})
        booking = Booking.open(
            booking_id=booking_id,
            user_id=user_id,
            show=show.snapshot,
            seats=reservation.seats,
            total=reservation.total,
            now=self._clock.now(),
            expires_in=self._policy.expires_in,
        )
        try:
            await self._new_bookings.add(booking)
        except BaseException:
            self._hot_seats.forget(show_id, seat_ids)
            await self._compensate(booking_id)
            raise
        return booking

    async def _reserve(
        self, booking_id: str, user_id: str, show_id: str, seat_ids: list[str]
    ) -> Reservation:
        try:
            return await self._inventory.reserve_seats(
                booking_id=booking_id, user_id=user_id, show_id=show_id, seat_ids=seat_ids
            )
        except (DependencyTimeout, DependencyUnavailable):
            # The reservation may have happened before the answer was lost.
            await self._compensate(booking_id)
            raise

    async def _compensate(self, booking_id: str) -> None:
        """Release the seats reserved for a booking that was not stored; never mask the cause.

        While inventory is down (the usual reason a reservation failed) the release cannot get
        through either, and most likely nothing was reserved; but a reservation whose answer was
        lost may have been made, so the release is retried in the background until inventory
        answers (ReleaseSeats is idempotent and frees nothing for a booking it never saw),
        for at most one booking lifetime.
        """
        if await self._stored(booking_id):
            log.warning("booking.stored_after_all", booking_id=booking_id)
            return
        try:
            await self._inventory.release_seats(booking_id)
        except (DependencyUnavailable, DependencyTimeout) as exc:
            log.info(
                "booking.unstored_seats_release_deferred",
                booking_id=booking_id,
                reason=type(exc).__name__,
            )
            task = asyncio.create_task(self._release_until_inventory_answers(booking_id))
            self._releasing.add(task)
            task.add_done_callback(self._releasing.discard)
        except Exception:
            log.exception("booking.unstored_seats_release_failed", booking_id=booking_id)
        else:
            log.info("booking.unstored_seats_released", booking_id=booking_id)

    async def _release_until_inventory_answers(self, booking_id: str) -> None:
        give_up_at = self._clock.now() + self._policy.expires_in
        pause = self._release_retry.first_seconds
        attempts = 1
        while self._clock.now() < give_up_at:
            await asyncio.sleep(pause)
            pause = min(pause * 2, self._release_retry.longest_seconds)
            attempts += 1
            try:
                await self._inventory.release_seats(booking_id)
            except (DependencyUnavailable, DependencyTimeout):
                continue
            except Exception:
                log.exception("booking.unstored_seats_release_failed", booking_id=booking_id)
                return
            log.info("booking.unstored_seats_released", booking_id=booking_id, attempts=attempts)
            return
        log.error(
            "booking.unstored_seats_release_abandoned",
            booking_id=booking_id,
            attempts=attempts,
            hint="inventory was unreachable for a whole booking lifetime; seats reserved for "
            "this booking id, if any, stay RESERVED until released by hand",
        )

    async def _stored(self, booking_id: str) -> bool:
        """Whether a commit whose outcome is unknown did happen; unknown counts as not stored."""
        try:
            async with self._uow() as uow:
                return await uow.bookings.get(booking_id) is not None
        except Exception:
            return False

    async def get(self, booking_id: str, requester: Requester) -> Booking:
        requester.identity()
        booking_id = require_uuid("booking_id", booking_id)
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None:
            raise BookingNotFound(booking_id)
        booking.ensure_visible_to(requester)
        return booking

    async def list_for_user(
        self, cmd: commands.ListUserBookings, requester: Requester
    ) -> tuple[BookingPage, str]:
        """The page and the token of the next one ("" at the end)."""
        requester.identity()
        user_id = require_uuid("user_id", cmd.user_id)
        requester.ensure_may_act_for(user_id, refusal="these bookings belong to another user")
        limit = paging.page_size(cmd.page_size)
        after = paging.decode(cmd.page_token)
        async with self._uow() as uow:
            page = await uow.bookings.list_for_user(user_id, limit=limit, after=after)
        return page, paging.encode(page.next_cursor)

    async def cancel(self, cmd: commands.CancelBooking, requester: Requester) -> Booking:
        requester.identity()
        booking_id = require_uuid("booking_id", cmd.booking_id)
        reason = cmd.reason.strip()
        if len(reason) > MAX_REASON_LENGTH:
            raise InvalidRequest("reason", f"reason is longer than {MAX_REASON_LENGTH} characters")
        async with self._uow() as uow:
            booking = await uow.bookings.get_for_update(booking_id)
            if booking is None:
                raise BookingNotFound(booking_id)
            booking.ensure_visible_to(requester)
            by_owner = requester.user_id == booking.user_id
            default = "cancelled by the user" if by_owner else "cancelled by an admin"
            booking.cancel(
                reason=f"{default}: {reason}" if reason else default, now=self._clock.now()
            )
            await save(uow, booking)
            await uow.commit()
        self._hot_seats.given_back(booking)
        return booking
