"""The real catalog and inventory the booking service talks to in these tests.

Both run from their own bootstrap on port 0 against their migrated schemas; inventory consumes
`inventory.booking-events`, so seat states move exactly as in production. Shows are created
through catalog's API as an admin would (catalog opens their seats in inventory); seat states
are read from inventory's table, where RESERVED and SOLD are told apart.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.db import create_engine
from svckit.proto_values import to_timestamp
from tests.support.callers import as_user
from tests.support.services import (
    migrate_catalog,
    migrate_inventory,
    start_catalog,
    start_inventory,
)
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

ADMIN = as_user(str(uuid.uuid4()), "admin")
SEAT_PRICE = 30_000


class Upstreams:
    def __init__(self, engine: AsyncEngine, inventory: Any, catalog: Any) -> None:
        self.inventory_addr = f"127.0.0.1:{inventory.port}"
        self.catalog_addr = f"127.0.0.1:{catalog.port}"
        self._engine = engine
        self._apps = [catalog, inventory]
        self._channels = [
            grpc.aio.insecure_channel(self.inventory_addr),
            grpc.aio.insecure_channel(self.catalog_addr),
        ]
        self._inventory = inventory_pb2_grpc.InventoryServiceStub(self._channels[0])
        self._catalog = catalog_pb2_grpc.CatalogServiceStub(self._channels[1])
        self._movie_and_theatre: tuple[str, str] | None = None

    @classmethod
    async def start(cls, database_url: str, amqp_url: str, amqp_prefix: str) -> Upstreams:
        migrate_inventory(database_url)
        migrate_catalog(database_url)
        inventory = await start_inventory(database_url, amqp_url, amqp_prefix, db_pool_size=10)
        catalog = await start_catalog(database_url, inventory_addr=f"127.0.0.1:{inventory.port}")
        engine = create_engine(database_url, application_name="booking-tests-upstreams")
        return cls(engine, inventory, catalog)

    async def stop(self) -> None:
        for channel in self._channels:
            await channel.close()
        for app in self._apps:
            await app.stop()
        await self._engine.dispose()

    async def new_show(
        self, *, seats: int = 4, starts_in: timedelta = timedelta(days=2)
    ) -> tuple[str, list[str]]:
        """A bookable show with `seats` seats in row A; its id and the seat ids in seat order.

        A show cannot be created in the past, so one meant to have started already is created
        for tomorrow and then moved back in catalog's table.
        """
        movie_id, theatre_id = await self._movie_and_theatre_ids()
        layout = catalog_pb2.SeatLayout(
            rows=[
                catalog_pb2.LayoutRow(
                    label="A",
                    seats=[
                        catalog_pb2.LayoutSeat(number=n, tier=common_pb2.SEAT_TIER_REGULAR)
                        for n in range(1, seats + 1)
                    ],
                )
            ]
        )
        screen = await self._catalog.CreateScreen(
            catalog_pb2.CreateScreenRequest(
                theatre_id=theatre_id, name=f"Audi {uuid.uuid4().hex[:8]}", layout=layout
            ),
            metadata=ADMIN,
        )
        start = datetime.now(UTC) + starts_in
        bookable_start = max(start, datetime.now(UTC) + timedelta(days=1))
        show = await self._catalog.CreateShow(
            catalog_pb2.CreateShowRequest(
                movie_id=movie_id,
                screen_id=screen.id,
                start_time=to_timestamp(bookable_start),
                currency="INR",
                prices=[
                    catalog_pb2.TierPrice(
                        tier=common_pb2.SEAT_TIER_REGULAR, amount_minor=SEAT_PRICE
                    )
                ],
            ),
            metadata=ADMIN,
        )
        if start < bookable_start:
            async with self._engine.begin() as conn:
                await conn.execute(
                    text("UPDATE catalog.shows SET start_time = :at WHERE id = :id"),
                    {"at": start, "id": show.id},
                )
        seat_map = await self._inventory.GetSeatMap(
            inventory_pb2.GetSeatMapRequest(show_id=show.id)
        )
        ordered = sorted(seat_map.seats, key=lambda seat: (seat.row_label, seat.number))
        return str(show.id), [seat.id for seat in ordered]

    async def seat_status(self, seat_id: str) -> str:
        """AVAILABLE, HELD, RESERVED or SOLD, as inventory stores it."""
        async with self._engine.connect() as conn:
            status = await conn.scalar(
                text("SELECT status FROM inventory.show_seats WHERE id = :id"), {"id": seat_id}
            )
        return str(status)

    async def _movie_and_theatre_ids(self) -> tuple[str, str]:
        if self._movie_and_theatre is None:
            movie = await self._catalog.CreateMovie(
                catalog_pb2.CreateMovieRequest(
                    title="Inception", duration_minutes=148, rating="UA", language="English"
                ),
                metadata=ADMIN,
            )
            theatre = await self._catalog.CreateTheatre(
                catalog_pb2.CreateTheatreRequest(
                    name=f"PVR Forum {uuid.uuid4().hex[:6]}", city="Bengaluru", address="Forum"
                ),
                metadata=ADMIN,
            )
            self._movie_and_theatre = (movie.id, theatre.id)
        return self._movie_and_theatre
