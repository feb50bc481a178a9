"""`make seed` (python -m catalog seed) loads the demo catalog once; again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.entrypoints.seed import ALICE_ID, BOB_ID, SHOW_TIMES_UTC, run_seed
from tests.integration.catalog.helpers import ADMIN, show_request
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


async def test_seed_ignores_a_same_title_movie_and_skips_slots_other_shows_took(
    catalog_channel: grpc.aio.Channel,
    catalog_db: AsyncEngine,
    seat_inventory: inventory_pb2_grpc.InventoryServiceStub,
) -> None:
    """A second "The Dark Knight" of 486 minutes made through the API is not the seed's movie,
    and a show it already has in one of the seed's slots is left alone, not a failed seed."""
    stub = catalog_pb2_grpc.CatalogServiceStub(catalog_channel)
    long_knight = await stub.CreateMovie(
        catalog_pb2.CreateMovieRequest(
            title="The Dark Knight", duration_minutes=486, rating="UA", language="English"
        ),
        metadata=ADMIN,
    )
    # Far enough ahead that none of the seed's shows exists there yet; the seed's screens do.
    today = datetime.now(UTC).date() + timedelta(days=400)
    await run_seed(catalog_channel, today - timedelta(days=30))
    mumbai = await stub.ListTheatres(catalog_pb2.ListTheatresRequest(city="Mumbai"))
    pvr = next(t for t in mumbai.theatres if t.name == "PVR Cinemas")
    screens = await stub.ListScreens(catalog_pb2.ListScreensRequest(theatre_id=pvr.id))
    screen_1 = next(s for s in screens.screens if s.name == "Screen 1")
    first_slot = datetime.combine(today + timedelta(days=1), SHOW_TIMES_UTC[0], tzinfo=UTC)
    taken = await stub.CreateShow(
        show_request(long_knight.id, screen_1.id, first_slot - timedelta(minutes=30)),
        metadata=ADMIN,
    )

    summary = await run_seed(catalog_channel, today)

    # 486 minutes from half an hour before the day's first slot cover its second one too.
    assert summary.skipped_shows == 2
    assert summary.created["shows"] == 63 - 2
    async with catalog_db.connect() as conn:
        with_long_knight = (
            (
                await conn.execute(
                    text("SELECT id::text FROM catalog.shows WHERE movie_id = :m"),
                    {"m": long_knight.id},
                )
            )
            .scalars()
            .all()
        )
        on_first_day = (
            (
                await conn.execute(
                    text(
                        "SELECT start_time FROM catalog.shows"
                        " WHERE screen_id = :s AND start_time >= :d AND start_time < :e"
                        " ORDER BY start_time"
                    ),
                    {
                        "s": screen_1.id,
                        "d": first_slot - timedelta(hours=4),
                        "e": first_slot + timedelta(hours=20),
                    },
                )
            )
            .scalars()
            .all()
        )
    assert with_long_knight == [taken.id]  # the seed never took it for one of its own
    assert on_first_day == [
        first_slot - timedelta(minutes=30),
        datetime.combine(first_slot.date(), SHOW_TIMES_UTC[2], tzinfo=UTC),
    ]
