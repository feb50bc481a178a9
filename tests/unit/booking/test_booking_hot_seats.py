"""HotSeats: booked seats are refused from memory for a moment, attempts on a seat with a
reservation in flight wait for its outcome, held seats are never remembered."""

from __future__ import annotations

import asyncio

import pytest

from booking.domain.errors import SeatsTaken
from booking.service_layer.hot_seats import HotSeats, seats_booked

pytestmark = pytest.mark.unit

SHOW = "11111111-1111-1111-1111-111111111111"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def reserve(hot: HotSeats, seats: dict[str, str]) -> None:
    async with hot.attempt(SHOW, list(seats)) as attempt:
        attempt.reserved(seats)


async def test_a_reserved_seat_is_refused_until_the_ttl_passes() -> None:
    clock = FakeClock()
    hot = HotSeats(ttl_seconds=2.0, clock=clock)
    await reserve(hot, {"s1": "A1"})
    with pytest.raises(SeatsTaken) as refused:
        async with hot.attempt(SHOW, ["s2", "s1"]):
            pytest.fail("a booked seat must be refused before the attempt runs")
    assert str(refused.value) == "seat A1 is already booked"
    assert refused.value.reason == "SEATS_UNAVAILABLE"
    assert refused.value.details["seat_ids"] == "s1"
    async with hot.attempt("another-show", ["s1"]):
        pass  # seats are per show
    clock.now += 2.0
    async with hot.attempt(SHOW, ["s1"]):
        pass  # forgotten after the ttl: inventory decides again


async def test_refusals_read_like_inventorys() -> None:
    many = seats_booked([("s1", "A1"), ("s2", "A2")])
    assert str(many) == "seats A1, A2 are already booked"
    assert many.details == {
        "seat_ids": "s1,s2",
        "seats": "A1,A2",
        "booked_seat_ids": "s1,s2",
        "booked_seats": "A1,A2",
    }


async def test_seats_given_back_are_forgotten_at_once() -> None:
    hot = HotSeats()
    await reserve(hot, {"s1": "A1", "s2": "A2"})
    hot.forget(SHOW, ["s1"])
    async with hot.attempt(SHOW, ["s1"]):
        pass
    with pytest.raises(SeatsTaken):
        async with hot.attempt(SHOW, ["s2"]):
            pass


async def test_waiters_are_refused_when_the_attempt_in_flight_wins() -> None:
    hot = HotSeats()
    leader_in = asyncio.Event()
    release = asyncio.Event()
    entered: list[str] = []

    async def leader() -> None:
        async with hot.attempt(SHOW, ["s1"]) as attempt:
            leader_in.set()
            await release.wait()
            attempt.reserved({"s1": "A1"})

    async def follower(name: str) -> None:
        async with hot.attempt(SHOW, ["s1"]):
            entered.append(name)

    lead = asyncio.create_task(leader())
    await leader_in.wait()
    followers = [asyncio.create_task(follower(f"f{i}")) for i in range(5)]
    await asyncio.sleep(0)
    assert not any(task.done() for task in followers)  # they wait for the leader
    release.set()
    await lead
    results = await asyncio.gather(*followers, return_exceptions=True)
    assert entered == []
    assert all(isinstance(result, SeatsTaken) for result in results)


async def test_waiters_go_on_when_the_attempt_in_flight_fails() -> None:
    hot = HotSeats()
    leader_in = asyncio.Event()
    release = asyncio.Event()
    entered: list[str] = []

    async def leader() -> None:
        async with hot.attempt(SHOW, ["s1"]):
            leader_in.set()
            await release.wait()
            # Held by someone: the waiter may be that someone, so it must ask inventory itself.
            raise SeatsTaken(
                "seat A1 is held by another user",
                reason="SEATS_UNAVAILABLE",
                details={
                    "seat_ids": "s1",
                    "seats": "A1",
                    "booked_seat_ids": "",
                    "booked_seats": "",
                },
            )

    async def follower() -> None:
        async with hot.attempt(SHOW, ["s1"]):
            entered.append("follower")

    lead = asyncio.create_task(leader())
    await leader_in.wait()
    waiting = asyncio.create_task(follower())
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(SeatsTaken):
        await lead
    await waiting
    assert entered == ["follower"]


