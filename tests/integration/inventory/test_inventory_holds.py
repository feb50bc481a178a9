"""Holds: all or nothing, replace the caller's set, block others, expire lazily."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.bootstrap import App
from svckit.proto_values import from_timestamp
from tests.integration.inventory.helpers import ShowFactory, new_id, reason_of, seat_rows
from tests.support.services import start_inventory
from tests.support.wait import eventually
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub
SHORT_HOLD_MINUTES = 0.02  # 1.2 s


@pytest_asyncio.fixture(loop_scope="session")
async def short_hold_app(
    database_url: str, amqp_url: str, amqp_prefix: str, inventory_schema: str
) -> AsyncIterator[App]:
    app = await start_inventory(
        database_url,
        amqp_url,
        amqp_prefix,
        seat_hold_minutes=SHORT_HOLD_MINUTES,
        hold_cleanup_interval_seconds=3600,
        consume_events=False,
    )
    yield app
    await app.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def short_hold(short_hold_app: App) -> AsyncIterator[Stub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{short_hold_app.port}") as channel:
        yield inventory_pb2_grpc.InventoryServiceStub(channel)


def hold(show_id: str, user: str, *seats: str) -> inventory_pb2.HoldSeatsRequest:
    return inventory_pb2.HoldSeatsRequest(show_id=show_id, user_id=user, seat_ids=list(seats))


def reserve(show_id: str, user: str, *seats: str) -> inventory_pb2.ReserveSeatsRequest:
    return inventory_pb2.ReserveSeatsRequest(
        booking_id=new_id(), user_id=user, show_id=show_id, seat_ids=list(seats)
    )


async def hold_row(db: AsyncEngine, seat_id: str) -> tuple[str, str | None]:
    async with db.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT status, hold_user_id FROM inventory.show_seats WHERE id = :id"),
                {"id": seat_id},
            )
        ).one()
    return row.status, None if row.hold_user_id is None else str(row.hold_user_id)


async def test_a_hold_blocks_others_but_not_its_holder(inventory: Stub, shows: ShowFactory) -> None:
    show = await shows.open()
    a, b = new_id(), new_id()
    a1, a2 = show.seat("A1"), show.seat("A2")

    held = await inventory.HoldSeats(hold(show.show_id, a, a1, a2))
    assert {h.seat_id for h in held.holds} == {a1, a2}
    assert held.expires_in_seconds == 300

    with pytest.raises(grpc.aio.AioRpcError) as refused_hold:
        await inventory.HoldSeats(hold(show.show_id, b, a2, show.seat("A3")))
    assert refused_hold.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert refused_hold.value.details() == "seat A2 is held by another user"
    reason, details = reason_of(refused_hold.value)
    assert (reason, details["seat_ids"], details["seats"]) == ("SEATS_UNAVAILABLE", a2, "A2")

    with pytest.raises(grpc.aio.AioRpcError) as refused_reserve:
        await inventory.ReserveSeats(reserve(show.show_id, b, a1))
    assert refused_reserve.value.code() == grpc.StatusCode.ALREADY_EXISTS

    # B's failed hold was all or nothing: A3 stayed free.
    seat_map = await inventory.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=show.show_id))
    assert seat_map.summary.held == 2

    reserved = await inventory.ReserveSeats(reserve(show.show_id, a, a1, a2))
    assert [seat.seat_id for seat in reserved.seats] == [a1, a2]
    assert reserved.total.amount_minor == 40000


async def test_holding_again_replaces_the_callers_set(inventory: Stub, shows: ShowFactory) -> None:
    show = await shows.open()
    user = new_id()
    await inventory.HoldSeats(hold(show.show_id, user, show.seat("A1"), show.seat("A2")))

    await inventory.HoldSeats(hold(show.show_id, user, show.seat("A2"), show.seat("B1")))

    seat_map = await inventory.GetSeatMap(
        inventory_pb2.GetSeatMapRequest(show_id=show.show_id, viewer_user_id=user)
    )
    mine = {f"{s.row_label}{s.number}" for s in seat_map.seats if s.status == 3}
    assert mine == {"A2", "B1"}
    assert seat_map.summary.held == 2

    released = await inventory.ReleaseHolds(
        inventory_pb2.ReleaseHoldsRequest(user_id=user, show_id=show.show_id)
    )
    assert released.released == 2
    seat_map = await inventory.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=show.show_id))
    assert seat_map.summary.available == seat_map.summary.total


async def test_release_holds_without_a_show_frees_every_show(
    inventory: Stub, shows: ShowFactory
) -> None:
    first, second = await shows.open(), await shows.open()
    user = new_id()
    await inventory.HoldSeats(hold(first.show_id, user, first.seat("A1")))
    await inventory.HoldSeats(hold(second.show_id, user, second.seat("B2"), second.seat("B3")))

    released = await inventory.ReleaseHolds(inventory_pb2.ReleaseHoldsRequest(user_id=user))

    assert released.released == 3


async def test_more_than_the_maximum_is_refused(inventory: Stub, shows: ShowFactory) -> None:
    show = await shows.open(rows=2, per_row=6)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await inventory.HoldSeats(hold(show.show_id, new_id(), *show.seat_ids[:11]))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(refused.value)[0] == "TOO_MANY_SEATS"


async def test_seats_of_another_show_unknown_seats_and_started_shows(
    inventory: Stub, shows: ShowFactory
) -> None:
    show, other = await shows.open(), await shows.open()
    user = new_id()

    with pytest.raises(grpc.aio.AioRpcError) as foreign:
        await inventory.HoldSeats(hold(show.show_id, user, show.seat("A1"), other.seat("A1")))
    assert foreign.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(foreign.value)[1]["seat_ids"] == other.seat("A1")

    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await inventory.HoldSeats(hold(show.show_id, user, new_id()))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND

    with pytest.raises(grpc.aio.AioRpcError) as malformed:
        await inventory.HoldSeats(hold(show.show_id, user, "A1"))
    assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    started = await shows.open(starts_in=timedelta(minutes=-5))
    with pytest.raises(grpc.aio.AioRpcError) as late:
        await inventory.HoldSeats(hold(started.show_id, user, started.seat("A1")))
    assert late.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as late_reserve:
        await inventory.ReserveSeats(reserve(started.show_id, user, started.seat("A1")))
    assert late_reserve.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_an_expired_hold_frees_the_seat_at_once_without_cleanup(
    short_hold: Stub, short_hold_app: App, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open()
    a, b = new_id(), new_id()
    a1, a2 = show.seat("A1"), show.seat("A2")
    held = await short_hold.HoldSeats(hold(show.show_id, a, a1, a2))
    expires_at = from_timestamp(held.holds[0].expires_at)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await short_hold.HoldSeats(hold(show.show_id, b, a1))
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS

    async def expired() -> bool:
        return datetime.now(UTC) > expires_at

    await eventually(expired, timeout=10)
    # Nothing has collected the hold: the row still names A, yet the seat is free for B.
    assert await hold_row(db, a1) == ("HELD", a)
    seat_map = await short_hold.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=show.show_id))
    assert seat_map.summary.held == 0

    taken = await short_hold.HoldSeats(hold(show.show_id, b, a1))
    assert [h.seat_id for h in taken.holds] == [a1]
    reserved = await short_hold.ReserveSeats(reserve(show.show_id, b, a2))
    assert [seat.seat_id for seat in reserved.seats] == [a2]
    assert datetime.now(UTC) - expires_at < timedelta(seconds=5)


async def test_cleanup_job_turns_expired_holds_into_plain_available_rows(
    short_hold: Stub, short_hold_app: App, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open()
    user = new_id()
    held = await short_hold.HoldSeats(hold(show.show_id, user, show.seat("B1"), show.seat("B2")))
    expires_at = from_timestamp(held.holds[0].expires_at)

    async def expired() -> bool:
        return datetime.now(UTC) > expires_at

    await eventually(expired, timeout=10)
    # The session's apps lead the job (advisory lock), so run its body directly.
    assert await short_hold_app.seats.free_expired_holds() >= 2

    rows = await seat_rows(db, show.show_id)
    assert {status for status, _ in rows.values()} == {"AVAILABLE"}
    assert await hold_row(db, show.seat("B1")) == ("AVAILABLE", None)
