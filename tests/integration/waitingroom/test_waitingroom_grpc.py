"""The waiting room over real gRPC with a real catalog behind it, and inventory asking it for
passes: a guarded show's hold is refused with ADMISSION_REQUIRED until the holder is admitted,
an unguarded show's holds go through, and bad or unknown input is a clear status."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
import pytest_asyncio

from svckit.errors import error_info_from_rpc_error
from svckit.proto_values import to_timestamp
from tests.integration.catalog.helpers import ADMIN, SMALL_LAYOUT, prices, unique
from tests.support.services import migrate_schema, start_catalog, start_inventory
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from ticketing.waitingroom.v1 import waitingroom_pb2, waitingroom_pb2_grpc
from waitingroom.bootstrap import create_app
from waitingroom.config import Config

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class Running:
    def __init__(self, apps: list[Any], channels: dict[str, grpc.aio.Channel]) -> None:
        self.apps = apps
        self.waitingroom_app = apps[2]
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(channels["catalog"])
        self.room = waitingroom_pb2_grpc.WaitingRoomServiceStub(channels["waitingroom"])
        self.gated = inventory_pb2_grpc.InventoryServiceStub(channels["gated"])
        self.channels = channels


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def running(database_url: str, amqp_url: str, amqp_prefix: str) -> AsyncIterator[Running]:
    """inventory → catalog → waiting room → a second inventory (same schema) whose holds ask the
    waiting room: port 0 everywhere, so each is started once the one it calls is listening."""
    for service in ("inventory", "catalog", "waitingroom"):
        migrate_schema(database_url, service)
    opener = await start_inventory(database_url, amqp_url, amqp_prefix, consume_events=False)
    catalog = await start_catalog(
        database_url,
        inventory_addr=f"127.0.0.1:{opener.port}",
        show_open_retry_interval_seconds=3600,
    )
    room = await create_app(
        Config(
            database_url=database_url,
            grpc_port=0,
            metrics_port=0,
            catalog_addr=f"127.0.0.1:{catalog.port}",
            admission_interval_seconds=3600,
        )
    )
    await room.start()
    gated = await start_inventory(
        database_url,
        amqp_url,
        amqp_prefix,
        consume_events=False,
        waitingroom_addr=f"127.0.0.1:{room.port}",
    )
    ports = {"catalog": catalog.port, "waitingroom": room.port, "gated": gated.port}
    channels = {name: grpc.aio.insecure_channel(f"127.0.0.1:{p}") for name, p in ports.items()}
    yield Running([opener, catalog, room, gated], channels)
    for channel in channels.values():
        await channel.close()
    for app in reversed([opener, catalog, room, gated]):
        await app.stop()


async def new_show(running: Running, *, on_sale_at: datetime | None, guarded: bool) -> str:
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
    if on_sale_at is not None:
        request.on_sale_at.CopyFrom(to_timestamp(on_sale_at))
    if guarded:
        request.waiting_room.CopyFrom(catalog_pb2.WaitingRoom(admit_per_minute=60, max_active=2))
    show = await running.catalog.CreateShow(request, metadata=ADMIN)
    assert show.bookable
    return str(show.id)


async def first_seat(running: Running, show_id: str) -> str:
    seats = await running.gated.ListAvailableSeats(
        inventory_pb2.ListAvailableSeatsRequest(show_id=show_id)
    )
    return str(seats.seats[0].id)


async def hold(running: Running, show_id: str, user: str, seat: str) -> Any:
    return await running.gated.HoldSeats(
        inventory_pb2.HoldSeatsRequest(show_id=show_id, user_id=user, seat_ids=[seat])
    )


async def test_a_guarded_show_needs_a_pass_to_hold_and_an_admitted_user_gets_through(
    running: Running,
) -> None:
    show = await new_show(
        running, on_sale_at=datetime.now(UTC) - timedelta(minutes=1), guarded=True
    )
    seat = await first_seat(running, show)
    user = str(uuid.uuid4())

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await hold(running, show, user, seat)
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    info = error_info_from_rpc_error(refused.value)
    assert info is not None and info.reason == "ADMISSION_REQUIRED"

    joins = [
        running.room.Join(waitingroom_pb2.JoinRequest(show_id=show, user_id=user)) for _ in range(5)
    ]
    places = await asyncio.gather(*joins)
    assert {(p.state, p.position, p.in_lottery) for p in places} == {
        (waitingroom_pb2.WAITING, 1, False)
    }
    assert await running.waitingroom_app.queue.admit_due() >= 1
    status = await running.room.GetStatus(
        waitingroom_pb2.GetStatusRequest(show_id=show, user_id=user)
    )
    assert status.state == waitingroom_pb2.ADMITTED and status.HasField("pass_expires_at")

    held = await hold(running, show, user, seat)
    assert [h.seat_id for h in held.holds] == [seat]


async def test_an_unguarded_show_needs_no_pass_and_has_no_queue(running: Running) -> None:
    show = await new_show(running, on_sale_at=None, guarded=False)
    user = str(uuid.uuid4())
    held = await hold(running, show, user, await first_seat(running, show))
    assert len(held.holds) == 1
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await running.room.Join(waitingroom_pb2.JoinRequest(show_id=show, user_id=user))
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    info = error_info_from_rpc_error(refused.value)
    assert info is not None and info.reason == "NO_WAITING_ROOM"


@pytest.mark.parametrize(
    ("show_id", "user_id", "code"),
    [
        ("not-a-show", str(uuid.uuid4()), grpc.StatusCode.INVALID_ARGUMENT),
        (str(uuid.uuid4()), "", grpc.StatusCode.INVALID_ARGUMENT),
        (str(uuid.uuid4()), str(uuid.uuid4()), grpc.StatusCode.NOT_FOUND),
    ],
)
async def test_bad_or_unknown_input_is_a_clear_status(
    running: Running, show_id: str, user_id: str, code: grpc.StatusCode
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await running.room.Join(waitingroom_pb2.JoinRequest(show_id=show_id, user_id=user_id))
    assert refused.value.code() is code


async def test_a_hold_on_an_unknown_show_is_still_not_found_behind_the_gate(
    running: Running,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await hold(running, str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4()))
    assert refused.value.code() is grpc.StatusCode.NOT_FOUND