async def test_inventorys_booked_refusals_are_learned_and_held_ones_are_not() -> None:
    hot = HotSeats()
    with pytest.raises(SeatsTaken):
        async with hot.attempt(SHOW, ["s1", "s2", "s3"]):
            raise SeatsTaken(
                "seat A1 is already booked; seat A2 is held by another user",
                reason="SEATS_UNAVAILABLE",
                details={
                    "seat_ids": "s1,s2",
                    "seats": "A1,A2",
                    "booked_seat_ids": "s1",
                    "booked_seats": "A1",
                },
            )
    with pytest.raises(SeatsTaken, match="seat A1 is already booked"):
        async with hot.attempt(SHOW, ["s1"]):
            pass
    async with hot.attempt(SHOW, ["s2", "s3"]):
        pass


async def test_a_waiter_that_gives_up_leaves_the_leader_alone() -> None:
    hot = HotSeats()
    leader_in = asyncio.Event()
    release = asyncio.Event()

    async def leader() -> None:
        async with hot.attempt(SHOW, ["s1"]) as attempt:
            leader_in.set()
            await release.wait()
            attempt.reserved({"s1": "A1"})

    async def follower() -> None:
        async with hot.attempt(SHOW, ["s1"]):
            pass

    lead = asyncio.create_task(leader())
    await leader_in.wait()
    waiting = asyncio.create_task(follower())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await lead  # finished normally
    with pytest.raises(SeatsTaken):
        async with hot.attempt(SHOW, ["s1"]):
            pass


async def test_memory_is_bounded() -> None:
    hot = HotSeats(max_remembered=3)
    for n in range(5):
        await reserve(hot, {f"s{n}": f"A{n}"})
    async with hot.attempt(SHOW, ["s0", "s1"]):
        pass  # the oldest were dropped
    with pytest.raises(SeatsTaken):
        async with hot.attempt(SHOW, ["s4"]):
            pass


async def test_seats_booked_for_a_booking_never_refuse_that_booking_again() -> None:
    """A resend whose booking id derives from its request key goes on to inventory, which
    answers that the reservation is made already."""
    hot = HotSeats(ttl_seconds=2.0, clock=FakeClock())
    async with hot.attempt(SHOW, ["s1", "s2"], "booking-1") as attempt:
        attempt.reserved({"s1": "A1", "s2": "A2"})
    async with hot.attempt(SHOW, ["s2", "s1"], "booking-1") as again:
        again.reserved({"s1": "A1", "s2": "A2"})
    with pytest.raises(SeatsTaken):
        async with hot.attempt(SHOW, ["s1"], "booking-2"):
            pytest.fail("another booking is refused the seats")
    with pytest.raises(SeatsTaken):
        async with hot.attempt(SHOW, ["s1"]):
            pytest.fail("an attempt without a booking id is refused the seats")


async def test_a_resend_waiting_on_its_own_first_attempt_is_not_refused() -> None:
    hot = HotSeats(ttl_seconds=2.0, clock=FakeClock())
    reserving = asyncio.Event()
    go = asyncio.Event()

    async def first() -> None:
        async with hot.attempt(SHOW, ["s1"], "booking-1") as attempt:
            reserving.set()
            await go.wait()
            attempt.reserved({"s1": "A1"})

    leader = asyncio.create_task(first())
    await reserving.wait()

    async def resend() -> str:
        async with hot.attempt(SHOW, ["s1"], "booking-1"):
            return "went on to inventory"

    waiter = asyncio.create_task(resend())
    await asyncio.sleep(0)
    go.set()
    await leader
    assert await waiter == "went on to inventory"
