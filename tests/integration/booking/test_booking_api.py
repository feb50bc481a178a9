"""BookingService over real gRPC: create, read, list, cancel, ownership and compensation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import grpc
import pytest
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.errors import error_info_from_rpc_error
from svckit.metrics import GRPC_SERVER_HANDLED
from tests.integration.booking.helpers import events_for
from tests.integration.booking.upstreams import Upstreams
from tests.support.callers import as_user
from tests.support.wait import eventually
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = booking_pb2_grpc.BookingServiceStub
INVENTORY = inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"].full_name


async def create(client: Stub, user: str, show_id: str, seat_ids: list[str]) -> booking_pb2.Booking:
    request = booking_pb2.CreateBookingRequest(user_id=user, show_id=show_id, seat_ids=seat_ids)
    return await client.CreateBooking(request, metadata=as_user(user))


async def test_create_stores_a_pending_booking_and_reserves_the_seats(
    client: Stub, upstreams: Upstreams
) -> None:
    user = str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=4)
    booking = await create(client, user, show_id, seats[:2])

    assert booking.status == booking_pb2.BOOKING_STATUS_PENDING
    assert sorted(seat.seat_id for seat in booking.seats) == sorted(seats[:2])
    assert booking.total.amount_minor == sum(seat.price_minor for seat in booking.seats) > 0
    assert booking.show.movie_title
    assert booking.show.theatre_name
    assert booking.show.start_time.seconds > 0
    lifetime = booking.expires_at.ToDatetime() - booking.created_at.ToDatetime()
    assert timedelta(minutes=14) < lifetime <= timedelta(minutes=15)
    assert [change.reason for change in booking.history] == ["created"]
    assert booking.payment.status == "NONE"
    assert [await upstreams.seat_status(seat) for seat in seats] == [
        "RESERVED",
        "RESERVED",
        "AVAILABLE",
        "AVAILABLE",
    ]

    fetched = await client.GetBooking(
        booking_pb2.GetBookingRequest(booking_id=booking.id), metadata=as_user(user)
    )
    assert fetched == booking


async def test_taken_seats_come_back_as_inventory_said(client: Stub, upstreams: Upstreams) -> None:
    show_id, seats = await upstreams.new_show(seats=2)
    await create(client, str(uuid.uuid4()), show_id, seats)
    late_user = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await create(client, late_user, show_id, seats[:1])
    async with grpc.aio.insecure_channel(upstreams.inventory_addr) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as asked_directly:
            await inventory_pb2_grpc.InventoryServiceStub(channel).ReserveSeats(
                inventory_pb2.ReserveSeatsRequest(
                    booking_id=str(uuid.uuid4()),
                    user_id=late_user,
                    show_id=show_id,
                    seat_ids=seats[:1],
                ),
                metadata=as_user(late_user),
            )
    # The second refusal came from booking's memory of the seats it just reserved (HotSeats):
    # code, message and ErrorInfo read exactly like inventory's own.
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert refused.value.details() == asked_directly.value.details()
    remembered, inventorys = (
        error_info_from_rpc_error(refused.value),
        error_info_from_rpc_error(asked_directly.value),
    )
    assert remembered is not None and inventorys is not None
    assert (remembered.reason, dict(remembered.metadata)) == (
        inventorys.reason,
        dict(inventorys.metadata),
    )


def reserve_calls() -> float:
    return sum(
        GRPC_SERVER_HANDLED.labels(INVENTORY, "ReserveSeats", code.name)._value.get()
        for code in grpc.StatusCode
    )


async def test_a_hot_seat_costs_inventory_one_reservation(
    client: Stub, upstreams: Upstreams
) -> None:
    show_id, seats = await upstreams.new_show(seats=1)
    users = [str(uuid.uuid4()) for _ in range(30)]
    before = reserve_calls()
    results = await asyncio.gather(
        *(create(client, user, show_id, seats) for user in users), return_exceptions=True
    )
    asked = reserve_calls() - before

    won = [r for r in results if isinstance(r, booking_pb2.Booking)]
    lost = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(won) == 1 and len(lost) == len(users) - 1, results
    assert {error.code() for error in lost} == {grpc.StatusCode.ALREADY_EXISTS}
    assert await upstreams.seat_status(seats[0]) == "RESERVED"
    # The attempts that arrived while the winner's reservation was in flight waited for it and
    # were refused here; only a few (at most the late ones) reached inventory.
    assert 1 <= asked <= len(users) // 2, asked


@pytest.mark.parametrize(
    ("seat_count", "code"),
    [(0, grpc.StatusCode.INVALID_ARGUMENT), (11, grpc.StatusCode.INVALID_ARGUMENT)],
)
async def test_seat_count_is_checked(client: Stub, seat_count: int, code: grpc.StatusCode) -> None:
    user = str(uuid.uuid4())
    seats = [str(uuid.uuid4()) for _ in range(seat_count)]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await create(client, user, str(uuid.uuid4()), seats)
    assert refused.value.code() == code


async def test_unknown_and_started_shows_are_refused(client: Stub, upstreams: Upstreams) -> None:
    user = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await create(client, user, str(uuid.uuid4()), [str(uuid.uuid4())])
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND

    show_id, seats = await upstreams.new_show(seats=1, starts_in=timedelta(minutes=-5))
    with pytest.raises(grpc.aio.AioRpcError) as started:
        await create(client, user, show_id, seats)
    assert started.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert await upstreams.seat_status(seats[0]) == "AVAILABLE"


async def test_only_the_owner_or_an_admin_reads_and_cancels(
    client: Stub, upstreams: Upstreams
) -> None:
    owner, stranger, admin = (str(uuid.uuid4()) for _ in range(3))
    show_id, seats = await upstreams.new_show(seats=1)
    booking = await create(client, owner, show_id, seats)
    get = booking_pb2.GetBookingRequest(booking_id=booking.id)
    cancel = booking_pb2.CancelBookingRequest(booking_id=booking.id)

    for call in (
        client.GetBooking(get, metadata=as_user(stranger)),
        client.CancelBooking(cancel, metadata=as_user(stranger)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await call
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await client.GetBooking(get)
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as for_someone_else:
        await client.CreateBooking(
            booking_pb2.CreateBookingRequest(user_id=owner, show_id=show_id, seat_ids=seats),
            metadata=as_user(stranger),
        )
    assert for_someone_else.value.code() == grpc.StatusCode.PERMISSION_DENIED

    seen_by_admin = await client.GetBooking(get, metadata=as_user(admin, "admin"))
    assert seen_by_admin.id == booking.id
    still = await client.GetBooking(get, metadata=as_user(owner))
    assert still.status == booking_pb2.BOOKING_STATUS_PENDING


async def test_list_is_newest_first_and_paginated(client: Stub, upstreams: Upstreams) -> None:
    user = str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=5)
    created = [(await create(client, user, show_id, [seat])).id for seat in seats]

    listed: list[str] = []
    token = ""
    while True:
        reply = await client.ListUserBookings(
            booking_pb2.ListUserBookingsRequest(
                user_id=user, page=common_pb2.PageRequest(page_size=2, page_token=token)
            ),
            metadata=as_user(user),
        )
        assert reply.page.total_size == 5
        assert len(reply.bookings) <= 2
        listed.extend(booking.id for booking in reply.bookings)
        token = reply.page.next_page_token
        if not token:
            break
    assert listed == list(reversed(created))


async def test_cancel_frees_the_seats_and_announces_it(
    client: Stub, upstreams: Upstreams, booking_events: list[AbstractIncomingMessage]
) -> None:
    user = str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=2)
    booking = await create(client, user, show_id, seats)
    cancelled = await client.CancelBooking(
        booking_pb2.CancelBookingRequest(booking_id=booking.id, reason="plans changed"),
        metadata=as_user(user),
    )
    assert cancelled.status == booking_pb2.BOOKING_STATUS_CANCELLED
    assert cancelled.status_reason == "cancelled by the user: plans changed"
    assert cancelled.history[-1].from_status == booking_pb2.BOOKING_STATUS_PENDING

    async def seats_free() -> bool:
        return [await upstreams.seat_status(seat) for seat in seats] == ["AVAILABLE"] * 2

    await eventually(seats_free, message="cancelled seats back on sale")
    # Given back by this process, so not refused from memory: someone else gets them at once.
    rebooked = await create(client, str(uuid.uuid4()), show_id, seats)
    assert rebooked.status == booking_pb2.BOOKING_STATUS_PENDING
    [event] = events_for(booking_events, "booking.cancelled", booking.id)
    assert sorted(event.seat_ids) == sorted(seats)

    with pytest.raises(grpc.aio.AioRpcError) as again:
        await client.CancelBooking(
            booking_pb2.CancelBookingRequest(booking_id=booking.id), metadata=as_user(user)
        )
    assert again.value.code() == grpc.StatusCode.ABORTED
    assert again.value.details() == "booking is already CANCELLED"


async def test_seats_are_released_when_storing_the_booking_fails(
    client: Stub, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    user = str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=1)
    async with booking_engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION booking.test_refuse_insert() RETURNS trigger LANGUAGE plpgsql"
                " AS $$ BEGIN RAISE EXCEPTION 'storage failure injected by the test'; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE TRIGGER test_refuse_insert BEFORE INSERT ON booking.bookings"
                f" FOR EACH ROW WHEN (NEW.user_id = '{user}')"
                " EXECUTE FUNCTION booking.test_refuse_insert()"
            )
        )
    try:
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await create(client, user, show_id, seats)
        assert failed.value.code() == grpc.StatusCode.INTERNAL
    finally:
        async with booking_engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER test_refuse_insert ON booking.bookings"))
            await conn.execute(text("DROP FUNCTION booking.test_refuse_insert()"))
    assert await upstreams.seat_status(seats[0]) == "AVAILABLE"
    rebooked = await create(client, user, show_id, seats)
    assert rebooked.status == booking_pb2.BOOKING_STATUS_PENDING
