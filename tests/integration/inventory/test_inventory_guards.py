"""The schema's own guard: even SQL written by hand cannot sell a seat twice."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.inventory.helpers import OpenedShow, ShowFactory, new_id, sales_of, seat_rows
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub


async def sell(inventory: Stub, show: OpenedShow, label: str) -> tuple[str, str]:
    booking = new_id()
    await inventory.ReserveSeats(
        inventory_pb2.ReserveSeatsRequest(
            booking_id=booking, user_id=new_id(), show_id=show.show_id, seat_ids=[show.seat(label)]
        )
    )
    await inventory.ConfirmSeats(inventory_pb2.ConfirmSeatsRequest(booking_id=booking))
    return show.seat(label), booking


async def rejected(db: AsyncEngine, sql: str, **params: object) -> str:
    """Run ``sql`` in a transaction and commit; return the constraint that refused it.

    On hash-partitioned tables PostgreSQL may report a foreign key's per-partition clone; the
    name returned is the one the migration declared (the clone's root)."""
    with pytest.raises(IntegrityError) as refused:
        async with db.begin() as conn:
            await conn.execute(text(sql), params)
    name = str(refused.value.orig.diag.constraint_name)  # type: ignore[union-attr]
    async with db.connect() as conn:
        root = await conn.execute(text(DECLARED_CONSTRAINT), {"name": name})
        return str(root.scalar() or name)


DECLARED_CONSTRAINT = """WITH RECURSIVE up AS (
        SELECT oid, conname, conparentid FROM pg_constraint
        WHERE conname = :name AND connamespace = 'inventory'::regnamespace
        UNION ALL
        SELECT c.oid, c.conname, c.conparentid
        FROM pg_constraint c JOIN up ON c.oid = up.conparentid
    )
    SELECT conname FROM up WHERE conparentid = 0 LIMIT 1"""


async def test_a_second_active_sale_of_a_sold_seat_is_rejected_by_the_database(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open()
    seat, booking = await sell(inventory, show, "A1")
    intruder = new_id()

    assert (
        await rejected(
            db,
            "INSERT INTO inventory.seat_sales (show_seat_id, booking_id, show_id)"
            " VALUES (:seat, :booking, :show)",
            seat=seat,
            booking=intruder,
            show=show.show_id,
        )
        == "seat_sales_pkey"
    )
    # Re-pointing the sold seat at another booking breaks the seat <-> sale foreign keys.
    assert await rejected(
        db,
        "UPDATE inventory.show_seats SET booking_id = :booking WHERE id = :seat",
        seat=seat,
        booking=intruder,
    ) in {"show_seats_sale_recorded", "seat_sales_matches_seat"}
    assert (
        await rejected(
            db,
            "INSERT INTO inventory.show_seats (show_id, row_label, number, ordinal, tier,"
            " price_minor, status, booking_id)"
            " VALUES (:show, 'A', 1, 99, 'VIP', 1, 'SOLD', :booking)",
            show=show.show_id,
            booking=intruder,
        )
        == "show_seats_seat_once"
    )

    rows = await seat_rows(db, show.show_id)
    assert rows[seat] == ("SOLD", booking)
    assert await sales_of(db, seat) == [booking]


async def test_status_and_owner_columns_must_agree(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open()
    free = show.seat("A2")

    assert (
        await rejected(
            db, "UPDATE inventory.show_seats SET status = 'SOLD' WHERE id = :seat", seat=free
        )
        == "show_seats_booked_has_booking"
    )
    assert (
        await rejected(
            db, "UPDATE inventory.show_seats SET status = 'HELD' WHERE id = :seat", seat=free
        )
        == "show_seats_held_has_holder"
    )
    assert (
        await rejected(
            db,
            "INSERT INTO inventory.seat_sales (show_seat_id, booking_id, show_id)"
            " VALUES (:seat, :booking, :show)",
            seat=free,
            booking=new_id(),
            show=show.show_id,
        )
        == "seat_sales_matches_seat"
    )
    assert (await seat_rows(db, show.show_id))[free] == ("AVAILABLE", None)
