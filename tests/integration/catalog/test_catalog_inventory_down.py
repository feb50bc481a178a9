"""A show created while inventory is unreachable stays unbookable, then converges."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio

from catalog.bootstrap import App as CatalogApp
from inventory.bootstrap import App as InventoryApp
from tests.integration.catalog.helpers import Catalog, in_days
from tests.support.services import start_catalog
from tests.support.tcp_proxy import TcpProxy
from tests.support.wait import eventually
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(loop_scope="session")
async def inventory_proxy(inventory_for_catalog: InventoryApp) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy("127.0.0.1", inventory_for_catalog.port)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def cut_off_catalog(
    database_url: str, catalog_schemas: None, inventory_proxy: TcpProxy
) -> AsyncIterator[CatalogApp]:
    """A catalog replica that reaches inventory only through the proxy."""
    app = await start_catalog(
        database_url,
        inventory_addr=f"127.0.0.1:{inventory_proxy.port}",
        open_show_attempts=2,
        inventory_deadline_seconds=1.0,
        show_open_retry_interval_seconds=3600,
    )
    yield app
    await app.stop()


async def test_show_converges_to_bookable_once_inventory_is_back(
    catalog: Catalog,
    cut_off_catalog: CatalogApp,
    inventory_proxy: TcpProxy,
    seat_inventory: inventory_pb2_grpc.InventoryServiceStub,
) -> None:
    movie = await catalog.movie()
    screen = await catalog.screen()
    await inventory_proxy.stop()

    async with grpc.aio.insecure_channel(f"127.0.0.1:{cut_off_catalog.port}") as channel:
        show = await Catalog(catalog_pb2_grpc.CatalogServiceStub(channel)).show(
            movie.id, screen.id, in_days(6)
        )
    assert not show.bookable
    bookable = await catalog.stub.ListShows(
        catalog_pb2.ListShowsRequest(movie_id=movie.id, bookable_only=True)
    )
    assert bookable.page.total_size == 0
    with pytest.raises(grpc.aio.AioRpcError) as unopened:
        await seat_inventory.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=show.id))
    assert unopened.value.code() == grpc.StatusCode.NOT_FOUND

    # What the periodic opener job runs, on the replica that could not reach inventory.
    assert await cut_off_catalog.catalog.open_unopened_shows() == 0
    await inventory_proxy.start()

    async def opened() -> bool:
        await cut_off_catalog.catalog.open_unopened_shows()
        found = await catalog.stub.GetShow(catalog_pb2.GetShowRequest(show_id=show.id))
        return bool(found.bookable)

    await eventually(opened, timeout=30, interval=0.5, message="the show never became bookable")
    seat_map = await seat_inventory.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=show.id))
    assert seat_map.summary.total == show.capacity
