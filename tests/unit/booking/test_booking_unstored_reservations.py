"""The sweep of seats reserved for bookings booking never stored, through fakes of its ports."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from booking.config import Config
from booking.domain.errors import DependencyUnavailable, SeatsTaken
from booking.domain.model import Booking
from booking.domain.values import BookedSeat, Money
from booking.entrypoints.unstored_reservations_job import count
from booking.service_layer.ports import Reservation
from booking.service_layer.unstored_reservations import (
    StaleReservation,
    StaleReservationPage,
    SweepReport,
    UnstoredReservationSweep,
)
from svckit.clock import FakeClock
from svckit.config import ConfigError
from tests.unit.booking.fakes import NOW, FakeUnitOfWork, Store, show_snapshot

pytestmark = pytest.mark.unit

LIFETIME = timedelta(minutes=15)
GRACE = timedelta(minutes=5)
CUTOFF = NOW - LIFETIME - GRACE
LONG_AGO = CUTOFF - timedelta(hours=1)
SHOW = str(uuid.uuid4())


@dataclass
class Reserved:
    user_id: str
    show_id: str
    seat_ids: list[str]
    reserved_at: datetime


class FakeInventory:
    """Reservations by booking id, listed as ListStaleReservations lists them."""

    def __init__(self) -> None:
        self.reservations: dict[str, Reserved] = {}
        self.asked_before: list[datetime] = []
        self.release_failures: list[Exception] = []
        self.on_release: Callable[[str], None] = lambda booking_id: None
        self.taken_by_others: set[str] = set()

    def reserve(self, *, seats: int = 2, at: datetime = LONG_AGO) -> str:
        booking_id = str(uuid.uuid4())
        self.reservations[booking_id] = Reserved(
            str(uuid.uuid4()), SHOW, [str(uuid.uuid4()) for _ in range(seats)], at
        )
        return booking_id

    async def list_stale(
        self, *, reserved_before: datetime, page_size: int, page_token: str
    ) -> StaleReservationPage:
        self.asked_before.append(reserved_before)
        stale = sorted(
            (
                StaleReservation(booking_id, r.show_id, len(r.seat_ids), r.reserved_at)
                for booking_id, r in self.reservations.items()
                if r.reserved_at < reserved_before and booking_id > page_token
            ),
            key=lambda reservation: reservation.booking_id,
        )
        page = stale[:page_size]
        return StaleReservationPage(page, page[-1].booking_id if len(stale) > page_size else "")

    async def release_seats(self, booking_id: str) -> None:
        if self.release_failures:
            raise self.release_failures.pop(0)
        self.reservations.pop(booking_id, None)
        self.on_release(booking_id)

    async def reserve_seats(
        self, *, booking_id: str, user_id: str, show_id: str, seat_ids: Sequence[str]
    ) -> Reservation:
        if self.taken_by_others & set(seat_ids):
            raise SeatsTaken("seats taken")
        self.reservations[booking_id] = Reserved(user_id, show_id, list(seat_ids), NOW)
        seats = [BookedSeat(seat_id, "A", 1, "REGULAR", 100) for seat_id in seat_ids]
        return Reservation(seats, Money(100 * len(seats), "INR"))


class FakeStoredIds:
    def __init__(self, store: Store) -> None:
        self._store = store
        self.before_read: Callable[[list[str]], None] = lambda ids: None
        self.failure: Exception | None = None

    async def stored(self, booking_ids: Sequence[str]) -> set[str]:
        if self.failure is not None:
            raise self.failure
        self.before_read(list(booking_ids))
        return {booking_id for booking_id in booking_ids if booking_id in self._store.bookings}


class World:
    def __init__(self) -> None:
        self.store = Store()
        self.inventory = FakeInventory()
        self.stored = FakeStoredIds(self.store)
        self.sweep = self.sweep_with(page_size=100)

    def sweep_with(self, *, page_size: int) -> UnstoredReservationSweep:
        return UnstoredReservationSweep(
            stale=self.inventory,
            inventory=self.inventory,
            stored=self.stored,
            uow=lambda: FakeUnitOfWork(self.store),
            clock=FakeClock(NOW),
            booking_lifetime=LIFETIME,
            grace=GRACE,
            page_size=page_size,
        )

    def store_booking_of(self, booking_id: str) -> None:
        """What a resend with the request's key does: store the booking of that id."""
        reserved = self.inventory.reservations.get(booking_id) or self.released[booking_id]
        booking = Booking.open(
            booking_id=booking_id,
            user_id=reserved.user_id,
            show=show_snapshot(reserved.show_id, NOW + timedelta(days=1)),
            seats=[BookedSeat(seat_id, "A", 1, "REGULAR", 100) for seat_id in reserved.seat_ids],
            total=Money(100 * len(reserved.seat_ids), "INR"),
            now=NOW,
            expires_in=LIFETIME,
        )
        self.store.bookings[booking_id] = booking

    def remember(self) -> None:
        self.released = copy.deepcopy(self.inventory.reservations)


@pytest.fixture
def world() -> World:
    return World()


async def test_releases_the_stale_reservations_of_bookings_booking_never_stored(
    world: World,
) -> None:
    unstored = world.inventory.reserve(seats=3)
    stored = world.inventory.reserve()
    world.store_booking_of(stored)

    report = await world.sweep.run()

    assert set(world.inventory.reservations) == {stored}
    assert [reservation.booking_id for reservation in report.released] == [unstored]
    assert report.seats_released == 3
    assert report.known == 1
    assert not report.interrupted


