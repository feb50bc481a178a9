"""Best available through an in-memory repository: losing a block moves on to the next best."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

import pytest

from inventory.domain.errors import NoAdjacentSeats
from inventory.domain.model import Seat, SeatState, Show, Tier
from inventory.service_layer.services import Policy, SeatService
from svckit.clock import FakeClock

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
SHOW = "5d9c2f4e-7a41-4c6b-9b1e-0f6f3d2a9c10"
USER = "11111111-1111-4111-8111-111111111111"


def seat_id(row: str, number: int) -> str:
    return f"00000000-0000-4000-8000-{ord(row):06d}{number:06d}"


class MemorySeats:
    """The seat rows of one show; ``busy``: seats another transaction holds locked."""

    def __init__(self, rows: dict[str, list[int]], *, no_orphan: bool = False) -> None:
        self.show = Show(SHOW, "INR", NOW + timedelta(days=1), 0, no_orphan_seats=no_orphan)
        self.seats = {
            seat_id(row, n): Seat(
                seat_id(row, n), SHOW, row, n, Tier.REGULAR, 100, SeatState.AVAILABLE
            )
            for row, numbers in rows.items()
            for n in numbers
        }
        self.busy: set[str] = set()
        self.taken_after_snapshot: set[str] = set()
        self.locks = 0

    def take(self, *ids: str) -> None:
        for key in ids:
            self.seats[key] = dataclasses.replace(
                self.seats[key], state=SeatState.SOLD, booking_id="b"
            )

    async def get_show(self, show_id: str) -> Show | None:
        return self.show

    async def opened_seats(self, show_id: str) -> tuple[Show | None, list[Seat]]:
        return self.show, list(self.seats.values())

    async def taken_seats(self, show_id: str) -> list[Seat]:
        return [s for s in self.seats.values() if s.state is not SeatState.AVAILABLE]

    async def lock_free_seats(
        self, seat_ids: Sequence[str], *, show_id: str, holder_id: str | None
    ) -> tuple[Show | None, list[Seat]]:
        self.locks += 1
        self.take(*self.taken_after_snapshot)
        self.taken_after_snapshot = set()
        wanted = set(seat_ids) | {s.id for s in self.seats.values() if s.hold_user_id == holder_id}
        return self.show, [self.seats[k] for k in sorted(wanted) if k not in self.busy]

    async def hold(
        self,
        user_id: str,
        hold: Sequence[Seat],
        release: Sequence[Seat],
        expires_at: datetime,
        now: datetime,
    ) -> None:
        for seat in release:
            self.seats[seat.id] = dataclasses.replace(
                seat, state=SeatState.AVAILABLE, hold_user_id=None, hold_expires_at=None
            )
        for seat in hold:
            self.seats[seat.id] = dataclasses.replace(
                seat, state=SeatState.HELD, hold_user_id=user_id, hold_expires_at=expires_at
            )


class MemoryUnitOfWork:
    retryable = True

    def __init__(self, seats: MemorySeats) -> None:
        self.seats = seats

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        return None


def service(seats: MemorySeats) -> SeatService:
    return SeatService(
        lambda *, read_only=False: MemoryUnitOfWork(seats),  # type: ignore[arg-type,return-value]
        FakeClock(NOW),
        Policy(hold_ttl=timedelta(minutes=5), max_seats_per_hold=10),
    )


def labels(seats: Sequence[Seat]) -> list[str]:
    return sorted(seat.label for seat in seats)


async def test_the_best_block_is_held() -> None:
    seats = MemorySeats({"A": list(range(1, 9)), "B": list(range(1, 9))})

    held = await service(seats).hold_best_seats(show_id=SHOW, user_id=USER, count=2, tier=None)

    assert labels(held.seats) == ["B4", "B5"]  # B is the row two thirds back of two
    assert seats.seats[seat_id("B", 4)].hold_user_id == USER


async def test_a_block_locked_by_another_request_is_skipped_for_the_next_best() -> None:
    seats = MemorySeats({"A": list(range(1, 9))})
    seats.busy = {seat_id("A", 4)}

    held = await service(seats).hold_best_seats(show_id=SHOW, user_id=USER, count=2, tier=None)

    assert labels(held.seats) == ["A5", "A6"]  # A4-A5 lost, A3-A4 overlaps it, then A5-A6
    assert seats.locks == 2


async def test_a_block_taken_since_the_snapshot_is_skipped_too() -> None:
    seats = MemorySeats({"A": list(range(1, 9))})
    seats.taken_after_snapshot = {seat_id("A", 5)}

    held = await service(seats).hold_best_seats(show_id=SHOW, user_id=USER, count=2, tier=None)

    assert labels(held.seats) == ["A3", "A4"]  # A4-A5 and A5-A6 lost with A5; A3-A4 is next


async def test_none_left_is_a_clear_refusal() -> None:
    seats = MemorySeats({"A": [1, 2, 3, 5]})
    seats.take(seat_id("A", 2))

    with pytest.raises(NoAdjacentSeats, match="no 2 adjacent seats left in one row"):
        await service(seats).hold_best_seats(show_id=SHOW, user_id=USER, count=2, tier=None)


async def test_on_a_no_orphan_show_a_block_that_strands_nothing_is_preferred() -> None:
    seats = MemorySeats({"A": [1, 2, 3, 4, 5]}, no_orphan=True)

    held = await service(seats).hold_best_seats(show_id=SHOW, user_id=USER, count=2, tier=None)

    assert labels(held.seats) in (["A1", "A2"], ["A4", "A5"])
    assert held.stranded == []
