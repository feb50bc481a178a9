"""Payment events and background jobs, through fakes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from booking.domain import commands, events
from booking.domain.errors import SeatsTaken
from booking.domain.values import BookingStatus, Money, PaymentStatus
from booking.service_layer import housekeeping
from booking.service_layer.hot_seats import HotSeats
from booking.service_layer.payment_events import PaymentEvents
from booking.service_layer.services import BookingPolicy
from tests.unit.booking.fakes import FakeUnitOfWork
from tests.unit.booking.test_booking_services import USER, World

pytestmark = pytest.mark.unit

TOTAL = Money(2 * 25_000, "INR")


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def payments(world: World) -> PaymentEvents:
    return PaymentEvents(clock=world.clock, policy=BookingPolicy())


def succeeded(booking_id: str, payment_id: str = "pay-1") -> commands.PaymentSucceeded:
    return commands.PaymentSucceeded(booking_id, payment_id, USER, TOTAL)


async def test_payment_success_confirms_and_publishes_in_one_commit(
    world: World, payments: PaymentEvents
) -> None:
    booking_id = await world.create()
    await payments.succeeded(FakeUnitOfWork(world.store), succeeded(booking_id))
    assert world.store.bookings[booking_id].status is BookingStatus.CONFIRMED
    [event] = world.store.events_of(events.BookingConfirmed)
    assert isinstance(event, events.BookingConfirmed)
    assert event.booking_id == booking_id


async def test_payment_success_after_expiry_is_rejected(
    world: World, payments: PaymentEvents
) -> None:
    booking_id = await world.create()
    world.clock.advance(timedelta(minutes=20))
    await payments.succeeded(FakeUnitOfWork(world.store), succeeded(booking_id))
    booking = world.store.bookings[booking_id]
    assert booking.status is BookingStatus.EXPIRED
    assert world.store.events_of(events.BookingConfirmed) == []
    assert len(world.store.events_of(events.BookingPaymentRejected)) == 1
    assert len(world.store.events_of(events.BookingExpired)) == 1


async def test_payment_for_an_unknown_booking_is_rejected_so_it_gets_refunded(
    world: World, payments: PaymentEvents
) -> None:
    await payments.succeeded(FakeUnitOfWork(world.store), succeeded(str(uuid.uuid4())))
    [event] = world.store.events_of(events.BookingPaymentRejected)
    assert isinstance(event, events.BookingPaymentRejected)
    assert event.reason == "booking not found"


async def test_failed_payment_extends_the_booking(world: World, payments: PaymentEvents) -> None:
    booking_id = await world.create()
    world.clock.advance(timedelta(minutes=14))
    await payments.failed(
        FakeUnitOfWork(world.store),
        commands.PaymentFailed(booking_id, "pay-1", TOTAL, "card declined"),
    )
    booking = world.store.bookings[booking_id]
    assert booking.status is BookingStatus.PENDING
    assert booking.expires_at == world.clock.now() + timedelta(minutes=5)
    assert booking.payment.status is PaymentStatus.FAILED


async def test_refund_of_a_confirmed_booking(world: World, payments: PaymentEvents) -> None:
    booking_id = await world.create()
    await payments.succeeded(FakeUnitOfWork(world.store), succeeded(booking_id))
    await payments.refunded(
        FakeUnitOfWork(world.store),
        commands.PaymentRefunded(booking_id, "pay-1", "ref-1", TOTAL, 100, "", automatic=False),
    )
    booking = world.store.bookings[booking_id]
    assert booking.status is BookingStatus.REFUNDED
    assert booking.payment.status is PaymentStatus.REFUNDED
    assert booking.history[-1].reason == f"refunded 100% ({TOTAL})"
    assert len(world.store.events_of(events.BookingRefunded)) == 1


async def test_sweeper_expires_only_overdue_bookings_in_batches(world: World) -> None:
    overdue = [await world.create(seats=1) for _ in range(5)]
    world.clock.advance(timedelta(minutes=10))
    fresh = await world.create(seats=1)
    world.clock.advance(timedelta(minutes=6))
    expired = await housekeeping.expire_overdue(
        lambda: FakeUnitOfWork(world.store), world.clock, batch_size=2
    )
    assert expired == 5
    assert {b for b in overdue if world.store.bookings[b].status is BookingStatus.EXPIRED} == set(
        overdue
    )
    assert world.store.bookings[fresh].status is BookingStatus.PENDING
    released = world.store.events_of(events.BookingExpired)
    assert sorted(e.booking_id for e in released) == sorted(overdue)


async def test_archival_drops_old_seat_lines_of_closed_bookings_only(world: World) -> None:
    expired_id = await world.create()
    confirmed_id = await world.create()
    await PaymentEvents(clock=world.clock, policy=BookingPolicy()).succeeded(
        FakeUnitOfWork(world.store), succeeded(confirmed_id)
    )
    world.clock.advance(timedelta(minutes=16))
    await housekeeping.expire_overdue(lambda: FakeUnitOfWork(world.store), world.clock)
    world.clock.advance(timedelta(days=29))
    uow = lambda: FakeUnitOfWork(world.store)  # noqa: E731
    assert await housekeeping.archive_closed(uow, world.clock, older_than=timedelta(days=30)) == 0
    world.clock.advance(timedelta(days=2))
    assert await housekeeping.archive_closed(uow, world.clock, older_than=timedelta(days=30)) == 1
    assert world.store.bookings[expired_id].seats == []
    assert world.store.bookings[expired_id].status is BookingStatus.EXPIRED
    assert len(world.store.bookings[confirmed_id].seats) == 2


async def test_seats_given_back_are_forgotten_by_hot_seats(world: World) -> None:
    hot = HotSeats()
    payments = PaymentEvents(clock=world.clock, policy=BookingPolicy(), hot_seats=hot)

    async def refused(booking_id: str) -> bool:
        booking = world.store.bookings[booking_id]
        try:
            async with hot.attempt(booking.show.show_id, [s.seat_id for s in booking.seats]):
                return False
        except SeatsTaken:
            return True

    paid, refunded, lapsed = [await world.create() for _ in range(3)]
    for booking_id in (paid, refunded, lapsed):
        booking = world.store.bookings[booking_id]
        hot.remember(booking.show.show_id, {s.seat_id: s.label for s in booking.seats})
    for booking_id in (paid, refunded):
        await payments.succeeded(FakeUnitOfWork(world.store), succeeded(booking_id))
    await payments.refunded(
        FakeUnitOfWork(world.store),
        commands.PaymentRefunded(refunded, "pay-1", "ref-1", TOTAL, 100, "", automatic=False),
    )
    await payments.expired(FakeUnitOfWork(world.store), commands.PaymentExpired(lapsed, "pay-2"))
    # Still booked (CONFIRMED) is still refused; refunded and expired seats go back to inventory.
    assert [await refused(b) for b in (paid, refunded, lapsed)] == [True, False, False]

    overdue = await world.create()
    booking = world.store.bookings[overdue]
    hot.remember(booking.show.show_id, {s.seat_id: s.label for s in booking.seats})
    world.clock.advance(timedelta(minutes=16))
    await housekeeping.expire_overdue(
        lambda: FakeUnitOfWork(world.store), world.clock, hot_seats=hot
    )
    assert world.store.bookings[overdue].status is BookingStatus.EXPIRED
    assert not await refused(overdue)
