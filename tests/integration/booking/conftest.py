"""Booking against real PostgreSQL and RabbitMQ, served in-process over real gRPC.

The booking schema is migrated once per session with the real migrations; the real catalog and
inventory run beside it (see upstreams.py). Every booking app a test starts is stopped after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aio_pika
import grpc
import pytest
import pytest_asyncio
from aio_pika.abc import AbstractChannel
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.bootstrap import App
from svckit.amqp import AmqpConnection, declare_exchange
from svckit.db import create_engine
from tests.integration.booking.upstreams import Upstreams
from tests.support.broker_names import BrokerNames
from tests.support.services import migrate_booking, start_booking
from ticketing.booking.v1 import booking_pb2_grpc

StartBooking = Callable[..., Awaitable[App]]
OWNED_QUEUES = ("booking.payment-events",)
UPSTREAM_QUEUES = ("inventory.booking-events",)


@pytest.fixture(scope="session")
def booking_schema(database_url: str) -> str:
    migrate_booking(database_url)
    return "booking"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def booking_engine(database_url: str, booking_schema: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, application_name="booking-tests")
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def test_amqp(amqp_url: str, amqp_prefix: str) -> AsyncIterator[AmqpConnection]:
    connection = AmqpConnection(amqp_url, amqp_prefix, reconnect_interval=0.2)
    await connection.connect()
    yield connection
    await connection.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def broker_names(amqp_prefix: str, test_amqp: AmqpConnection) -> AsyncIterator[BrokerNames]:
    """Test queues, and at the end of the session everything these tests made on the broker.

    Requested by `upstreams`, so it is torn down after the services have stopped consuming.
    """
    names = BrokerNames(amqp_prefix, "booking-tests")
    yield names
    channel = await test_amqp.channel()
    for queue in (*OWNED_QUEUES, *UPSTREAM_QUEUES):
        names.queues += [amqp_prefix + queue, amqp_prefix + queue + ".dlq"]
    for queue in names.queues:
        await channel.queue_delete(queue)
    for exchange in ("booking.events", "payment.events"):
        await channel.exchange_delete(amqp_prefix + exchange)
    await channel.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def upstreams(
    database_url: str, amqp_url: str, amqp_prefix: str, broker_names: BrokerNames
) -> AsyncIterator[Upstreams]:
    running = await Upstreams.start(database_url, amqp_url, amqp_prefix)
    yield running
    await running.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def start_app(
    database_url: str,
    amqp_url: str,
    amqp_prefix: str,
    booking_schema: str,
    upstreams: Upstreams,
) -> AsyncIterator[StartBooking]:
    """Start booking apps (keyword overrides go to its Config); all are stopped after the test."""
    apps: list[App] = []

    async def start(**overrides: Any) -> App:
        app = await start_booking(
            database_url,
            overrides.pop("amqp_url", amqp_url),
            amqp_prefix,
            catalog_addr=upstreams.catalog_addr,
            inventory_addr=upstreams.inventory_addr,
            **overrides,
        )
        apps.append(app)
        return app

    yield start
    for app in apps:
        await app.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def app(start_app: StartBooking) -> App:
    return await start_app()


@pytest_asyncio.fixture(loop_scope="session")
async def client(app: App) -> AsyncIterator[booking_pb2_grpc.BookingServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        yield booking_pb2_grpc.BookingServiceStub(channel)


@pytest_asyncio.fixture(loop_scope="session")
async def channel(test_amqp: AmqpConnection) -> AsyncIterator[AbstractChannel]:
    channel = await test_amqp.channel()
    yield channel
    await channel.close()


@pytest_asyncio.fixture(loop_scope="session")
async def booking_events(
    channel: AbstractChannel, amqp_prefix: str, broker_names: BrokerNames
) -> AsyncIterator[list[aio_pika.abc.AbstractIncomingMessage]]:
    """Every message published on booking.events during the test, as received."""
    exchange = await declare_exchange(channel, amqp_prefix, "booking.events")
    queue = await channel.declare_queue(
        amqp_prefix + broker_names.queue("booking-events-probe"), auto_delete=True
    )
    await queue.bind(exchange, routing_key="booking.#")
    received: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        received.append(message)
        await message.ack()

    tag = await queue.consume(collect)
    yield received
    await queue.cancel(tag)
