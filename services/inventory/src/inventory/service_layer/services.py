"""Inventory use cases: open a show, read seat maps, hold, reserve, confirm and release seats.

Every use case that takes seats follows one shape, so a seat is never taken twice: lock the rows
(in id order, bounded wait) → check the rules on what the lock returned → one set-based write →
commit. A deadlock or serialization failure, which sorted locking should make impossible, is
retried in a fresh transaction rather than shown to the caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from inventory.domain import model
from inventory.domain.errors import ConcurrentUpdate, ShowAlreadyStarted, ShowNotFound
from inventory.domain.model import (
    Seat,
    SeatMapSummary,
    SeatSpec,
    SeatView,
    Show,
    Tier,
)
from inventory.service_layer.batches import (
    Batching,
    HoldRequest,
    ReserveRequest,
    SeatBatcher,
    SeatRequest,
    apply_together,
)
from inventory.service_layer.layouts import LayoutCache, ShowLayout
from inventory.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory
from inventory.service_layer.results import Holds, Reservation
from inventory.service_layer.seating import (
    BestAvailable,
    BestHold,
    RowsCache,
    lock_and_check_no_orphan,
)
from inventory.service_layer.shared_reads import SharedReads

__all__ = ["Holds", "Policy", "Reservation", "SeatService"]

T = TypeVar("T")

MAX_ATTEMPTS = 3
CLEANUP_BATCH_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Policy:
    hold_ttl: timedelta
    max_seats_per_hold: int


@dataclass(frozen=True, slots=True)
class OpenedShow:
    show_id: str
    seat_count: int
    created: bool


@dataclass(frozen=True, slots=True)
class ViewedSeat:
    seat: Seat
    view: SeatView

    @property
    def my_hold_expires_at(self) -> datetime | None:
        return self.seat.hold_expires_at if self.view is SeatView.HELD_BY_ME else None


@dataclass(frozen=True, slots=True)
class SeatMap:
    """The layout plus, by layout position, every seat the viewer does not see as available."""

    layout: ShowLayout
    taken: dict[int, ViewedSeat]
    summary: SeatMapSummary
    # Without a viewer: who holds a seat now (their own maps differ from this one).
    holders: frozenset[str] = frozenset()

    @property
    def show(self) -> Show:
        return self.layout.show

    @property
    def seats(self) -> list[ViewedSeat]:
        """Every seat in layout order (the taken ones as the viewer sees them)."""
        return [
            self.taken.get(index) or ViewedSeat(seat, SeatView.AVAILABLE)
            for index, seat in enumerate(self.layout.seats)
        ]


@dataclass(frozen=True, slots=True)
class AvailableSeats:
    show: Show
    seats: list[Seat]


class SeatService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        policy: Policy,
        layouts: LayoutCache | None = None,
        *,
        batching: Batching | None = None,
    ) -> None:
        """With ``batching`` of size > 1, holds and reservations of one show that arrive
        together share one transaction (service_layer/batches.py)."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._policy = policy
        self._layouts = layouts if layouts is not None else LayoutCache()
        self._taken = SharedReads(self._read_taken_seats)
        self._rows = RowsCache()
        self._best = BestAvailable(
            uow_factory, clock, policy.hold_ttl, policy.max_seats_per_hold, self._layout, self._rows
        )
        self._batches = (
            SeatBatcher(
                self._together,
                self._alone,
                max_size=batching.size,
                in_flight=batching.in_flight,
                on_batch=batching.on_batch,
            )
            if batching is not None and batching.size > 1
            else None
        )

    async def open_show(
        self,
        *,
        show_id: str,
        screen_id: str,
        currency: str,
        start_time: datetime,
        seats: Sequence[SeatSpec],
        guarded: bool = False,
    ) -> OpenedShow:
        """Idempotent by show id: opening an open show changes nothing and says so, except that
        ``guarded`` turns on the guard of a show stored without one (opened before inventory
        stored guards); it never turns one off."""
        show = Show(
            show_id=model.check_id("show_id", show_id),
            currency=model.check_currency(currency),
            start_time=start_time,
            seat_count=len(seats),
            guarded=guarded,
        )
        screen = model.check_id("screen_id", screen_id)
        model.check_layout(seats)

        async def run(uow: UnitOfWork) -> OpenedShow:
            created = await uow.seats.add_show(show, screen, seats)
            if created:
                return OpenedShow(show.show_id, len(seats), True)
            existing = await uow.seats.get_show(show.show_id)
            return OpenedShow(show.show_id, existing.seat_count if existing else 0, False)

        return await self._in_transaction(run)

    async def seat_map(self, show_id: str, viewer_id: str | None) -> SeatMap:
        """The cached layout of the show and a fresh read of its taken seats (shared with the
        other viewers of the show who asked at the same time): one query of a few rows per map
        at most, instead of every seat of the show."""
        show_id = model.check_id("show_id", show_id)
        layout = self._layouts.get(show_id) or await self._load_layout(show_id)
        taken = await self._taken.get(show_id)
        now = self._clock.now()
        viewed: dict[int, ViewedSeat] = {}
        for seat in taken:
            view = seat.view_for(viewer_id, now)
            if view is not SeatView.AVAILABLE:
                viewed[layout.positions[seat.id]] = ViewedSeat(seat, view)
        summary = model.summarize_taken((item.view for item in viewed.values()), len(layout.seats))
        holders = (
            frozenset(
                item.seat.hold_user_id
                for item in viewed.values()
                if item.view is SeatView.HELD and item.seat.hold_user_id
            )
            if viewer_id is None
            else frozenset()
        )
        return SeatMap(layout, viewed, summary, holders)

    async def _layout(self, show_id: str) -> ShowLayout:
        return self._layouts.get(show_id) or await self._load_layout(show_id)

    async def _load_layout(self, show_id: str) -> ShowLayout:
        async with self._uow_factory(read_only=True) as uow:
            show, opened = await uow.seats.opened_seats(show_id)
        if show is None:
            raise ShowNotFound(show_id)
        return self._layouts.put(ShowLayout(show, tuple(opened)))

    async def _read_taken_seats(self, show_id: str) -> list[Seat]:
        async with self._uow_factory(read_only=True) as uow:
            return await uow.seats.taken_seats(show_id)

    async def available_seats(self, show_id: str) -> AvailableSeats:
        show_id = model.check_id("show_id", show_id)
        async with self._uow_factory(read_only=True) as uow:
            show, seats = await uow.seats.available_seats(show_id, self._clock.now())
        if show is None:
            raise ShowNotFound(show_id)
        return AvailableSeats(show, seats)

    async def hold_seats(self, *, show_id: str, user_id: str, seat_ids: Sequence[str]) -> Holds:
        """Replace the user's holds on the show with ``seat_ids``, all or nothing."""
        show_id = model.check_id("show_id", show_id)
        user_id = model.check_id("user_id", user_id)
        ids = model.check_selection(seat_ids, self._policy.max_seats_per_hold, allow_empty=True)
        if ids and self._batches is not None:
            request = HoldRequest(user_id, ids, self._policy.hold_ttl, show_id)
            held: Holds = await self._batches.submit(show_id, request)
            return held
        return await self._hold_alone(show_id, user_id, ids)

    async def _hold_alone(self, show_id: str, user_id: str, ids: list[str]) -> Holds:
        async def run(uow: UnitOfWork) -> Holds:
            now = self._clock.now()
            show, locked = await uow.seats.lock_seats(ids, show_id=show_id, holder_id=user_id)
            requested = model.check_requested(show_id, ids, locked)
            await self._check_open(uow, show_id, show, now)
            mine = [seat for seat in locked if seat.hold_user_id == user_id]
            plan = model.plan_hold(requested, mine, user_id, now)
            if show is not None and show.no_orphan_seats:
                await self._check_no_orphan(uow, show, locked, mine, plan.hold, plan.release, now)
            expires_at = now + self._policy.hold_ttl
            await uow.seats.hold(user_id, plan.hold, plan.release, expires_at, now)
            return Holds(plan.hold, expires_at, self._policy.hold_ttl)

        return await self._in_transaction(run)

    async def hold_best_seats(
        self, *, show_id: str, user_id: str, count: int, tier: Tier | None
    ) -> BestHold:
        """The best ``count`` adjacent seats in one row (domain/seating.py), held for the user in
        place of their other holds on the show."""
        return await self._best.hold(show_id=show_id, user_id=user_id, count=count, tier=tier)

    async def set_show_rules(self, *, show_id: str, no_orphan_seats: bool) -> Show:
        show_id = model.check_id("show_id", show_id)

        async def run(uow: UnitOfWork) -> Show:
            show = await uow.seats.set_show_rules(show_id, no_orphan_seats=no_orphan_seats)
            if show is None:
                raise ShowNotFound(show_id)
            return show

        return await self._in_transaction(run)

    async def _check_no_orphan(
        self,
        uow: UnitOfWork,
        show: Show,
        locked: Sequence[Seat],
        mine: Sequence[Seat],
        take: Sequence[Seat],
        release: Sequence[Seat],
        now: datetime,
    ) -> None:
        rows = self._rows.of(await self._layout(show.show_id))
        await lock_and_check_no_orphan(uow, rows, show, locked, mine, take, release, now)

    async def release_holds(self, *, user_id: str, show_id: str | None) -> int:
        user_id = model.check_id("user_id", user_id)
        show = model.check_id("show_id", show_id) if show_id else None

        async def run(uow: UnitOfWork) -> int:
            return await uow.seats.release_holds(user_id, show, self._clock.now())

        return await self._in_transaction(run)

    async def reserve_seats(
        self, *, booking_id: str, user_id: str, show_id: str, seat_ids: Sequence[str]
    ) -> Reservation:
        """Mark the seats RESERVED for the booking; a retry with the same booking id returns the
        same seats without changing anything."""
        booking_id = model.check_id("booking_id", booking_id)
        user_id = model.check_id("user_id", user_id)
        show_id = model.check_id("show_id", show_id)
        ids = model.check_selection(seat_ids, self._policy.max_seats_per_hold, allow_empty=False)
        if self._batches is not None:
            reserved: Reservation = await self._batches.submit(
                show_id, ReserveRequest(booking_id, user_id, ids, show_id)
            )
            return reserved
        return await self._reserve_alone(booking_id, user_id, show_id, ids)

    async def _reserve_alone(
        self, booking_id: str, user_id: str, show_id: str, ids: list[str]
    ) -> Reservation:
        async def run(uow: UnitOfWork) -> Reservation:
            now = self._clock.now()
            show, locked = await uow.seats.lock_seats(ids, show_id=show_id, holder_id=user_id)
            requested = model.check_requested(show_id, ids, locked)
            if show is None:
                raise ShowNotFound(show_id)
            if any(not seat.is_booked_for(booking_id) for seat in requested):
                self._check_not_started(show, now)
            mine = [seat for seat in locked if seat.hold_user_id == user_id]
            plan = model.plan_reservation(requested, mine, user_id, booking_id, now)
            if show.no_orphan_seats and not plan.changes_nothing:
                await self._check_no_orphan(
                    uow, show, locked, mine, plan.reserve, plan.release, now
                )
            if not plan.changes_nothing:
                await uow.seats.reserve(booking_id, plan.reserve, plan.release, now)
            return Reservation(booking_id, show, plan.seats)

        return await self._in_transaction(run)

    async def confirm_seats(self, booking_id: str) -> int:
        booking_id = model.check_id("booking_id", booking_id)

        async def run(uow: UnitOfWork) -> int:
            return await uow.seats.confirm(booking_id, self._clock.now())

        return await self._in_transaction(run)

    async def release_seats(self, booking_id: str) -> int:
        booking_id = model.check_id("booking_id", booking_id)

        async def run(uow: UnitOfWork) -> int:
            return await uow.seats.release(booking_id, self._clock.now())

        return await self._in_transaction(run)

    async def free_expired_holds(self) -> int:
        """Garbage collection only: expired holds already count as available everywhere."""
        total = 0
        while True:
            cleaned = await self._in_transaction(
                lambda uow: uow.seats.free_expired_holds(self._clock.now(), CLEANUP_BATCH_SIZE)
            )
            total += cleaned
            if cleaned < CLEANUP_BATCH_SIZE:
                return total

    async def _check_open(
        self, uow: UnitOfWork, show_id: str, show: Show | None, now: datetime
    ) -> None:
        if show is None:
            show = await uow.seats.get_show(show_id)
        if show is None:
            raise ShowNotFound(show_id)
        self._check_not_started(show, now)

    @staticmethod
    def _check_not_started(show: Show, now: datetime) -> None:
        if show.has_started(now):
            raise ShowAlreadyStarted(show.show_id)

    async def _together(self, show_id: str, requests: list[SeatRequest]) -> list[object]:
        return await apply_together(self._uow_factory, show_id, requests, self._clock.now())

    async def _alone(self, request: SeatRequest) -> Holds | Reservation:
        if isinstance(request, HoldRequest):
            return await self._hold_alone(request.show_id, request.user_id, request.seat_ids)
        return await self._reserve_alone(
            request.booking_id, request.user_id, request.show_id, request.seat_ids
        )

    def queued(self, show_id: str) -> int:
        """Holds and reservations of the show waiting for the next batch."""
        return self._batches.queued(show_id) if self._batches is not None else 0

    async def close(self) -> None:
        """Answer the holds and reservations still in a batch."""
        if self._batches is not None:
            await self._batches.close()

    async def _in_transaction(self, fn: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            uow = self._uow_factory()
            try:
                async with uow:
                    result = await fn(uow)
                    await uow.commit()
                    return result
            except ConcurrentUpdate:
                if not uow.retryable or attempt == MAX_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")
