"""Catalog against real PostgreSQL, with a real inventory behind it, over real gRPC.

Both services run in-process on port 0 for the whole session. The catalog's show opener job runs
once at start and then rarely, so tests decide when unopened shows get opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.bootstrap import App as CatalogApp
from inventory.bootstrap import App as InventoryApp
from svckit.db import create_engine
from tests.integration.catalog.helpers import Catalog
from tests.support.services import (
    migrate_catalog,
    migrate_inventory,
    start_catalog,
    start_inventory,
)
from ticketing.catalog.v1 import catalog_pb2_grpc
from ticketing.inventory.v1 import inventory_pb2_grpc


@pytest.fixture(scope="session")
def catalog_schemas(database_url: str) -> None:
    migrate_inventory(database_url)
    migrate_catalog(database_url)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def inventory_for_catalog(
    database_url: str, amqp_url: str, amqp_prefix: str, catalog_schemas: None
) -> AsyncIterator[InventoryApp]:
    app = await start_inventory(database_url, amqp_url, amqp_prefix, consume_events=False)
    yield app
    await app.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def catalog_app(
    database_url: str, inventory_for_catalog: InventoryApp
) -> AsyncIterator[CatalogApp]:
    app = await start_catalog(
        database_url,
        inventory_addr=f"127.0.0.1:{inventory_for_catalog.port}",
        show_open_retry_interval_seconds=3600,
    )
    yield app
    await app.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def catalog_channel(catalog_app: CatalogApp) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{catalog_app.port}") as channel:
        yield channel


@pytest.fixture
def catalog(catalog_channel: grpc.aio.Channel) -> Catalog:
    return Catalog(catalog_pb2_grpc.CatalogServiceStub(catalog_channel))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def seat_inventory(
    inventory_for_catalog: InventoryApp,
) -> AsyncIterator[inventory_pb2_grpc.InventoryServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{inventory_for_catalog.port}") as channel:
        yield inventory_pb2_grpc.InventoryServiceStub(channel)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def catalog_db(database_url: str, catalog_schemas: None) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2, max_overflow=2, application_name="cat-tests")
    yield engine
    await engine.dispose()
