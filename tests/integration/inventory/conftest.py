"""Inventory against real PostgreSQL and RabbitMQ, served in-process over real gRPC.

One inventory app serves the whole session (port 0, the real migrations, the booking-events
consumer on). Its lock timeout is generous so that the races below end in clean conflicts, not
lock timeouts; its pool is large enough for real lock contention.

Every test here runs twice: on the schema as migrated (``plain``), and on a database of its own
where the show-scoped tables are hash-partitioned by show_id (``hash-partitioned``,
tests/integration/inventory/partitioning.py), the key rule Citus imposes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import grpc
import psycopg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.bootstrap import App
from inventory.entrypoints.consumers import QUEUE
from svckit.amqp import AmqpConnection, dlq_name, queue_name
from svckit.db import create_engine
from tests.integration.inventory.helpers import ShowFactory
from tests.integration.inventory.partitioning import partition_by_show
from tests.support.services import migrate_inventory, start_inventory
from ticketing.inventory.v1 import inventory_pb2_grpc

RACE_POOL_SIZE = 15
PLAIN, HASH_PARTITIONED = "plain", "hash-partitioned"


@pytest.fixture(scope="session", params=[PLAIN, HASH_PARTITIONED])
def database_url(request: pytest.FixtureRequest, database_url: str) -> Iterator[str]:
    """The run's database as migrated, or a second one with the show-scoped tables partitioned."""
    if request.param == PLAIN:
        yield database_url
        return
    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_{uuid.uuid4().hex[:6]}_hashed"
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    url = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        migrate_inventory(url)
        partition_by_show(url)
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(
                psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    psycopg.sql.Identifier(name)
                )
            )


@pytest.fixture(scope="session")
def inventory_schema(database_url: str) -> str:
    migrate_inventory(database_url)
    return "inventory"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def inventory_app(
    database_url: str, amqp_url: str, amqp_prefix: str, inventory_schema: str
) -> AsyncIterator[App]:
    app = await start_inventory(
        database_url,
        amqp_url,
        amqp_prefix,
        db_pool_size=RACE_POOL_SIZE,
        db_lock_timeout_ms=30_000,
        hold_cleanup_interval_seconds=3600,
    )
    yield app
    await app.stop()
    await delete_queue(amqp_url, amqp_prefix, QUEUE)


async def delete_queue(amqp_url: str, amqp_prefix: str, queue: str) -> None:
    """The run's prefix keeps its queues apart; drop them so the shared broker stays clean."""
    connection = AmqpConnection(amqp_url, amqp_prefix)
    await connection.connect()
    try:
        channel = await connection.channel()
        for name in (queue_name(amqp_prefix, queue), dlq_name(amqp_prefix, queue)):
            await channel.queue_delete(name)
        await channel.close()
    finally:
        await connection.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def inventory(inventory_app: App) -> AsyncIterator[inventory_pb2_grpc.InventoryServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{inventory_app.port}") as channel:
        yield inventory_pb2_grpc.InventoryServiceStub(channel)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def db(database_url: str, inventory_schema: str) -> AsyncIterator[AsyncEngine]:
    """A separate engine for looking at (and tampering with) the rows directly."""
    engine = create_engine(database_url, pool_size=2, max_overflow=2, application_name="inv-tests")
    yield engine
    await engine.dispose()


@pytest.fixture
def shows(inventory: inventory_pb2_grpc.InventoryServiceStub) -> ShowFactory:
    return ShowFactory(inventory)
