"""ListStaleReservations over real gRPC: what booking's housekeeping is told is reserved and old.

Reservation times are moved into the past in the table (``updated_at``, what a RESERVED seat
keeps from its reservation). Every test picks its own instant far in the past and reads only its
own booking ids, since the session's database is shared with the other tests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.adapters.stale_reservations import STALE_RESERVATIONS
from svckit.db import libpq_url
from svckit.proto_values import from_timestamp, to_timestamp
from tests.integration.inventory.helpers import OpenedShow, ShowFactory, new_id
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub


def an_instant_long_ago() -> datetime:
    """A moment of its own in 2001, so tests never see each other's backdated reservations."""
    return datetime(2001, 1, 1, tzinfo=UTC) + timedelta(seconds=uuid.uuid4().int % 10**7)


async def reserve(inventory: Stub, show: OpenedShow, labels: list[str]) -> str:
    booking_id = new_id()
    await inventory.ReserveSeats(
        inventory_pb2.ReserveSeatsRequest(
            booking_id=booking_id,
            user_id=new_id(),
            show_id=show.show_id,
            seat_ids=[show.seat(label) for label in labels],
        )
    )
    return booking_id


async def reserved_at(db: AsyncEngine, booking_id: str, at: datetime) -> None:
    async with db.begin() as conn:
        await conn.execute(
            text("UPDATE inventory.show_seats SET updated_at = :at WHERE booking_id = :id"),
            {"at": at, "id": booking_id},
        )


async def every_page(
    inventory: Stub, before: datetime, page_size: int
) -> tuple[list[inventory_pb2.StaleReservation], int]:
    listed: list[inventory_pb2.StaleReservation] = []
    token, pages = "", 0
    while True:
        page = await inventory.ListStaleReservations(
            inventory_pb2.ListStaleReservationsRequest(
                reserved_before=to_timestamp(before), page_size=page_size, page_token=token
            )
        )
        listed += page.reservations
        pages += 1
        token = page.next_page_token
        if not token:
            return listed, pages


async def test_lists_old_reservations_of_every_show_and_leaves_out_sold_and_young_ones(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    first, second = await shows.open(), await shows.open()
    old = await reserve(inventory, first, ["A1", "A2"])
    other_show = await reserve(inventory, second, ["B1"])
    sold = await reserve(inventory, first, ["A3"])
    await inventory.ConfirmSeats(inventory_pb2.ConfirmSeatsRequest(booking_id=sold))
    young = await reserve(inventory, first, ["A4"])
    at = an_instant_long_ago()
    for booking_id in (old, other_show, sold):
        await reserved_at(db, booking_id, at)
    await reserved_at(db, young, at + timedelta(minutes=1))

    listed, _ = await every_page(inventory, at + timedelta(seconds=1), page_size=100)

    mine = {r.booking_id: r for r in listed if r.booking_id in {old, other_show, sold, young}}
    assert set(mine) == {old, other_show}
    assert (mine[old].show_id, mine[old].seats) == (first.show_id, 2)
    assert (mine[other_show].show_id, mine[other_show].seats) == (second.show_id, 1)
    assert from_timestamp(mine[old].reserved_at) == at


async def test_pages_list_each_booking_once_in_booking_id_order(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open()
    at = an_instant_long_ago()
    bookings = [await reserve(inventory, show, [label]) for label in ("A1", "A2", "A3", "A4", "A5")]
    for booking_id in bookings:
        await reserved_at(db, booking_id, at)

    listed, pages = await every_page(inventory, at + timedelta(seconds=1), page_size=2)

    ids = [r.booking_id for r in listed]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids, key=uuid.UUID)
    assert [booking_id for booking_id in ids if booking_id in bookings] == sorted(
        bookings, key=uuid.UUID
    )
    assert pages >= 3


async def test_a_released_reservation_is_no_longer_listed(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open()
    booking_id = await reserve(inventory, show, ["A1"])
    at = an_instant_long_ago()
    await reserved_at(db, booking_id, at)

    await inventory.ReleaseSeats(inventory_pb2.ReleaseSeatsRequest(booking_id=booking_id))

    listed, _ = await every_page(inventory, at + timedelta(seconds=1), page_size=100)
    assert booking_id not in {r.booking_id for r in listed}


@pytest.mark.parametrize(
    "request_",
    [
        inventory_pb2.ListStaleReservationsRequest(),
        inventory_pb2.ListStaleReservationsRequest(
            reserved_before=to_timestamp(datetime.now(UTC)), page_token="not-a-token"
        ),
        inventory_pb2.ListStaleReservationsRequest(
            reserved_before=to_timestamp(datetime.now(UTC)), page_size=5000
        ),
    ],
)
async def test_a_bad_request_is_invalid_argument(
    inventory: Stub, request_: inventory_pb2.ListStaleReservationsRequest
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await inventory.ListStaleReservations(request_)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_the_read_is_served_by_the_partial_index_of_reserved_seats(
    database_url: str, inventory_schema: str
) -> None:
    """With sequential scans priced out, the planner can only choose the index if its predicate
    matches the query's (on the hash-partitioned schema, each partition's copy of it)."""
    params = {"before": datetime.now(UTC), "after": uuid.UUID(int=0), "limit": 101}
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + STALE_RESERVATIONS, params))
    assert "show_seats_reserved_since_idx" in plan
