"""The composition root: the only module that sees every layer and wires them together."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from payment.adapters.booking_client import GrpcBookingDirectory
from payment.adapters.provider_http import HttpPaymentProvider
from payment.adapters.tables import SCHEMA
from payment.adapters.unit_of_work import SqlUnitOfWork
from payment.config import Config
from payment.domain.refund_policy import RefundPolicy
from payment.entrypoints.consumers import (
    CONSUMER_NAME,
    EXCHANGE,
    QUEUE,
    ROUTING_KEYS,
    BookingEventHandler,
)
from payment.entrypoints.errors import ERROR_TABLE
from payment.entrypoints.grpc_servicer import SERVICE_NAME, PaymentServicer
from payment.service_layer.booking_events import BookingEvents
from payment.service_layer.payments import Payments
from payment.service_layer.refunds import Refunds
from payment.service_layer.webhooks import Webhooks
from svckit.amqp import AmqpConnection
from svckit.consumer import IdempotentConsumer
from svckit.db import create_engine
from svckit.grpc_client import create_channel
from svckit.grpc_server import create_server, serve_until_signal
from svckit.jobs import PeriodicJob
from svckit.outbox import OutboxRelay
from ticketing.booking.v1 import booking_pb2
from ticketing.payment.v1 import payment_pb2_grpc

REFUND_JOB_NAME = "payment.refund-retry"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class App:
    """A wired payment service: gRPC server, outbox relay, booking-event consumer, refund job."""

    config: Config
    server: grpc.aio.Server
    port: int
    engine: AsyncEngine
    amqp: AmqpConnection
    relay: OutboxRelay
    consumer: IdempotentConsumer
    refund_job: PeriodicJob
    refunds: Refunds
    _booking_channel: grpc.aio.Channel
    _http: httpx.AsyncClient
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        """Serve in the background (tests); ``serve`` is the foreground form for processes."""
        await self.amqp.connect()
        await self.server.start()
        await self.consumer.start()
        self._tasks = [
            asyncio.create_task(self.relay.run(), name="payment.outbox-relay"),
            asyncio.create_task(self.refund_job.run_forever(), name=REFUND_JOB_NAME),
        ]

    async def stop(self, grace: float = 2.0) -> None:
        await self.server.stop(grace)
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.consumer.stop()
        await self.close()

    async def serve(self) -> None:
        """Run until SIGTERM/SIGINT, then drain and close (``python -m payment serve``)."""
        await self.amqp.connect()
        await serve_until_signal(
            self.server,
            background=[self.consumer.run, self.relay.run, self.refund_job.run_forever],
            on_stop=self.close,
        )

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.amqp.close()
        await self._booking_channel.close()
        await self._http.aclose()
        await self.engine.dispose()


async def create_app(config: Config) -> App:
    engine = create_engine(
        config.database_url, pool_size=config.db_pool_size, application_name="payment"
    )
    amqp = AmqpConnection(config.amqp_url, config.amqp_prefix, connection_name="payment")
    booking_channel = create_channel(
        config.booking_addr, services=[booking_pb2.DESCRIPTOR.services_by_name["BookingService"]]
    )
    http = httpx.AsyncClient(
        base_url=config.provider_url, timeout=httpx.Timeout(config.provider_timeout_seconds)
    )
    clock = SystemClock()
    provider = HttpPaymentProvider(http, attempts=config.provider_attempts)
    bookings = GrpcBookingDirectory(booking_channel)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    payments = Payments(
        uow=uow,
        bookings=bookings,
        provider=provider,
        clock=clock,
        simulation_enabled=config.simulation_enabled,
    )
    refunds = Refunds(
        uow=uow,
        bookings=bookings,
        provider=provider,
        clock=clock,
        policy=RefundPolicy(),
        retry_base_seconds=config.refund_retry_interval_seconds,
        retry_max_seconds=config.refund_retry_max_seconds,
    )
    webhooks = Webhooks(
        uow=uow,
        clock=clock,
        secrets=config.webhook_secrets,
        tolerance_seconds=config.webhook_tolerance_seconds,
    )
    server, port = create_server(
        services=[
            (
                payment_pb2_grpc.add_PaymentServiceServicer_to_server,
                PaymentServicer(payments=payments, refunds=refunds, webhooks=webhooks),
                SERVICE_NAME,
            )
        ],
        error_table=ERROR_TABLE,
        port=config.grpc_port,
        service_name="payment",
    )
    consumer = IdempotentConsumer(
        CONSUMER_NAME,
        engine,
        SCHEMA,
        amqp,
        QUEUE,
        EXCHANGE,
        ROUTING_KEYS,
        BookingEventHandler(BookingEvents(refunds=refunds, provider=provider, clock=clock)),
    )

    async def settle_due_refunds() -> None:
        await refunds.settle_due()

    return App(
        config=config,
        server=server,
        port=port,
        engine=engine,
        amqp=amqp,
        relay=OutboxRelay(engine, SCHEMA, amqp, poll_interval=config.outbox_poll_interval_seconds),
        consumer=consumer,
        refund_job=PeriodicJob(
            REFUND_JOB_NAME, config.refund_retry_interval_seconds, settle_due_refunds, engine
        ),
        refunds=refunds,
        _booking_channel=booking_channel,
        _http=http,
    )
