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
    Conflict,
    DependencyTimeout,
    DependencyUnavailable,
    InvalidRequest,
    SeatsTaken,
    ShowAlreadyStarted,
    ShowNotBookable,
)
from booking.domain.model import Booking
from booking.domain.values import BookingStatus, Requester, require_seat_selection, require_uuid
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
MAX_REQUEST_KEY_LENGTH = 255  # as the gateway's Idempotency-Key

# The namespace of the booking ids derived from a request key. Fixed for good: another namespace
# would give a request resent across the change a new booking id, competing for its own seats.
KEYED_BOOKING_IDS = uuid.UUID("4b1d0c3e-7f2a-5e96-9a51-6c0d2f8e1b47")

_HOLDING = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


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


def keyed_booking_id(
    *, caller_id: str, user_id: str, show_id: str, seat_ids: list[str], request_key: str
) -> str:
    """The booking id of a request with a key: the same for every resend of that request.

    The key is the caller's (the gateway scopes Idempotency-Keys by caller), and the request is
    what it asks for: the user, the show and the set of seats. Another request under the same
    key therefore gets another id and never touches this one's seats, so inventory's "a
    reservation for this booking id is done already" can only ever see this request's seats.
    """
    name = "\n".join((caller_id, user_id, show_id, ",".join(sorted(seat_ids)), request_key))
    return str(uuid.uuid5(KEYED_BOOKING_IDS, name))


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
        """Reserve the seats in inventory, then store the booking.

        With a request key, the booking id derives from the request (``keyed_booking_id``), so a
        resend after a failure finishes what the first attempt started: if the first attempt
        reserved the seats and died before storing, the resend's reservation is one inventory
        already made (it changes nothing) and the resend stores the booking; if the first
        attempt stored the booking, the resend's insert finds it and answers with it.
        """
        caller_id = requester.identity()
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
        key = cmd.request_key
        if len(key) > MAX_REQUEST_KEY_LENGTH:
            raise InvalidRequest(
                "request_key", f"request_key is longer than {MAX_REQUEST_KEY_LENGTH} characters"
            )
        booking_id = (
            keyed_booking_id(
                caller_id=caller_id,
                user_id=user_id,
                show_id=show_id,
                seat_ids=seat_ids,
                request_key=key,
            )
            if key
            else self._new_id()
        )
        # From the reservation on, a caller who gives up must not leave seats stranded: the rest
        # runs to the end (stored, or compensated) in its own task.
        task = asyncio.ensure_future(
            self._reserve_and_store(booking_id, user_id, show, seat_ids, keyed=bool(key))
        )
        self._creating.add(task)
        task.add_done_callback(self._created)
        return await asyncio.shield(task)

    def _created(self, task: asyncio.Task[Booking]) -> None:
        self._creating.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a caller who gave up must not leave it "never retrieved"

    async def _reserve_and_store(
        self,
        booking_id: str,
        user_id: str,
        show: CatalogShow,
        seat_ids: list[str],
        *,
        keyed: bool = False,
    ) -> Booking:
        show_id = show.snapshot.show_id
        asked_inventory = False
        try:
            async with self._hot_seats.attempt(show_id, seat_ids, booking_id) as attempt:
                asked_inventory = True
                reservation = await self._reserve(booking_id, user_id, show_id, seat_ids)
                attempt.reserved({seat.seat_id: seat.label for seat in reservation.seats})
        except SeatsTaken:
            # A resend whose first attempt stored the booking, which has since let its seats go
            # (expired, cancelled) and someone else took them: the answer is that booking.
            # Refusals from memory (the hot-seat path) stay free of any database read.
            if keyed and asked_inventory:
                try:
                    earlier = await self._stored_booking(booking_id)
                except Exception:
                    earlier = None  # unknown: the refusal stands
                if earlier is not None:
                    return self._same_request(earlier, user_id, show_id, seat_ids)
            raise
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
            stored = await self._new_bookings.add(booking)
        except BaseException:
            self._hot_seats.forget(show_id, seat_ids)
            await self._compensate(booking_id)
            raise
        if stored:
            return booking
        return await self._stored_before(booking_id, user_id, show_id, seat_ids)

    async def _stored_before(
        self, booking_id: str, user_id: str, show_id: str, seat_ids: list[str]
    ) -> Booking:
        """A resend found its booking stored by the first attempt: answer with it, as it is now.

        The reservation just made was a no-op if the booking still holds its seats (PENDING or
        CONFIRMED). If it no longer does (expired or cancelled meanwhile), the reservation took
        the seats again for a booking that is over, so they are released again.
        """
        earlier = await self._stored_booking(booking_id)
        if earlier is None:  # bookings are never deleted; only a failed read gets here
            raise DependencyUnavailable(f"booking {booking_id} is stored but could not be read")
        if earlier.status not in _HOLDING:
            self._hot_seats.forget(show_id, seat_ids)
            await self._release(booking_id, unless_stored=False)
        return self._same_request(earlier, user_id, show_id, seat_ids)

    @staticmethod
    def _same_request(earlier: Booking, user_id: str, show_id: str, seat_ids: list[str]) -> Booking:
        """``earlier`` if it is what this request asks for; ids derive from the request, so
        anything else is a request key forced onto another request (refused, never a 500)."""
        same = earlier.user_id == user_id and earlier.show.show_id == show_id
        # Seat lines of long-closed bookings are archived (dropped): nothing left to compare.
        if earlier.seats and sorted(earlier.seat_ids) != sorted(seat_ids):
            same = False
        if not same:
            raise Conflict(
                f"booking {earlier.id} was made for another request with this request key",
                reason="REQUEST_KEY_REUSED",
                details={"booking_id": earlier.id},
            )
        return earlier

    async def _stored_booking(self, booking_id: str) -> Booking | None:
        async with self._uow() as uow:
            return await uow.bookings.get(booking_id)

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
        await self._release(booking_id, unless_stored=True)

    async def _release(self, booking_id: str, *, unless_stored: bool) -> None:
        """Release the booking's seats, retried in the background while inventory is down.

        ``unless_stored``: the seats of a booking that was not stored. A resend of a keyed
        request may store that very booking id while the release waits for inventory, so every
        retry first makes sure it still is not stored.
        """
        try:
            await self._inventory.release_seats(booking_id)
        except (DependencyUnavailable, DependencyTimeout) as exc:
            log.info(
                "booking.unstored_seats_release_deferred",
                booking_id=booking_id,
                reason=type(exc).__name__,
            )
            task = asyncio.create_task(
                self._release_until_inventory_answers(booking_id, unless_stored=unless_stored)
            )
            self._releasing.add(task)
            task.add_done_callback(self._releasing.discard)
        except Exception:
            log.exception("booking.unstored_seats_release_failed", booking_id=booking_id)
        else:
            log.info("booking.unstored_seats_released", booking_id=booking_id)

    async def _release_until_inventory_answers(
        self, booking_id: str, *, unless_stored: bool = True
    ) -> None:
        give_up_at = self._clock.now() + self._policy.expires_in
        pause = self._release_retry.first_seconds
        attempts = 1
        while self._clock.now() < give_up_at:
            await asyncio.sleep(pause)
            pause = min(pause * 2, self._release_retry.longest_seconds)
            attempts += 1
            if unless_stored and await self._stored(booking_id):
                # A resend with the request's key stored it: the seats are its booking's now.
                log.info("booking.unstored_seats_stored_by_resend", booking_id=booking_id)
                return
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
