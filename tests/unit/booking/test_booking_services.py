"""Use cases of the booking service through fakes of its ports."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from booking.domain import commands, events
from booking.domain.errors import (
    BookingNotFound,
    Conflict,
    DependencyTimeout,
    DependencyUnavailable,
    InvalidRequest,
    NotAuthenticated,
    NotBookingOwner,
    SeatsTaken,
    ShowAlreadyStarted,
    ShowNotBookable,
    ShowNotFound,
    WrongBookingState,
)
from booking.domain.model import Booking
from booking.domain.values import BookingStatus, Requester
from booking.service_layer import services
from booking.service_layer.services import BookingPolicy, Bookings, ReleaseRetry, keyed_booking_id
from booking.service_layer.show_cache import CachedCatalog
from svckit.clock import FakeClock
from tests.support.wait import eventually
from tests.unit.booking.fakes import (
    NOW,
    FakeCatalog,
    FakeInventory,
    FakeNewBookings,
    FakeUnitOfWork,
    Store,
)

pytestmark = pytest.mark.unit

USER = str(uuid.uuid4())
OTHER = str(uuid.uuid4())
SHOW = str(uuid.uuid4())


class World:
    def __init__(self) -> None:
        self.store = Store()
        self.clock = FakeClock(NOW)
        self.catalog = FakeCatalog()
        self.catalog.add_show(SHOW, NOW + timedelta(days=1))
        self.inventory = FakeInventory()
        self.cached = CachedCatalog(self.catalog, self.clock, max_entries=8, ttl_seconds=60)
        self.bookings = Bookings(
            uow=lambda: FakeUnitOfWork(self.store),
            new_bookings=FakeNewBookings(self.store),
            catalog=self.cached,
            inventory=self.inventory,
            clock=self.clock,
            policy=BookingPolicy(),
            release_retry=ReleaseRetry(first_seconds=0, longest_seconds=0),
        )

    async def create(self, seats: int = 2, user: str = USER, show: str = SHOW) -> str:
        booking = await self.bookings.create(
            commands.CreateBooking(user, show, [str(uuid.uuid4()) for _ in range(seats)]),
            Requester(user),
        )
        return booking.id


@pytest.fixture
def world() -> World:
    return World()


async def test_create_reserves_the_seats_and_stores_a_pending_booking(world: World) -> None:
    seats = [str(uuid.uuid4()), str(uuid.uuid4())]
    booking = await world.bookings.create(
        commands.CreateBooking(USER, SHOW, seats), Requester(USER)
    )
    stored = world.store.bookings[booking.id]
    assert stored.status is BookingStatus.PENDING
    assert stored.expires_at == NOW + timedelta(minutes=15)
    assert sorted(stored.seat_ids) == sorted(seats)
    assert stored.total.amount_minor == 2 * FakeInventory.PRICE
    assert stored.show.movie_title == "Inception"
    assert world.inventory.reserved[booking.id] == seats


async def test_the_show_is_asked_of_the_catalog_once_for_many_bookings(world: World) -> None:
    for _ in range(3):
        await world.create()
    assert world.catalog.calls == 1


async def test_concurrent_first_bookings_of_a_show_share_one_catalog_call(world: World) -> None:
    await asyncio.gather(*(world.create() for _ in range(5)))
    assert world.catalog.calls == 1


async def test_a_show_not_yet_bookable_is_refused_and_not_cached(world: World) -> None:
    show = str(uuid.uuid4())
    world.catalog.add_show(show, NOW + timedelta(days=1), bookable=False)
    for _ in range(2):
        with pytest.raises(ShowNotBookable):
            await world.create(show=show)
    assert world.catalog.calls == 2
    assert world.inventory.reserved == {}


async def test_a_started_show_is_refused_even_when_cached(world: World) -> None:
    await world.create()
    world.clock.advance(timedelta(days=1))
    with pytest.raises(ShowAlreadyStarted):
        await world.create()
    assert len(world.inventory.reserved) == 1


async def test_an_unknown_show_is_not_found(world: World) -> None:
    with pytest.raises(ShowNotFound):
        await world.create(show=str(uuid.uuid4()))


async def test_booking_needs_a_caller_and_only_for_oneself_unless_admin(world: World) -> None:
    cmd = commands.CreateBooking(USER, SHOW, [str(uuid.uuid4())])
    with pytest.raises(NotAuthenticated):
        await world.bookings.create(cmd, Requester(None))
    with pytest.raises(NotBookingOwner):
        await world.bookings.create(cmd, Requester(OTHER))
    booking = await world.bookings.create(cmd, Requester(OTHER, is_admin=True))
    assert booking.user_id == USER


async def test_more_than_ten_seats_is_invalid(world: World) -> None:
    with pytest.raises(InvalidRequest, match="at most 10"):
        await world.create(seats=11)


async def test_inventory_refusal_reaches_the_caller_unchanged(world: World) -> None:
    world.inventory.fail_with = SeatsTaken("seats A1 are held by another user", reason="SEATS_HELD")
    with pytest.raises(SeatsTaken, match="seats A1 are held by another user"):
        await world.create()
    assert world.store.bookings == {}


async def test_seats_are_released_when_storing_the_booking_fails(world: World) -> None:
    world.store.fail_next_commit = ConnectionError("database went away")
    with pytest.raises(ConnectionError):
        await world.create()
    assert world.store.bookings == {}
    assert world.inventory.reserved == {}
    assert len(world.inventory.released) == 1


async def test_seats_are_released_when_the_reservation_answer_is_lost(world: World) -> None:
    world.inventory.fail_after_reserving = DependencyTimeout("inventory did not answer")
    with pytest.raises(DependencyTimeout):
        await world.create()
    assert world.inventory.reserved == {}


async def test_seats_of_an_unstored_booking_are_released_once_inventory_is_back(
    world: World,
) -> None:
    world.inventory.fail_after_reserving = DependencyUnavailable("inventory connection lost")
    world.inventory.release_failures = [
        DependencyUnavailable("inventory is down"),
        DependencyTimeout("inventory did not answer"),
    ]
    with pytest.raises(DependencyUnavailable):
        await world.create()
    assert len(world.inventory.reserved) == 1  # the lost reservation, not released yet

    async def released() -> bool:
        return world.inventory.reserved == {}

    await eventually(released, timeout=5, interval=0.001, message="seats released")
    assert len(world.inventory.released) == 1
    assert world.store.bookings == {}


async def test_get_is_for_the_owner_and_admins(world: World) -> None:
    booking_id = await world.create()
    assert (await world.bookings.get(booking_id, Requester(USER))).id == booking_id
    assert (await world.bookings.get(booking_id, Requester(OTHER, is_admin=True))).id == booking_id
    with pytest.raises(NotBookingOwner):
        await world.bookings.get(booking_id, Requester(OTHER))
    with pytest.raises(BookingNotFound):
        await world.bookings.get(str(uuid.uuid4()), Requester(USER))
    with pytest.raises(InvalidRequest, match="booking_id"):
        await world.bookings.get("nope", Requester(USER))


async def test_list_is_newest_first_and_pages_through_everything(world: World) -> None:
    created = []
    for _ in range(5):
        created.append(await world.create(seats=1))
        world.clock.advance(timedelta(seconds=1))
    seen: list[str] = []
    token = ""
    while True:
        page, token = await world.bookings.list_for_user(
            commands.ListUserBookings(USER, page_size=2, page_token=token), Requester(USER)
        )
        assert page.total_size == 5
        seen.extend(b.id for b in page.bookings)
        if not token:
            break
    assert seen == list(reversed(created))


async def test_list_of_another_user_is_denied(world: World) -> None:
    with pytest.raises(NotBookingOwner):
        await world.bookings.list_for_user(commands.ListUserBookings(USER), Requester(OTHER))
    with pytest.raises(InvalidRequest, match="page_token"):
        await world.bookings.list_for_user(
            commands.ListUserBookings(USER, page_token="garbage"), Requester(USER)
        )


async def test_cancel_pending_publishes_the_release(world: World) -> None:
    booking_id = await world.create()
    booking = await world.bookings.cancel(
        commands.CancelBooking(booking_id, "plans changed"), Requester(USER)
    )
    assert booking.status is BookingStatus.CANCELLED
    assert world.store.bookings[booking_id].status_reason == "cancelled by the user: plans changed"
    [event] = world.store.events_of(events.BookingCancelled)
    assert isinstance(event, events.BookingCancelled)
    assert len(event.seat_ids) == 2


async def test_cancel_of_someone_elses_booking_is_denied_and_changes_nothing(world: World) -> None:
    booking_id = await world.create()
    with pytest.raises(NotBookingOwner):
        await world.bookings.cancel(commands.CancelBooking(booking_id), Requester(OTHER))
    assert world.store.bookings[booking_id].status is BookingStatus.PENDING
    assert world.store.outbox == []


async def test_cancel_twice_says_the_booking_is_already_cancelled(world: World) -> None:
    booking_id = await world.create()
    await world.bookings.cancel(commands.CancelBooking(booking_id), Requester(USER))
    with pytest.raises(WrongBookingState, match="already CANCELLED"):
        await world.bookings.cancel(commands.CancelBooking(booking_id), Requester(USER))
    assert len(world.store.outbox) == 1


# A request key (the client's Idempotency-Key) ---------------------------------------------------
async def keyed(world: World, seat_ids: list[str], key: str = "key-1") -> Booking:
    return await world.bookings.create(
        commands.CreateBooking(USER, SHOW, seat_ids, key), Requester(USER)
    )


async def test_a_resend_with_the_key_answers_with_the_stored_booking(world: World) -> None:
    seats = [str(uuid.uuid4()), str(uuid.uuid4())]
    first = await keyed(world, seats)
    again = await keyed(world, list(reversed(seats)))
    assert again == first
    assert list(world.store.bookings) == [first.id]
    assert world.inventory.released == []
    assert world.inventory.reserved == {first.id: list(reversed(seats))}


async def test_the_booking_id_derives_from_the_request_and_its_key(world: World) -> None:
    seats = [str(uuid.uuid4())]
    first = await keyed(world, seats, "key-1")
    other_key = await keyed(world, [str(uuid.uuid4())], "key-1")
    assert other_key.id != first.id
    assert first.id == keyed_booking_id(
        caller_id=USER, user_id=USER, show_id=SHOW, seat_ids=seats, request_key="key-1"
    )
    assert uuid.UUID(first.id).version == 5


async def test_a_resend_after_the_store_failed_stores_the_booking(world: World) -> None:
    seats = [str(uuid.uuid4())]
    world.store.fail_next_commit = ConnectionError("database went away")
    with pytest.raises(ConnectionError):
        await keyed(world, seats)
    booking = await keyed(world, seats)
    assert list(world.store.bookings) == [booking.id]
    assert world.inventory.reserved == {booking.id: seats}


async def test_a_resend_of_a_booking_no_longer_holding_its_seats_releases_them_again(
    world: World,
) -> None:
    seats = [str(uuid.uuid4())]
    first = await keyed(world, seats)
    await world.bookings.cancel(commands.CancelBooking(first.id), Requester(USER))
    again = await keyed(world, seats)
    assert again.id == first.id
    assert again.status is BookingStatus.CANCELLED
    assert world.inventory.released == [first.id]


async def test_a_resend_refused_its_seats_answers_with_the_booking_it_stored(
    world: World,
) -> None:
    seats = [str(uuid.uuid4())]
    first = await keyed(world, seats)
    await world.bookings.cancel(commands.CancelBooking(first.id), Requester(USER))
    world.inventory.fail_with = SeatsTaken("seat A1 is already booked", reason="SEATS_UNAVAILABLE")
    again = await keyed(world, seats)
    assert (again.id, again.status) == (first.id, BookingStatus.CANCELLED)


async def test_a_booking_id_stored_for_other_seats_is_refused_as_a_conflict(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    forced = str(uuid.uuid4())
    monkeypatch.setattr(services, "keyed_booking_id", lambda **_: forced)
    await keyed(world, [str(uuid.uuid4())])
    with pytest.raises(Conflict) as refused:
        await keyed(world, [str(uuid.uuid4())])
    assert refused.value.reason == "REQUEST_KEY_REUSED"
    assert list(world.store.bookings) == [forced]


async def test_a_request_key_longer_than_the_gateway_allows_is_invalid(world: World) -> None:
    with pytest.raises(InvalidRequest, match="request_key"):
        await keyed(world, [str(uuid.uuid4())], "k" * 256)
