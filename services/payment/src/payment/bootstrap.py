"""The composition root: the only module that sees every layer and wires them together."""

from __future__ import annotations

import httpx

from payment.adapters.booking_client import GrpcBookingDirectory
from payment.adapters.provider_http import HttpPaymentProvider
from payment.adapters.unit_of_work import SqlUnitOfWork
from payment.config import SERVICE, Config
from payment.domain.refund_policy import RefundPolicy
from payment.entrypoints.consumers import (
    CONSUMER_NAME,
    EXCHANGE,
    QUEUE,
    ROUTING_KEYS,
    BookingEventHandler,
)
from payment.entrypoints.errors import ERROR_TABLE
from payment.entrypoints.grpc_servicer import PaymentServicer
from payment.entrypoints.jobs import refund_retry_job
from payment.service_layer.booking_events import BookingEvents
from payment.service_layer.payments import Payments
from payment.service_layer.refunds import Refunds
from payment.service_layer.webhooks import Webhooks
from svckit.amqp import AmqpConnection
from svckit.clock import SystemClock
from svckit.consumer import IdempotentConsumer
from svckit.db import create_engine
from svckit.grpc_client import create_channel
from svckit.grpc_server import create_server
from svckit.outbox import OutboxRelay
from svckit.service import ServiceProcess
from ticketing.booking.v1 import booking_pb2
from ticketing.payment.v1 import payment_pb2_grpc


async def create_app(config: Config) -> ServiceProcess:
    engine = create_engine(
        config.database_url, pool_size=config.db_pool_size, application_name=SERVICE.name
    )
    amqp = AmqpConnection(config.amqp_url, config.amqp_prefix, connection_name=SERVICE.name)
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
                SERVICE.grpc_service,
            )
        ],
        error_table=ERROR_TABLE,
        port=config.grpc_port,
        service_name=SERVICE.name,
    )

    app = ServiceProcess(SERVICE.name, server, port)
    app.on_start(amqp.connect)
    app.add_closer(engine.dispose, http.aclose, booking_channel.close, amqp.close)
    app.add_consumer(
        IdempotentConsumer(
            CONSUMER_NAME,
            engine,
            SERVICE.schema,
            amqp,
            QUEUE,
            EXCHANGE,
            ROUTING_KEYS,
            BookingEventHandler(BookingEvents(refunds=refunds, provider=provider, clock=clock)),
        )
    )
    relay = OutboxRelay(
        engine, SERVICE.schema, amqp, poll_interval=config.outbox_poll_interval_seconds
    )
    app.add_task(f"{SERVICE.name}.outbox-relay", relay.run)
    job = refund_retry_job(refunds, engine, config.refund_retry_interval_seconds)
    app.add_task(job.name, job.run_forever)
    return app