async def test_only_reservations_older_than_the_booking_lifetime_plus_the_grace_are_swept(
    world: World,
) -> None:
    old = world.inventory.reserve(at=CUTOFF - timedelta(seconds=1))
    young = world.inventory.reserve(at=CUTOFF + timedelta(seconds=1))

    await world.sweep.run()

    assert world.inventory.asked_before == [CUTOFF]
    assert set(world.inventory.reservations) == {young}
    assert old not in world.inventory.reservations


async def test_every_page_is_swept(world: World) -> None:
    unstored = {world.inventory.reserve() for _ in range(5)}
    stored = world.inventory.reserve()
    world.store_booking_of(stored)

    report = await world.sweep_with(page_size=2).run()

    assert {reservation.booking_id for reservation in report.released} == unstored
    assert set(world.inventory.reservations) == {stored}
    assert len(world.inventory.asked_before) == 3


async def test_a_booking_stored_after_the_page_was_read_keeps_its_seats(world: World) -> None:
    late = world.inventory.reserve()
    reads: list[list[str]] = []

    def resend_stores_it(ids: list[str]) -> None:
        reads.append(ids)
        if len(reads) == 2:  # the read of that one id, right before its release
            world.store_booking_of(late)

    world.stored.before_read = resend_stores_it

    report = await world.sweep.run()

    assert late in world.inventory.reservations
    assert reads == [[late], [late]]
    assert report.stored_meanwhile == [late]
    assert report.released == []


async def test_a_booking_stored_while_its_seats_were_released_gets_them_reserved_again(
    world: World,
) -> None:
    raced = world.inventory.reserve()
    world.remember()
    world.inventory.on_release = world.store_booking_of

    report = await world.sweep.run()

    assert world.inventory.reservations[raced].seat_ids == world.released[raced].seat_ids
    assert report.restored == [raced]
    assert report.released == []


async def test_seats_taken_in_that_instant_are_reported_lost_not_raised(world: World) -> None:
    raced = world.inventory.reserve()
    world.remember()
    world.inventory.on_release = world.store_booking_of
    world.inventory.taken_by_others = set(world.released[raced].seat_ids)

    report = await world.sweep.run()

    assert report.lost == [raced]
    assert raced not in world.inventory.reservations


async def test_inventory_down_stops_the_sweep_and_the_next_one_finishes_it(
    world: World,
) -> None:
    first, second = sorted(world.inventory.reserve() for _ in range(2))
    world.inventory.release_failures = [DependencyUnavailable("inventory is unavailable")]

    interrupted = await world.sweep.run()

    assert interrupted.interrupted
    assert interrupted.released == []
    assert set(world.inventory.reservations) == {first, second}
    finished = await world.sweep.run()
    assert not finished.interrupted
    assert world.inventory.reservations == {}


async def test_one_failed_release_does_not_stop_the_others(world: World) -> None:
    first, second = sorted(world.inventory.reserve() for _ in range(2))
    world.inventory.release_failures = [RuntimeError("unexpected")]

    report = await world.sweep.run()

    assert report.failed == [first]
    assert [reservation.booking_id for reservation in report.released] == [second]


async def test_when_booking_cannot_tell_what_it_stored_nothing_is_released(
    world: World,
) -> None:
    world.inventory.reserve()
    world.stored.failure = ConnectionError("database unavailable")

    with pytest.raises(ConnectionError):
        await world.sweep.run()

    assert len(world.inventory.reservations) == 1


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_sweep_counts_reservations_by_outcome_and_the_seats_it_released() -> None:
    released = _sample("booking_unstored_reservations_total", outcome="released")
    lost = _sample("booking_unstored_reservations_total", outcome="lost")
    seats = _sample("booking_unstored_seats_released_total")
    report = SweepReport(
        released=[
            StaleReservation("b-1", SHOW, 2, LONG_AGO),
            StaleReservation("b-2", SHOW, 3, NOW),
        ],
        lost=["b-3"],
    )

    count(report)

    assert _sample("booking_unstored_reservations_total", outcome="released") == released + 2
    assert _sample("booking_unstored_reservations_total", outcome="lost") == lost + 1
    assert _sample("booking_unstored_seats_released_total") == seats + 5


def test_the_sweep_settings_default_to_every_five_minutes_with_a_quarter_hour_grace() -> None:
    config = Config.from_env({})
    assert config.unstored_reservation_sweep_seconds == 300
    assert config.unstored_reservation_grace_minutes == 15
    fast = Config.from_env(
        {"UNSTORED_RESERVATION_SWEEP_SECONDS": "0.2", "UNSTORED_RESERVATION_GRACE_MINUTES": "0"}
    )
    assert (fast.unstored_reservation_sweep_seconds, fast.unstored_reservation_grace_minutes) == (
        0.2,
        0,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("UNSTORED_RESERVATION_SWEEP_SECONDS", "0"), ("UNSTORED_RESERVATION_GRACE_MINUTES", "-1")],
)
def test_a_bad_sweep_setting_stops_the_start_and_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_env({name: value})
    assert refused.value.name == name
