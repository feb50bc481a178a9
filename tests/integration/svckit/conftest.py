"""Fixtures for svckit's integration tests: a migrated probe schema, an engine, the broker.

The probe schema is migrated with the real ``svckit.migrations.migrate`` from a tiny revision
set (fixtures/migrations) holding the outbox tables and two tables that count effects.
Everything created on the broker is prefixed with the run's ``amqp_prefix`` and deleted at the
end of the session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aio_pika.abc import AbstractChannel
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.amqp import AmqpConnection
from svckit.db import create_engine
from svckit.migrations import migrate
from tests.support.broker_names import BrokerNames

MIGRATIONS = Path(__file__).parent / "fixtures" / "migrations"
SCHEMA = "svckit_probe"


@pytest.fixture(scope="session")
def probe_schema(database_url: str) -> str:
    migrate(database_url, MIGRATIONS, SCHEMA)
    return SCHEMA


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine(database_url: str, probe_schema: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, application_name="svckit-tests")
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def broker_names(amqp_url: str, amqp_prefix: str) -> AsyncIterator[BrokerNames]:
    names = BrokerNames(amqp_prefix, "svckit")
    yield names
    async with AmqpConnection(amqp_url, amqp_prefix) as cleanup:
        channel = await cleanup.channel()
        for queue in names.queues:
            await channel.queue_delete(queue)
        for exchange in [*names.exchanges, amqp_prefix + "dlx"]:
            await channel.exchange_delete(exchange)
        await channel.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def amqp(amqp_url: str, amqp_prefix: str) -> AsyncIterator[AmqpConnection]:
    connection = AmqpConnection(amqp_url, amqp_prefix, reconnect_interval=0.2)
    await connection.connect()
    yield connection
    await connection.close()


@pytest_asyncio.fixture(loop_scope="session")
async def channel(amqp: AmqpConnection) -> AsyncIterator[AbstractChannel]:
    """A test-side channel for declaring probes, publishing raw messages and reading queues."""
    channel = await amqp.channel()
    yield channel
    await channel.close()
