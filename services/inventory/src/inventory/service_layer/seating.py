"""Best available and the no-orphan rule, on top of the seat use cases.

Best available is computed from a snapshot (the cached layout and a fresh read of the taken
seats), then held block by block: each attempt is its own short transaction that locks the
block, its neighbourhood and the user's holds with ``FOR UPDATE SKIP LOCKED``, re-checks them
under the lock and holds, or rolls back and moves to the next block. A block that another
request has locked, or taken since the snapshot, is lost to that request; losing it never fails
this one, which goes on to the next best block (then, after a fresh snapshot, once more) before
it says that no block is left. Nothing waits on a lock, so hundreds of requests for the same
best seats spread over the next best ones instead of queuing on the first.

The no-orphan rule needs the state of the seats beside a selection and beside them (a seat is
stranded by its two neighbours): those rows are locked too, so two requests that would strand a
seat between them serialize on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from inventory.domain import model
from inventory.domain.errors import (
    InvalidRequest,
    NoAdjacentSeats,
    SeatWouldBeStranded,
    ShowAlreadyStarted,
    ShowNotFound,
    TooManySeats,
)
from inventory.domain.model import Seat, SeatState, Show, Tier
from inventory.domain.seating import Block, FreeSeats, SeatRows, may_strand, ranked_blocks, strands
from inventory.service_layer.layouts import ShowLayout
from inventory.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")

# Blocks tried per snapshot, and snapshots per request: bounded work however hot the show.
MAX_BLOCK_ATTEMPTS = 24
MAX_SNAPSHOTS = 3

InTransaction = Callable[[Callable[[UnitOfWork], Awaitable[T]]], Awaitable[T]]
LayoutOf = Callable[[str], Awaitable[ShowLayout]]


@dataclass(frozen=True, slots=True)
class BestHold:
    seats: list[Seat]
    expires_at: datetime
    ttl: timedelta
    stranded: list[Seat]


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one snapshot says: the seats not free for the user, and the user's holds."""

    show_id: str
    user_id: str
    rows: SeatRows
    taken: set[str]
    mine: list[str]
    no_orphan_seats: bool


