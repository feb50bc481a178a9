"""`make seed` (python -m catalog seed) loads the demo catalog once; again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.entrypoints.seed import ALICE_ID, BOB_ID, run_seed
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

TABLES = (
    "catalog.movies",
    "catalog.theatres",
    "catalog.screens",
    "catalog.shows",
    "inventory.shows",
    "inventory.show_seats",
)


async def row_counts(db: AsyncEngine) -> dict[str, int]:
    async with db.connect() as conn:
        return {
            table: int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
            for table in TABLES
        }


async def test_seeding_twice_leaves_the_same_data(
    catalog_channel: grpc.aio.Channel,
    catalog_db: AsyncEngine,
    seat_inventory: inventory_pb2_grpc.InventoryServiceStub,
) -> None:
    today = datetime.now(UTC).date()
    before = await row_counts(catalog_db)

    first = await run_seed(catalog_channel, today)
    after_first = await row_counts(catalog_db)
    second = await run_seed(catalog_channel, today)
    after_second = await row_counts(catalog_db)

    assert after_second == after_first
    demo = {"movies": 3, "theatres": 2, "screens": 3, "shows": 63}
    # Other tests of the session may have created a movie of the same title already.
    assert {k: first.created.get(k, 0) + first.existing.get(k, 0) for k in demo} == demo
    assert second.created == {}
    assert second.existing == demo
    if first.created.get("shows") == 63:
        assert after_first["inventory.show_seats"] - before["inventory.show_seats"] == 7 * 3 * 300
    assert second.sample_show_id == first.sample_show_id
    assert {ALICE_ID, BOB_ID} == {
        "11111111-1111-4111-8111-111111111111",
        "22222222-2222-4222-8222-222222222222",
    }

    stub = catalog_pb2_grpc.CatalogServiceStub(catalog_channel)
    mumbai = await stub.ListTheatres(catalog_pb2.ListTheatresRequest(city="Mumbai"))
    pvr = next(t for t in mumbai.theatres if t.name == "PVR Cinemas")
    screens = await stub.ListScreens(catalog_pb2.ListScreensRequest(theatre_id=pvr.id))
    assert sorted((s.name, s.capacity) for s in screens.screens) == [
        ("Screen 1", 100),
        ("Screen 2", 80),
    ]
    screen_1 = next(s for s in screens.screens if s.name == "Screen 1")
    tiers = [row.seats[0].tier for row in screen_1.layout.rows]
    assert (
        tiers
        == [common_pb2.SEAT_TIER_REGULAR] * 4
        + [common_pb2.SEAT_TIER_PREMIUM] * 4
        + [common_pb2.SEAT_TIER_VIP] * 2
    )

    show = await stub.GetShow(catalog_pb2.GetShowRequest(show_id=first.sample_show_id))
    assert show.bookable
    assert (show.start_time.ToDatetime(tzinfo=UTC) - datetime.now(UTC)).total_seconds() > 0
    seat_map = await seat_inventory.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=show.id))
    assert {s.price_minor for s in seat_map.seats} == {20000, 35000, 50000}
