"""The composition root: the only module that sees every layer of inventory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.adapters.unit_of_work import SqlUnitOfWork
from inventory.config import Config
from inventory.entrypoints.consumers import EXCHANGE, QUEUE, ROUTING_KEYS, BookingEventsHandler
from inventory.entrypoints.errors import ERROR_TABLE
from inventory.entrypoints.grpc_servicer import InventoryServicer
from inventory.entrypoints.jobs import hold_cleanup_job
from inventory.service_layer.ports import UnitOfWork
from inventory.service_layer.services import Policy, SeatService
from svckit.amqp import AmqpConnection
from svckit.consumer import IdempotentConsumer
from svckit.db import create_engine
from svckit.grpc_server import create_server, serve_until_signal
from svckit.jobs import PeriodicJob
from svckit.pg import create_pool
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

SERVICE_NAME = inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"].full_name
SCHEMA = "inventory"
# Connections of the SQLAlchemy engine: the event consumer and the hold cleanup job.
BACKGROUND_POOL_SIZE = 3


def utc_now() -> datetime:
    return datetime.now(UTC)


class App:
    """The gRPC server plus the booking-events consumer and the hold cleanup job."""

    def __init__(
        self,
        *,
        config: Config,
        engine: AsyncEngine,
        server: grpc.aio.Server,
        port: int,
        pool: AsyncConnectionPool[Any],
        seats: SeatService,
        amqp: AmqpConnection | None,
        consumer: IdempotentConsumer | None,
        jobs: list[PeriodicJob],
    ) -> None:
        self.config = config
        self.engine = engine
        self.server = server
        self.port = port
        self.pool = pool
        self.seats = seats
        self._amqp = amqp
        self._consumer = consumer
        self._jobs = jobs
        self._tasks: list[asyncio.Task[None]] = []

    def _background(self) -> list[Callable[[], Awaitable[None]]]:
        loops: list[Callable[[], Awaitable[None]]] = [job.run_forever for job in self._jobs]
        if self._consumer is not None:
            loops.append(self._consumer.run)
        return loops

    async def start(self) -> None:
        """Serve in the background (tests); ``serve`` is the process's blocking variant."""
        await self.server.start()
        if self._consumer is not None:
            await self._consumer.start()
        self._tasks = [asyncio.create_task(_run(loop)) for loop in self._background()]

    async def stop(self, grace: float = 1.0) -> None:
        await self.server.stop(grace)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._consumer is not None:
            await self._consumer.stop()
        await self._close()

    async def serve(self) -> None:
        """Run until SIGTERM/SIGINT, then drain and close."""
        await serve_until_signal(self.server, background=self._background(), on_stop=self._close)

    async def _close(self) -> None:
        if self._amqp is not None:
            await self._amqp.close()
        await self.pool.close()
        await self.engine.dispose()


async def _run(loop: Callable[[], Awaitable[None]]) -> None:
    await loop()


async def create_app(config: Config) -> App:
    # The seat paths run on psycopg's own pool (svckit.pg); the idempotent consumer and the
    # single-replica jobs keep a small SQLAlchemy engine (svckit's consumer and job runner).
    pool = create_pool(
        config.database_url,
        size=config.db_pool_size,
        lock_timeout_ms=config.lock_timeout_ms,
        application_name="inventory",
    )
    await pool.open()
    engine = create_engine(
        config.database_url,
        pool_size=BACKGROUND_POOL_SIZE,
        lock_timeout_ms=config.lock_timeout_ms,
        application_name="inventory-background",
    )
    policy = Policy(
        hold_ttl=timedelta(minutes=config.seat_hold_minutes),
        max_seats_per_hold=config.max_seats_per_hold,
    )

    def unit_of_work(*, read_only: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(pool, read_only=read_only)

    seats = SeatService(unit_of_work, utc_now, policy)
    server, port = create_server(
        services=[
            (
                inventory_pb2_grpc.add_InventoryServiceServicer_to_server,
                InventoryServicer(seats),
                SERVICE_NAME,
            )
        ],
        error_table=ERROR_TABLE,
        port=config.grpc_port,
        service_name="inventory",
    )
    amqp: AmqpConnection | None = None
    consumer: IdempotentConsumer | None = None
    if config.consume_events:
        amqp = AmqpConnection(config.amqp_url, config.amqp_prefix, connection_name="inventory")
        await amqp.connect()
        consumer = IdempotentConsumer(
            "inventory.booking-events",
            engine,
            SCHEMA,
            amqp,
            QUEUE,
            EXCHANGE,
            ROUTING_KEYS,
            BookingEventsHandler(utc_now, policy),
        )
    jobs = [hold_cleanup_job(seats, engine, config.hold_cleanup_interval_seconds)]
    return App(
        config=config,
        engine=engine,
        server=server,
        port=port,
        pool=pool,
        seats=seats,
        amqp=amqp,
        consumer=consumer,
        jobs=jobs,
    )
