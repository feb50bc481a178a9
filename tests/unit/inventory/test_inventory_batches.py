"""Holds and reservations of one show applied together: the queue, and each request's answer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import pytest

from inventory.domain.errors import SeatsBusy, SeatsNotFound, SeatsUnavailable, ShowAlreadyStarted
from inventory.domain.model import Seat, SeatState, Show, Tier
from inventory.service_layer.batches import (
    HoldRequest,
    ReserveRequest,
    SeatRequest,
    apply_together,
)
from inventory.service_layer.ports import UnitOfWork
from inventory.service_layer.results import Holds, Reservation
from svckit.batching import Batcher
from tests.support.wait import eventually

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)
SHOW = Show("7d1c3f4e-0000-4000-8000-000000000001", "INR", NOW + timedelta(days=1), 4)


def new_id() -> str:
    return str(uuid.uuid4())


def seat(number: int, **changes: Any) -> Seat:
    fields: dict[str, Any] = {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "show_id": SHOW.show_id,
        "row_label": "A",
        "number": number,
        "tier": Tier.REGULAR,
        "price_minor": 20000,
        "state": SeatState.AVAILABLE,
    }
    fields.update(changes)
    return Seat(**fields)


class MemorySeats:
    """The show's seat rows in memory, with what a batch locked and wrote."""

    def __init__(self, seats: list[Seat], show: Show = SHOW) -> None:
        self.show = show
        self.rows = {s.id: s for s in seats}
        self.writes: list[tuple[list[Seat], list[tuple[str, str]]]] = []

    async def lock_for_batch(
        self, seat_ids: list[str], *, show_id: str, holders: list[str]
    ) -> tuple[Show | None, list[Seat]]:
        locked = [s for s in self.rows.values() if s.id in seat_ids or s.hold_user_id in holders]
        return (self.show if locked else None), sorted(locked, key=lambda s: s.id)

    async def seats_of_other_shows(self, seat_ids: list[str], *, show_id: str) -> list[Seat]:
        return []

    async def write_seats(
        self, show_id: str, seats: list[Seat], sold_to: list[tuple[str, str]], now: datetime
    ) -> None:
        self.writes.append((list(seats), list(sold_to)))
        self.rows.update({s.id: s for s in seats})


class MemoryUnitOfWork:
    retryable = True

    def __init__(self, seats: MemorySeats) -> None:
        self.seats = seats
        self.committed = False

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
        self.committed = True


async def together(seats: MemorySeats, requests: list[SeatRequest]) -> list[Any]:
    def unit_of_work(*, read_only: bool = False) -> UnitOfWork:
        return MemoryUnitOfWork(seats)  # type: ignore[return-value]

    return await apply_together(unit_of_work, SHOW.show_id, requests, NOW)


def reserve(user: str, *numbers: int, booking: str | None = None) -> ReserveRequest:
    ids = [seat(n).id for n in numbers]
    return ReserveRequest(booking or new_id(), user, ids, SHOW.show_id)


def hold(user: str, *numbers: int) -> HoldRequest:
    return HoldRequest(user, [seat(n).id for n in numbers], TTL, SHOW.show_id)


async def test_two_requests_for_one_seat_in_one_batch_only_the_first_gets_it() -> None:
    seats = MemorySeats([seat(1), seat(2), seat(3)])
    first, second, third = reserve(new_id(), 1, 2), reserve(new_id(), 2), reserve(new_id(), 3)

    answers = await together(seats, [first, second, third])

    assert isinstance(answers[0], Reservation)
    assert isinstance(answers[1], SeatsUnavailable)
    assert isinstance(answers[2], Reservation)
    assert seats.rows[seat(2).id].booking_id == first.booking_id
    assert seats.rows[seat(3).id].booking_id == third.booking_id
    [(_, sold)] = seats.writes  # one write for the batch
    assert sorted(sold) == sorted(
        [
            (seat(1).id, first.booking_id),
            (seat(2).id, first.booking_id),
            (seat(3).id, third.booking_id),
        ]
    )


async def test_a_refused_request_changes_nothing_and_its_neighbours_go_on() -> None:
    taken = seat(1, state=SeatState.SOLD, booking_id=new_id())
    seats = MemorySeats([taken, seat(2), seat(3)])
    user = new_id()

    answers = await together(seats, [reserve(new_id(), 1), hold(user, 2, 3)])

    assert isinstance(answers[0], SeatsUnavailable)
    assert isinstance(answers[1], Holds)
    assert seats.rows[taken.id] == taken
    assert {seats.rows[seat(n).id].hold_user_id for n in (2, 3)} == {user}


