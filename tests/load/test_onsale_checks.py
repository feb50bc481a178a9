"""Workload g's orphan-seat check: a seat left alone is allowed only where the rule's
exception applied (the party could not have sat together without stranding one)."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.domain.model import Seat, SeatState, Tier
from tests.load.onsale_checks import unexplained_orphans

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _row(count: int, taken: set[int]) -> list[Seat]:
    return [
        Seat(
            f"s{n}",
            "show",
            "A",
            n,
            Tier.REGULAR,
            0,
            SeatState.SOLD if n in taken else SeatState.AVAILABLE,
        )
        for n in range(1, count + 1)
    ]


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_the_last_pair_may_leave_a_seat_alone() -> None:
    seats = _row(5, {1, 2, 4, 5})
    bookings = [("b1", _at(0), ["s1", "s2"]), ("b2", _at(1), ["s4", "s5"])]

    assert unexplained_orphans(seats, bookings) == ([], 1)


def test_a_pair_that_could_sit_elsewhere_must_not() -> None:
    seats = _row(6, {2, 3})
    unexplained, stranded = unexplained_orphans(seats, [("b1", _at(0), ["s2", "s3"])])

    assert [seat.number for seat in unexplained] == [1]
    assert stranded == 1


def test_seats_held_at_the_same_moment_count_as_taken() -> None:
    # 2-3 were booked while 4-5 were already held (booked a second later): no pair of the row
    # could be taken then without leaving a seat alone, so leaving seat 1 was allowed.
    seats = _row(5, {2, 3, 4, 5})
    pair = ("b1", _at(0), ["s2", "s3"])
    soon = ("b2", _at(0) + dt.timedelta(seconds=1), ["s4", "s5"])
    later = ("b2", _at(1), ["s4", "s5"])

    assert unexplained_orphans(seats, [pair, soon]) == ([], 1)
    assert [seat.number for seat in unexplained_orphans(seats, [pair, later])[0]] == [1]
