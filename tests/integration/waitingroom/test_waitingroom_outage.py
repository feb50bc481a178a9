"""While the waiting room service is down: inventory knows from its own show rows which shows a
waiting room guards (catalog says so when it opens them), so holds on every other show go on as
if it did not exist, and a guarded show's holds are refused rather than let anyone past the
queue. Real PostgreSQL, real catalog, inventory and waiting room servers over gRPC."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import psycopg
import pytest
import pytest_asyncio

from svckit.db import libpq_url
from svckit.proto_values import to_timestamp
from tests.integration.catalog.helpers import ADMIN, SMALL_LAYOUT, prices, unique
from tests.support.services import migrate_schema, start_catalog, start_inventory
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from waitingroom.bootstrap import create_app
from waitingroom.config import Config

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class Running:
    def __init__(self, database_url: str, apps: dict[str, Any]) -> None:
        self.database_url = database_url
        self.apps = apps
        self.channels = {
            name: grpc.aio.insecure_channel(f"127.0.0.1:{apps[name].port}")
            for name in ("catalog", "gated")
        }
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(self.channels["catalog"])
        self.gated = inventory_pb2_grpc.InventoryServiceStub(self.channels["gated"])

    async def stop_waiting_room(self) -> None:
        await self.apps.pop("waitingroom").stop()


@pytest_asyncio.fixture(loop_scope="session")
async def running(database_url: str, amqp_url: str, amqp_prefix: str) -> AsyncIterator[Running]:
    """inventory → catalog → waiting room → a second inventory (same schema) that asks the
    waiting room for passes, with a short deadline so that an outage is seen quickly."""
    for service in ("inventory", "catalog", "waitingroom"):
        migrate_schema(database_url, service)
    apps: dict[str, Any] = {}
    apps["opener"] = await start_inventory(
        database_url, amqp_url, amqp_prefix, consume_events=False
    )
    apps["catalog"] = await start_catalog(
        database_url,
        inventory_addr=f"127.0.0.1:{apps['opener'].port}",
        show_open_retry_interval_seconds=3600,
    )
    room = await create_app(
        Config(
            database_url=database_url,
            grpc_port=0,
            metrics_port=0,
            catalog_addr=f"127.0.0.1:{apps['catalog'].port}",
            admission_interval_seconds=3600,
        )
    )
    await room.start()
    apps["waitingroom"] = room
    apps["gated"] = await start_inventory(
        database_url,
        amqp_url,
        amqp_prefix,
        consume_events=False,
        waitingroom_addr=f"127.0.0.1:{room.port}",
        waitingroom_deadline_seconds=1.0,
    )
    system = Running(database_url, apps)
    yield system
    for channel in system.channels.values():
        await channel.close()
    for app in reversed(list(apps.values())):
        await app.stop()


async def new_show(running: Running, *, guarded: bool) -> str:
    movie = await running.catalog.CreateMovie(
        catalog_pb2.CreateMovieRequest(title=unique("Movie"), duration_minutes=100),
        metadata=ADMIN,
    )
    theatre = await running.catalog.CreateTheatre(
        catalog_pb2.CreateTheatreRequest(name=unique("Theatre"), city="Pune"), metadata=ADMIN
    )
    screen = await running.catalog.CreateScreen(
        catalog_pb2.CreateScreenRequest(
            theatre_id=theatre.id, name=unique("Screen"), layout=SMALL_LAYOUT
        ),
        metadata=ADMIN,
    )
    request = catalog_pb2.CreateShowRequest(
        movie_id=movie.id,
        screen_id=screen.id,
        currency="INR",
        prices=prices(),
        start_time=to_timestamp(datetime.now(UTC) + timedelta(days=3)),
    )
    if guarded:
        request.on_sale_at.CopyFrom(to_timestamp(datetime.now(UTC) - timedelta(minutes=1)))
        request.waiting_room.CopyFrom(catalog_pb2.WaitingRoom(admit_per_minute=60, max_active=2))
    show = await running.catalog.CreateShow(request, metadata=ADMIN)
    assert show.bookable
    return str(show.id)


async def seat_ids(running: Running, show_id: str) -> list[str]:
    seats = await running.gated.ListAvailableSeats(
        inventory_pb2.ListAvailableSeatsRequest(show_id=show_id)
    )
    return [seat.id for seat in seats.seats]


async def hold(running: Running, show_id: str, user: str, seats: list[str]) -> Any:
    return await running.gated.HoldSeats(
        inventory_pb2.HoldSeatsRequest(show_id=show_id, user_id=user, seat_ids=seats)
    )


async def rows(running: Running, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    async with await psycopg.AsyncConnection.connect(libpq_url(running.database_url)) as conn:
        return await (await conn.execute(sql, params)).fetchall()


async def held_by(running: Running, show_id: str) -> dict[str, str | None]:
    found = await rows(
        running,
        "SELECT id::text, status, hold_user_id::text FROM inventory.show_seats"
        " WHERE show_id = %s AND status = 'HELD'",
        show_id,
    )
    return {seat: user for seat, _, user in found}


async def test_catalog_tells_inventory_which_shows_a_waiting_room_guards(
    running: Running,
) -> None:
    guarded, open_ = await new_show(running, guarded=True), await new_show(running, guarded=False)
    stored = await rows(
        running,
        "SELECT show_id::text, guarded FROM inventory.shows WHERE show_id = ANY(%s::uuid[])",
        [guarded, open_],
    )
    assert dict(stored) == {guarded: True, open_: False}


async def test_while_the_waiting_room_is_down_only_guarded_shows_refuse_holds(
    running: Running,
) -> None:
    guarded = await new_show(running, guarded=True)
    unguarded = await new_show(running, guarded=False)
    user = str(uuid.uuid4())
    guarded_seats = await seat_ids(running, guarded)
    with pytest.raises(grpc.aio.AioRpcError) as no_pass:
        await hold(running, guarded, user, guarded_seats[:1])
    assert no_pass.value.code() is grpc.StatusCode.PERMISSION_DENIED  # asked, and no pass

    await running.stop_waiting_room()

    # A show this inventory process has never seen: its row says no waiting room guards it.
    seats = await seat_ids(running, unguarded)
    held = await hold(running, unguarded, user, seats[:2])
    assert sorted(h.seat_id for h in held.holds) == sorted(seats[:2])
    assert await held_by(running, unguarded) == {seat: user for seat in seats[:2]}
    other = str(uuid.uuid4())
    held = await hold(running, unguarded, other, seats[2:3])
    assert [h.seat_id for h in held.holds] == seats[2:3]
    reserved = await running.gated.ReserveSeats(
        inventory_pb2.ReserveSeatsRequest(
            booking_id=str(uuid.uuid4()), user_id=other, show_id=unguarded, seat_ids=seats[2:3]
        )
    )
    assert [seat.seat_id for seat in reserved.seats] == seats[2:3]

    for attempt in range(3):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await hold(running, guarded, str(uuid.uuid4()), guarded_seats[attempt : attempt + 1])
        assert refused.value.code() in {
            grpc.StatusCode.UNAVAILABLE,
            grpc.StatusCode.PERMISSION_DENIED,
        }
    assert await held_by(running, guarded) == {}
