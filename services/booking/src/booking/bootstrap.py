"""The composition root: the one place that sees every layer and wires the booking service."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import grpc

from booking.adapters.catalog_client import GrpcCatalogClient
from booking.adapters.clock import SystemClock
from booking.adapters.inventory_client import GrpcInventoryClient
from booking.adapters.new_bookings import PgNewBookings
from booking.adapters.tables import SCHEMA
from booking.adapters.unit_of_work import SqlUnitOfWork
from booking.config import Config
from booking.entrypoints import consumers
from booking.entrypoints.errors import ERROR_TABLE
from booking.entrypoints.grpc_servicer import SERVICE_NAME, BookingServicer
from booking.entrypoints.jobs import archival_job, expiry_job
from booking.service_layer.hot_seats import HotSeats
from booking.service_layer.payment_events import PaymentEvents
from booking.service_layer.ports import UnitOfWork
from booking.service_layer.services import BookingPolicy, Bookings
from booking.service_layer.show_cache import CachedCatalog
from svckit.amqp import AmqpConnection
from svckit.consumer import IdempotentConsumer
from svckit.db import create_engine
from svckit.grpc_client import create_channel
from svckit.grpc_server import create_server, serve_until_signal
from svckit.jobs import DailyJob, PeriodicJob
from svckit.logging import get_logger
from svckit.outbox import OutboxRelay
from svckit.pg import create_pool
from ticketing.booking.v1 import booking_pb2_grpc
from ticketing.catalog.v1 import catalog_pb2
from ticketing.inventory.v1 import inventory_pb2

log = get_logger(__name__)


@dataclass
class App:
    """The booking service, wired: `start()`/`stop()` for tests, `serve()` for the process."""

    port: int
    bookings: Bookings
    server: grpc.aio.Server
    amqp: AmqpConnection
    relay: OutboxRelay
    consumer: IdempotentConsumer
    expiry: PeriodicJob
    archival: DailyJob
    _close: Callable[[], Awaitable[None]]
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stopped: bool = False

    async def start(self) -> None:
        await self.amqp.connect()
        await self.server.start()
        await self.consumer.start()
        for name, loop in self._loops().items():
            self._tasks.append(asyncio.create_task(loop(), name=name))

    async def stop(self, grace: float = 2.0) -> None:
        """Stop taking calls and messages, finish what is in flight, close connections."""
        if self._stopped:
            return
        self._stopped = True
        await self.server.stop(grace)
        await self.consumer.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self._close()

    async def serve(self) -> None:
        """Run until SIGTERM/SIGINT; a crashed background loop ends the process."""
        await self.amqp.connect()
        await serve_until_signal(
            self.server,
            background=[self.consumer.run, *self._loops().values()],
            on_stop=self._close,
        )

    def _loops(self) -> dict[str, Callable[[], Coroutine[Any, Any, None]]]:
        return {
            "booking.outbox-relay": self.relay.run,
            "booking.expiry": self.expiry.run_forever,
            "booking.archival": self.archival.run_forever,
        }


async def create_app(config: Config) -> App:
    engine = create_engine(
        config.database_url,
        pool_size=config.db_pool_size,
        lock_timeout_ms=config.db_lock_timeout_ms,
        application_name="booking",
    )
    # New bookings, the hot write, go through psycopg's own pool (svckit.pg); everything else
    # (reads, state changes with their outbox events, consumers, jobs) through the engine.
    pool = create_pool(
        config.database_url,
        size=config.db_pool_size,
        lock_timeout_ms=config.db_lock_timeout_ms,
        application_name="booking-writes",
    )
    await pool.open()
    amqp = AmqpConnection(config.amqp_url, config.amqp_prefix, connection_name="booking")
    catalog_channel = create_channel(
        config.catalog_addr, services=[catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"]]
    )
    # GrpcInventoryClient sends caller_metadata (with the request id) on every call.
    inventory_channel = create_channel(
        config.inventory_addr,
        services=[inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"]],
        forward_request_id=False,
    )
    clock = SystemClock()
    policy = BookingPolicy(
        expires_in=timedelta(minutes=config.booking_expiry_minutes),
        payment_retry_grace=timedelta(minutes=config.payment_retry_extension_minutes),
    )

    def uow() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    catalog = CachedCatalog(
        GrpcCatalogClient(catalog_channel, deadline_seconds=config.upstream_deadline_seconds),
        clock,
        max_entries=config.show_cache_size,
        ttl_seconds=config.show_cache_ttl_seconds,
    )
    inventory = GrpcInventoryClient(
        inventory_channel, deadline_seconds=config.upstream_deadline_seconds
    )
    # One memory of hot seats for every path that books seats or gives them back.
    hot_seats = HotSeats()
    bookings = Bookings(
        uow=uow,
        new_bookings=PgNewBookings(pool),
        catalog=catalog,
        inventory=inventory,
        clock=clock,
        policy=policy,
        hot_seats=hot_seats,
    )
    server, port = create_server(
        services=[
            (
                booking_pb2_grpc.add_BookingServiceServicer_to_server,
                BookingServicer(bookings),
                SERVICE_NAME,
            )
        ],
        error_table=ERROR_TABLE,
        port=config.grpc_port,
        service_name="booking",
    )
    consumer = IdempotentConsumer(
        consumers.QUEUE,
        engine,
        SCHEMA,
        amqp,
        consumers.QUEUE,
        consumers.EXCHANGE,
        consumers.ROUTING_KEYS,
        consumers.PaymentEventsHandler(
            PaymentEvents(clock=clock, policy=policy, hot_seats=hot_seats)
        ),
        concurrency=config.consumer_concurrency,
    )

    async def close() -> None:
        for channel in (catalog_channel, inventory_channel):
            with contextlib.suppress(Exception):
                await channel.close()
        await amqp.close()
        await pool.close()
        await engine.dispose()

    return App(
        port=port,
        bookings=bookings,
        server=server,
        amqp=amqp,
        relay=OutboxRelay(engine, SCHEMA, amqp, poll_interval=config.outbox_poll_seconds),
        consumer=consumer,
        expiry=expiry_job(
            engine,
            uow,
            clock,
            every_seconds=config.expiry_sweep_seconds,
            batch_size=config.expiry_batch_size,
            hot_seats=hot_seats,
        ),
        archival=archival_job(
            engine,
            uow,
            clock,
            at=config.archival_time,
            after_days=config.archive_after_days,
        ),
        _close=close,
    )
