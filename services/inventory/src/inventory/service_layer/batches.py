"""Holds and reservations of one show that arrive together, applied in one transaction.

In an on-sale dozens of requests for the seats of one show are in flight at every moment, and
each alone costs four round trips and a commit. The requests of a show that arrive while its
transactions are busy wait in a queue (svckit.batching); when a transaction ends, the next takes
everything queued and applies it as one:

    BEGIN → one locking statement for every seat of every request (FOR UPDATE, in id order, the
    same ``lock_timeout``) → the rules of each request, in arrival order, on what the lock
    returned and on what the requests before it in the batch took → one write for all the seats
    that change → COMMIT

A request whose rules fail (its seats are taken, also by a request before it in the same batch)
gets its own refusal and changes nothing; its neighbours go on. Anything that fails the batch as
a whole (a lock wait past ``lock_timeout``, a deadlock, a failed commit, a show under the
no-orphan rule, whose check locks more rows) makes each request of it run again alone, exactly
as an unbatched request runs, so every request still gets the answer it would have got alone.

A request that finds nothing in flight for its show goes at once, alone: an idle system adds no
latency. Up to ``in_flight`` transactions of one show run at a time, so a slow one (a lock wait)
does not hold up the whole show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from inventory.domain import model
from inventory.domain.errors import InventoryError, ShowAlreadyStarted
from inventory.domain.model import Seat, SeatState, Show
from inventory.service_layer.ports import UnitOfWork, UnitOfWorkFactory
from inventory.service_layer.results import Holds, Reservation
from svckit.batching import Batcher

__all__ = [
    "Batching",
    "HoldRequest",
    "ReserveRequest",
    "SeatBatcher",
    "SeatRequest",
    "apply_together",
]

DEFAULT_IN_FLIGHT = 2


@dataclass(frozen=True, slots=True)
class Batching:
    """How a process batches: ``size`` 1 runs every request in its own transaction."""

    size: int = 1
    in_flight: int = DEFAULT_IN_FLIGHT
    on_batch: Callable[[int, str], None] | None = None  # (requests, how) of every batch run


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Any
    changed: list[Seat]
    sold_to: list[tuple[str, str]]  # (seat id, booking id): new seat_sales rows


class NeedsToGoAlone(Exception):
    """The batch cannot decide this request (e.g. the no-orphan rule): run it alone."""


@dataclass(frozen=True, slots=True)
class HoldRequest:
    user_id: str
    seat_ids: list[str]
    hold_ttl: timedelta
    show_id: str

    @property
    def holder(self) -> str:
        return self.user_id

    def decide(self, show: Show, seats: dict[str, Seat], now: datetime) -> Outcome:
        requested = model.check_requested(show.show_id, self.seat_ids, list(seats.values()))
        _check_not_started(show, now)
        mine = [seat for seat in seats.values() if seat.hold_user_id == self.user_id]
        plan = model.plan_hold(requested, mine, self.user_id, now)
        expires_at = now + self.hold_ttl
        changed = [
            replace(
                seat,
                state=SeatState.HELD,
                hold_user_id=self.user_id,
                hold_expires_at=expires_at,
            )
            for seat in plan.hold
        ] + [_freed(seat) for seat in plan.release]
        return Outcome(Holds(plan.hold, expires_at, self.hold_ttl), changed, [])


@dataclass(frozen=True, slots=True)
class ReserveRequest:
    booking_id: str
    user_id: str
    seat_ids: list[str]
    show_id: str

    @property
    def holder(self) -> str:
        return self.user_id

    def decide(self, show: Show, seats: dict[str, Seat], now: datetime) -> Outcome:
        requested = model.check_requested(show.show_id, self.seat_ids, list(seats.values()))
        if any(not seat.is_booked_for(self.booking_id) for seat in requested):
            _check_not_started(show, now)
        mine = [seat for seat in seats.values() if seat.hold_user_id == self.user_id]
        plan = model.plan_reservation(requested, mine, self.user_id, self.booking_id, now)
        changed = [
            replace(
                seat,
                state=SeatState.RESERVED,
                booking_id=self.booking_id,
                hold_user_id=None,
                hold_expires_at=None,
            )
            for seat in plan.reserve
        ] + [_freed(seat) for seat in plan.release]
        sold_to = [(seat.id, self.booking_id) for seat in plan.reserve]
        return Outcome(Reservation(self.booking_id, show, plan.seats), changed, sold_to)


SeatRequest = HoldRequest | ReserveRequest
SeatBatcher = Batcher[str, SeatRequest]  # by show id


def _freed(seat: Seat) -> Seat:
    return replace(seat, state=SeatState.AVAILABLE, hold_user_id=None, hold_expires_at=None)


def _check_not_started(show: Show, now: datetime) -> None:
    if show.has_started(now):
        raise ShowAlreadyStarted(show.show_id)


async def apply_together(
    uow_factory: UnitOfWorkFactory, show_id: str, requests: Sequence[SeatRequest], now: datetime
) -> list[Any]:
    """One transaction for ``requests``: per request its result or its refusal (an exception).

    Raises when the batch as a whole failed (nothing was written): the caller then runs each
    request alone.
    """
    wanted = sorted({seat_id for request in requests for seat_id in request.seat_ids})
    holders = sorted({request.holder for request in requests})
    answers: list[Any] = []
    async with uow_factory() as uow:
        show, locked = await uow.seats.lock_for_batch(wanted, show_id=show_id, holders=holders)
        if show is None:
            # No requested seat is a seat of this show: each request alone says which it is.
            raise NeedsToGoAlone(show_id)
        if show.no_orphan_seats:
            raise NeedsToGoAlone(show_id)
        seats = {seat.id: seat for seat in locked}
        changes: dict[str, Seat] = {}
        sold_to: list[tuple[str, str]] = []
        for request in requests:
            if any(seat_id not in seats for seat_id in request.seat_ids):
                answers.append(await _alone_in_batch(uow, request, show, seats, now))
                continue
            try:
                outcome = request.decide(show, seats, now)
            except InventoryError as refusal:
                answers.append(refusal)
                continue
            for seat in outcome.changed:
                seats[seat.id] = changes[seat.id] = seat
            # A seat is reserved once in a batch: what a request reserved, no later one can take.
            sold_to += outcome.sold_to
            answers.append(outcome.result)
        if changes:
            await uow.seats.write_seats(show_id, list(changes.values()), sold_to, now)
        await uow.commit()
    return answers


async def _alone_in_batch(
    uow: UnitOfWork, request: SeatRequest, show: Show, seats: dict[str, Seat], now: datetime
) -> InventoryError:
    """A request naming seats that are not seats of the show: its refusal names them, as alone."""
    missing = [seat_id for seat_id in request.seat_ids if seat_id not in seats]
    others = await uow.seats.seats_of_other_shows(missing, show_id=show.show_id)
    try:
        model.check_requested(show.show_id, request.seat_ids, [*seats.values(), *others])
    except InventoryError as refusal:
        return refusal
    raise AssertionError("a seat missing from the lock passed check_requested")