async def test_a_users_requests_in_one_batch_apply_in_arrival_order() -> None:
    """A hold then a reservation of one of the held seats: the reservation lets the other go."""
    seats = MemorySeats([seat(1), seat(2), seat(3)])
    user = new_id()

    answers = await together(seats, [hold(user, 1, 2), reserve(user, 1), hold(new_id(), 2)])

    assert [type(answer) for answer in answers] == [Holds, Reservation, Holds]
    assert seats.rows[seat(1).id].state is SeatState.RESERVED
    assert seats.rows[seat(2).id].hold_user_id != user  # released by the reservation, re-held


async def test_a_resent_reservation_in_the_batch_changes_nothing() -> None:
    booking = new_id()
    user = new_id()
    seats = MemorySeats([seat(1, state=SeatState.RESERVED, booking_id=booking), seat(2)])

    [answer] = await together(seats, [reserve(user, 1, booking=booking)])

    assert isinstance(answer, Reservation)
    assert seats.writes == []


async def test_each_request_keeps_its_own_rules() -> None:
    started = Show(SHOW.show_id, "INR", NOW - timedelta(minutes=1), 4)
    seats = MemorySeats([seat(1), seat(2)], show=started)
    answers = await together(seats, [reserve(new_id(), 1), hold(new_id(), 2)])
    assert all(isinstance(answer, ShowAlreadyStarted) for answer in answers)

    seats = MemorySeats([seat(1)])
    unknown = ReserveRequest(new_id(), new_id(), [seat(1).id, new_id()], SHOW.show_id)
    answers = await together(seats, [unknown, reserve(new_id(), 1)])
    assert isinstance(answers[0], SeatsNotFound)
    assert isinstance(answers[1], Reservation)


class Recorder:
    """Stands in for the transactions: records what ran how, and can be made to wait."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_together = False

    async def together(self, show_id: str, requests: list[SeatRequest]) -> list[Any]:
        self.runs.append(("together", len(requests)))
        await self.gate.wait()
        if self.fail_together:
            raise SeatsBusy()
        return [f"together:{request.user_id}" for request in requests]

    async def alone(self, request: SeatRequest) -> Any:
        self.runs.append(("alone", 1))
        await self.gate.wait()
        return f"alone:{request.user_id}"


async def until(condition: Callable[[], bool]) -> None:
    async def met() -> bool:
        return condition()

    await eventually(met, timeout=5, interval=0.001)


async def test_a_lone_request_goes_at_once_and_the_crowd_behind_it_goes_together() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.together, recorder.alone, max_size=8, in_flight=1)
    recorder.gate.clear()
    first = asyncio.create_task(batcher.submit(SHOW.show_id, hold("u0", 1)))
    await until(lambda: recorder.runs == [("alone", 1)])
    crowd = [
        asyncio.create_task(batcher.submit(SHOW.show_id, hold(f"u{n}", n))) for n in range(1, 11)
    ]
    await until(lambda: batcher.queued(SHOW.show_id) == 10)
    recorder.gate.set()

    answers = await asyncio.gather(first, *crowd)

    assert answers[0] == "alone:u0"
    assert answers[1:] == [f"together:u{n}" for n in range(1, 11)]
    assert recorder.runs == [("alone", 1), ("together", 8), ("together", 2)]
    assert batcher.queued(SHOW.show_id) == 0


async def test_a_failed_batch_runs_each_request_alone() -> None:
    recorder = Recorder()
    recorder.fail_together = True
    batcher = Batcher(recorder.together, recorder.alone, max_size=8, in_flight=1)
    recorder.gate.clear()
    first = asyncio.create_task(batcher.submit(SHOW.show_id, hold("u0", 1)))
    await until(lambda: recorder.runs == [("alone", 1)])
    crowd = [asyncio.create_task(batcher.submit(SHOW.show_id, hold(f"u{n}", n))) for n in (1, 2)]
    await until(lambda: batcher.queued(SHOW.show_id) == 2)
    recorder.gate.set()

    answers = await asyncio.gather(first, *crowd)

    assert answers == ["alone:u0", "alone:u1", "alone:u2"]
    assert recorder.runs == [("alone", 1), ("together", 2), ("alone", 1), ("alone", 1)]


async def test_shows_do_not_wait_for_each_other_and_a_caller_who_gives_up_is_still_answered() -> (
    None
):
    recorder = Recorder()
    batcher = Batcher(recorder.together, recorder.alone, max_size=8, in_flight=1)
    recorder.gate.clear()
    given_up = asyncio.create_task(batcher.submit(SHOW.show_id, hold("u0", 1)))
    other_show = asyncio.create_task(batcher.submit(new_id(), hold("u1", 1)))
    await until(lambda: len(recorder.runs) == 2)  # both shows' transactions are in flight
    given_up.cancel()
    recorder.gate.set()
    assert await other_show == "alone:u1"
    await batcher.close()
    assert recorder.runs == [("alone", 1), ("alone", 1)]
