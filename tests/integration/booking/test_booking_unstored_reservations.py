"""Seats reserved for bookings booking never stored return to sale: the sweep against the real
inventory (ListStaleReservations, ReleaseSeats) and booking's real table.

What a booking replica killed between the reservation and the insert leaves behind is made here
by reserving in inventory directly for a booking id booking never stored; the reservation's age
is set in inventory's table (``updated_at``, which a RESERVED seat keeps from its reservation).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import pytest_asyncio
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.adapters.inventory_client import GrpcInventoryClient
from booking.adapters.stale_reservations import GrpcStaleReservations
from booking.adapters.stored_booking_ids import PgStoredBookingIds
from booking.adapters.unit_of_work import SqlUnitOfWork
from booking.service_layer.unstored_reservations import UnstoredReservationSweep
from svckit.clock import SystemClock
from tests.integration.booking.conftest import StartBooking
from tests.integration.booking.upstreams import Upstreams
from tests.support.callers import as_user
from tests.support.wait import eventually
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

LIFETIME = timedelta(minutes=15)
GRACE = timedelta(minutes=15)
# The app's own sweep must not find what these tests leave for the sweep they run: a century.
APP_SWEEPS_NOTHING = {"unstored_reservation_grace_minutes": 60 * 24 * 365 * 100}


@pytest_asyncio.fixture(loop_scope="session")
async def inventory(upstreams: Upstreams) -> AsyncIterator[inventory_pb2_grpc.InventoryServiceStub]:
    async with grpc.aio.insecure_channel(upstreams.inventory_addr) as channel:
        yield inventory_pb2_grpc.InventoryServiceStub(channel)


@pytest_asyncio.fixture(loop_scope="session")
async def sweep(
    upstreams: Upstreams, booking_engine: AsyncEngine
) -> AsyncIterator[UnstoredReservationSweep]:
    """The sweep as booking's bootstrap wires it, on the system clock."""
    async with grpc.aio.insecure_channel(upstreams.inventory_addr) as channel:
        yield UnstoredReservationSweep(
            stale=GrpcStaleReservations(channel, deadline_seconds=5),
            inventory=GrpcInventoryClient(channel, deadline_seconds=5),
            stored=PgStoredBookingIds(booking_engine),
            uow=lambda: SqlUnitOfWork(booking_engine),
            clock=SystemClock(),
            booking_lifetime=LIFETIME,
            grace=GRACE,
        )


async def reserve_unstored(
    inventory: inventory_pb2_grpc.InventoryServiceStub, show_id: str, seat_ids: list[str]
) -> str:
    """Seats reserved as CreateBooking reserves them, for a booking that is then never stored."""
    booking_id = str(uuid.uuid4())
    await inventory.ReserveSeats(
        inventory_pb2.ReserveSeatsRequest(
            booking_id=booking_id, user_id=str(uuid.uuid4()), show_id=show_id, seat_ids=seat_ids
        )
    )
    return booking_id


async def reserved_ago(engine: AsyncEngine, booking_id: str, age: timedelta) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE inventory.show_seats SET updated_at = :at WHERE booking_id = :id"),
            {"at": datetime.now(UTC) - age, "id": booking_id},
        )


async def seats(engine: AsyncEngine, seat_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """seat id → (status, booking id), as inventory stores them."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id::text, status, booking_id::text FROM inventory.show_seats"
                " WHERE id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": seat_ids},
        )
        return {row[0]: (row[1], row[2]) for row in rows}


async def test_the_sweep_frees_only_old_seats_of_bookings_booking_never_stored(
    start_app: StartBooking,
    upstreams: Upstreams,
    inventory: inventory_pb2_grpc.InventoryServiceStub,
    booking_engine: AsyncEngine,
    sweep: UnstoredReservationSweep,
) -> None:
    app = await start_app(**APP_SWEEPS_NOTHING)
    show_id, seat = await upstreams.new_show(seats=7)
    orphan = await reserve_unstored(inventory, show_id, seat[0:2])
    young_orphan = await reserve_unstored(inventory, show_id, seat[2:3])
    sold_orphan = await reserve_unstored(inventory, show_id, seat[3:4])
    await inventory.ConfirmSeats(inventory_pb2.ConfirmSeatsRequest(booking_id=sold_orphan))
    user = str(uuid.uuid4())
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        pending = await booking_pb2_grpc.BookingServiceStub(channel).CreateBooking(
            booking_pb2.CreateBookingRequest(user_id=user, show_id=show_id, seat_ids=seat[4:6]),
            metadata=as_user(user),
        )
    old = LIFETIME + GRACE + timedelta(minutes=5)
    for booking_id in (orphan, sold_orphan, pending.id):
        await reserved_ago(booking_engine, booking_id, old)
    await reserved_ago(booking_engine, young_orphan, LIFETIME + GRACE - timedelta(minutes=5))

    report = await sweep.run()

    assert orphan in {reservation.booking_id for reservation in report.released}
    assert not report.interrupted
    assert await seats(booking_engine, seat) == {
        seat[0]: ("AVAILABLE", None),
        seat[1]: ("AVAILABLE", None),
        seat[2]: ("RESERVED", young_orphan),
        seat[3]: ("SOLD", sold_orphan),
        seat[4]: ("RESERVED", pending.id),
        seat[5]: ("RESERVED", pending.id),
        seat[6]: ("AVAILABLE", None),
    }
    # The freed seats are on sale: another booking takes them.
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        rebooked = await booking_pb2_grpc.BookingServiceStub(channel).CreateBooking(
            booking_pb2.CreateBookingRequest(user_id=user, show_id=show_id, seat_ids=seat[0:2]),
            metadata=as_user(user),
        )
    assert rebooked.status == booking_pb2.BOOKING_STATUS_PENDING


async def test_a_booking_replica_runs_the_sweep_and_counts_what_it_released(
    start_app: StartBooking,
    upstreams: Upstreams,
    inventory: inventory_pb2_grpc.InventoryServiceStub,
    booking_engine: AsyncEngine,
) -> None:
    show_id, seat = await upstreams.new_show(seats=2)
    orphan = await reserve_unstored(inventory, show_id, seat)
    await reserved_ago(booking_engine, orphan, timedelta(hours=1))
    released = REGISTRY.get_sample_value("booking_unstored_seats_released_total") or 0.0

    await start_app(
        booking_expiry_minutes=1,
        unstored_reservation_grace_minutes=0,
        unstored_reservation_sweep_seconds=0.2,
    )

    async def back_on_sale() -> bool:
        return set((await seats(booking_engine, seat)).values()) == {("AVAILABLE", None)}

    await eventually(back_on_sale, message="the unstored reservation released by booking's job")

    async def counted() -> bool:
        now = REGISTRY.get_sample_value("booking_unstored_seats_released_total") or 0.0
        return now >= released + 2

    await eventually(counted, message="the released seats counted")
