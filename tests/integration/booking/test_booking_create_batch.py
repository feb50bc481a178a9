"""CreateBookingBatch: several bookings in one call, each answered as CreateBooking would.

Booking runs in-process beside the real catalog and inventory. Each item is made for the caller
it names and checked against that caller as a call of its own is; a refused item carries the
status its own CreateBooking call gets; the items reach booking's batchers together; and the
rows booking and inventory stored agree with what each item was told.
"""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.rpc import status_pb2
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.errors import error_info_from_rpc_error, rpc_error_of
from svckit.metrics import WRITE_BATCHED_REQUESTS
from tests.integration.booking.upstreams import Upstreams
from tests.support.callers import as_user
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc

pytestmark = pytest.mark.integration

Stub = booking_pb2_grpc.BookingServiceStub
Item = booking_pb2.CreateBookingBatchItem
Described = tuple[grpc.StatusCode, str, str, dict[str, str]]


def new_id() -> str:
    return str(uuid.uuid4())


def item(
    show_id: str,
    seat_ids: list[str],
    *,
    user_id: str | None = None,
    caller: str | None = None,
    roles: tuple[str, ...] = (),
) -> Item:
    """A booking for ``user_id`` asked for by ``caller`` (by default the user themself)."""
    user_id = user_id or new_id()
    return Item(
        booking=booking_pb2.CreateBookingRequest(
            user_id=user_id, show_id=show_id, seat_ids=seat_ids
        ),
        caller_user_id=user_id if caller is None else caller,
        caller_roles=roles,
    )


def together(metric: object, batch: str) -> float:
    return float(metric.labels(batch, "together")._value.get())  # type: ignore[attr-defined]


def described_error(error: grpc.aio.AioRpcError) -> Described:
    info = error_info_from_rpc_error(error)
    assert info is not None, f"no ErrorInfo on {error.code()}: {error.details()}"
    return error.code(), error.details() or "", info.reason, dict(info.metadata)


def described(status: status_pb2.Status) -> Described:
    """(code, message, ErrorInfo reason, metadata) of a failed item."""
    return described_error(rpc_error_of(status))


async def alone(client: Stub, batch_item: Item) -> Described:
    """What the same booking gets from CreateBooking on its own, from the same caller."""
    metadata = as_user(batch_item.caller_user_id, *batch_item.caller_roles)
    if not batch_item.caller_user_id:
        metadata = ()
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await client.CreateBooking(batch_item.booking, metadata=metadata, timeout=30)
    return described_error(failed.value)


async def stored(engine: AsyncEngine, show_id: str) -> dict[str, tuple[str, set[str]]]:
    """booking id → (user id, seat ids) of the show's bookings, as booking stored them."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT b.id::text AS id, b.user_id::text AS user_id, s.seat_id::text AS seat_id"
                " FROM booking.bookings b JOIN booking.booking_seats s ON s.booking_id = b.id"
                " WHERE b.show_id = :show"
            ),
            {"show": show_id},
        )
        found: dict[str, tuple[str, set[str]]] = {}
        for row in rows:
            found.setdefault(row.id, (row.user_id, set()))[1].add(row.seat_id)
        return found


async def reserved(engine: AsyncEngine, show_id: str) -> dict[str, str]:
    """seat id → the booking inventory reserved it for."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id::text AS id, booking_id::text AS booking_id FROM inventory.show_seats"
                " WHERE show_id = :show AND status <> 'AVAILABLE'"
            ),
            {"show": show_id},
        )
        return {row.id: row.booking_id for row in rows}


async def test_each_item_of_a_batch_gets_the_answer_of_its_own_call_and_the_good_ones_are_stored(
    client: Stub, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    show_id, seat_ids = await upstreams.new_show(seats=12)
    warm, contested, *free = seat_ids
    # The show is in booking's cache already, so the items reach inventory at once.
    warm_user = new_id()
    first = await client.CreateBooking(
        item(show_id, [warm], user_id=warm_user).booking, metadata=as_user(warm_user), timeout=30
    )
    contenders = [item(show_id, [contested]), item(show_id, [contested])]
    good = [item(show_id, [free[0]]), item(show_id, free[1:3]), item(show_id, [free[3]])]
    by_admin = item(show_id, [free[4]], caller=new_id(), roles=("admin",))
    invalid = item(show_id, [free[5]], user_id="not-a-user-id")
    foreign = item(show_id, [free[6]], caller=new_id())
    anonymous = item(show_id, [free[7]], caller="")
    batch = [contenders[0], *good[:2], invalid, foreign, by_admin, anonymous, good[2]]
    batch.append(contenders[1])
    reservations_before = together(WRITE_BATCHED_REQUESTS, "reservations")
    inserts_before = together(WRITE_BATCHED_REQUESTS, "new-bookings")

    reply = await client.CreateBookingBatch(
        booking_pb2.CreateBookingBatchRequest(bookings=batch), timeout=30
    )

    assert len(reply.results) == len(batch)
    results = {
        id(batch_item): result for batch_item, result in zip(batch, reply.results, strict=True)
    }
    winners = [one for one in contenders if results[id(one)].HasField("created")]
    assert len(winners) == 1
    (winner,) = winners
    (loser,) = [one for one in contenders if one is not winner]
    lost = described(results[id(loser)].failed)
    assert lost[0] is grpc.StatusCode.ALREADY_EXISTS
    # Exactly what the loser's own CreateBooking call is told.
    assert lost == await alone(client, loser)
    refusals = {
        id(invalid): grpc.StatusCode.INVALID_ARGUMENT,
        id(foreign): grpc.StatusCode.PERMISSION_DENIED,
        id(anonymous): grpc.StatusCode.UNAUTHENTICATED,
    }
    for refused in (invalid, foreign, anonymous):
        status = described(results[id(refused)].failed)
        assert status[0] is refusals[id(refused)]
        assert status == await alone(client, refused)
    created = {one.booking.user_id: results[id(one)].created for one in [winner, *good, by_admin]}
    for one in [winner, *good, by_admin]:
        booking = created[one.booking.user_id]
        assert booking.status == booking_pb2.BOOKING_STATUS_PENDING
        assert sorted(seat.seat_id for seat in booking.seats) == sorted(one.booking.seat_ids)
    # The items reached booking's batchers together.
    assert together(WRITE_BATCHED_REQUESTS, "reservations") > reservations_before
    assert together(WRITE_BATCHED_REQUESTS, "new-bookings") > inserts_before

    expected = {
        booking.id: (user_id, {seat.seat_id for seat in booking.seats})
        for user_id, booking in created.items()
    }
    expected[first.id] = (warm_user, {warm})
    assert await stored(booking_engine, show_id) == expected
    assert await reserved(booking_engine, show_id) == {
        seat_id: booking_id for booking_id, (_, seats) in expected.items() for seat_id in seats
    }


async def test_a_batch_over_the_bound_is_refused_whole_and_books_nothing(
    client: Stub, upstreams: Upstreams, booking_engine: AsyncEngine
) -> None:
    show_id, seat_ids = await upstreams.new_show(seats=4)
    batch = [item(show_id, [seat_ids[n % 4]]) for n in range(65)]

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await client.CreateBookingBatch(
            booking_pb2.CreateBookingBatchRequest(bookings=batch), timeout=30
        )

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert await stored(booking_engine, show_id) == {}
    assert await reserved(booking_engine, show_id) == {}