class RowsCache:
    """``SeatRows`` per show, rebuilt when the show's layout object changes."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[ShowLayout, SeatRows]] = {}

    def of(self, layout: ShowLayout) -> SeatRows:
        cached = self._rows.get(layout.show.show_id)
        if cached is not None and cached[0] is layout:
            return cached[1]
        rows = SeatRows(layout.seats)
        self._rows[layout.show.show_id] = (layout, rows)
        return rows


def taken_for(seats: Collection[Seat], user_id: str, now: datetime) -> set[str]:
    """Of ``seats`` (read as not AVAILABLE), those not free for ``user_id``: their own holds
    and expired holds are free for them."""
    return {seat.id for seat in seats if not seat.can_be_held_by(user_id, now)}


def state_before(
    locked: Sequence[Seat], taken_elsewhere: Collection[str], now: datetime
) -> FreeSeats:
    """Which seats are free now: the locked ones as locked, the others as the snapshot says."""
    fresh = {seat.id: seat.effective_state(now) is SeatState.AVAILABLE for seat in locked}
    return FreeSeats(fresh, taken_elsewhere)


def check_no_orphan(
    rows: SeatRows,
    before: FreeSeats,
    take: Sequence[Seat],
    release: Sequence[Seat],
    mine: Sequence[Seat],
) -> None:
    """Refuse a change that strands a seat, unless no selection of as many seats could avoid it."""
    taking = [seat.id for seat in take]
    stranded = strands(rows, before, taking, [seat.id for seat in release])
    tiers = {seat.tier for seat in take}
    if stranded and not may_strand(rows, before, len(taking), [seat.id for seat in mine], tiers):
        raise SeatWouldBeStranded(stranded[0].id, stranded[0].label)


async def lock_and_check_no_orphan(
    uow: UnitOfWork,
    rows: SeatRows,
    show: Show,
    locked: Sequence[Seat],
    mine: Sequence[Seat],
    take: Sequence[Seat],
    release: Sequence[Seat],
    now: datetime,
) -> None:
    """For a hold or reservation on a no-orphan show: lock the neighbourhood of the change too
    (after the change's own seats, outside the global id order: a deadlock this may cause is
    retried by the use case), then refuse the change if it strands a seat it need not strand."""
    have = {seat.id for seat in locked}
    wanted = rows.around([seat.id for seat in (*take, *release)]) - have
    _, beside = await uow.seats.lock_seats(sorted(wanted), show_id=show.show_id, holder_id=None)
    fresh = [*locked, *beside]
    fresh_ids = {seat.id for seat in fresh}
    elsewhere = {
        seat.id
        for seat in await uow.seats.taken_seats(show.show_id)
        if seat.id not in fresh_ids and seat.effective_state(now) is not SeatState.AVAILABLE
    }
    check_no_orphan(rows, state_before(fresh, elsewhere, now), take, release, mine)


class BestAvailable:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        hold_ttl: timedelta,
        max_seats: int,
        layout_of: LayoutOf,
        rows: RowsCache,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._hold_ttl = hold_ttl
        self._max_seats = max_seats
        self._layout_of = layout_of
        self._rows = rows

    async def hold(
        self,
        *,
        show_id: str,
        user_id: str,
        count: int,
        tier: Tier | None,
    ) -> BestHold:
        show_id = model.check_id("show_id", show_id)
        user_id = model.check_id("user_id", user_id)
        if count < 1:
            raise InvalidRequest("count", f"count must be at least 1, got {count}")
        if count > self._max_seats:
            raise TooManySeats(count, self._max_seats)
        layout = await self._layout_of(show_id)
        rows = self._rows.of(layout)
        for _ in range(MAX_SNAPSHOTS):
            show, read = await self._snapshot(show_id)
            now = self._clock.now()
            if show.has_started(now):
                raise ShowAlreadyStarted(show_id)
            taken = taken_for(read, user_id, now)
            mine = [
                seat.id
                for seat in read
                if seat.hold_user_id == user_id and seat.effective_state(now) is SeatState.HELD
            ]
            rule = show.no_orphan_seats
            blocks = ranked_blocks(
                rows, taken, count, tier=tier, release=mine, avoid_stranding=rule
            )
            if not blocks:
                break
            attempt = Attempt(show_id, user_id, rows, taken, mine, rule)
            held = await self._try_blocks(attempt, blocks)
            if held is not None:
                return held
        raise NoAdjacentSeats(count, tier.value if tier else None)

    async def _snapshot(self, show_id: str) -> tuple[Show, list[Seat]]:
        async with self._uow_factory(read_only=True) as uow:
            show = await uow.seats.get_show(show_id)
            if show is None:
                raise ShowNotFound(show_id)
            return show, await uow.seats.taken_seats(show_id)

    async def _try_blocks(self, attempt: Attempt, blocks: Sequence[Block]) -> BestHold | None:
        lost: set[str] = set()
        tried = 0
        for block in blocks:
            if lost.intersection(block.ids):
                continue
            tried += 1
            if tried > MAX_BLOCK_ATTEMPTS:
                return None
            held = await self._try_block(attempt, block, lost)
            if held is not None:
                return held
        return None

    async def _try_block(self, attempt: Attempt, block: Block, lost: set[str]) -> BestHold | None:
        """One short transaction: the block held, or None (rolled back) with ``lost`` updated.

        Without the no-orphan rule only the block (and the user's holds) is locked; with it, the
        neighbourhood too, and a neighbour someone else has locked makes the block unsure."""
        user_id = attempt.user_id
        wanted = set(block.ids)
        if attempt.no_orphan_seats:
            wanted = attempt.rows.around([*block.ids, *attempt.mine])
        async with self._uow_factory() as uow:
            show, locked = await uow.seats.lock_free_seats(
                sorted(wanted), show_id=attempt.show_id, holder_id=user_id
            )
            by_id = {seat.id: seat for seat in locked}
            now = self._clock.now()
            refused = [
                seat_id
                for seat_id in block.ids
                if seat_id not in by_id or not by_id[seat_id].can_be_held_by(user_id, now)
            ]
            lost.update(refused)
            if show is None or refused or not wanted <= by_id.keys():
                return None
            if show.has_started(now):
                raise ShowAlreadyStarted(show.show_id)
            requested = [by_id[seat_id] for seat_id in block.ids]
            mine = [seat for seat in locked if seat.hold_user_id == user_id]
            plan = model.plan_hold(requested, mine, user_id, now)
            before = state_before(
                locked, set(attempt.taken) - by_id.keys() | set(attempt.mine), now
            )
            stranded = strands(attempt.rows, before, block.ids, [seat.id for seat in plan.release])
            if stranded and attempt.no_orphan_seats and not block.strands:
                return None  # it stranded nothing in the snapshot; a better block may remain
            expires_at = now + self._hold_ttl
            await uow.seats.hold(user_id, plan.hold, plan.release, expires_at, now)
            await uow.commit()
            return BestHold(plan.hold, expires_at, self._hold_ttl, stranded)
