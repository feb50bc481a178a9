"""Payment against real PostgreSQL and RabbitMQ, served in-process over real gRPC.

Wiring, all real except booking: payment's create_app on port 0 (real migrations), the payment
simulator under uvicorn on a free port, and a tiny HTTP endpoint playing the gateway's webhook
route that forwards to payment's HandleWebhook. Booking is a small fake BookingService (real gRPC
server) so each test can put a booking in exactly the state it needs. Payment reaches RabbitMQ
through a TCP proxy, so a test can cut the broker off. Broker names use a prefix of their own
under the run's, so other services' tests in the same run never see these events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import grpc
import httpx
import pytest
import pytest_asyncio

from svckit.amqp import AmqpConnection
from svckit.db import create_engine
from tests.integration.payment.broker import BookingEventsPublisher, PaymentEventsReader
from tests.integration.payment.fake_booking import start_fake_bookings
from tests.integration.payment.webhook_forwarder import WEBHOOK_PATH, WebhookForwarder
from tests.integration.payment.world import PaymentWorld
from tests.support.services import (
    UvicornServer,
    migrate_payment,
    start_payment,
    start_simulator,
)
from tests.support.tcp_proxy import TcpProxy
from ticketing.payment.v1 import payment_pb2_grpc


def _via_proxy(amqp_url: str, port: int) -> str:
    parts = urlsplit(amqp_url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture(scope="session")
def payment_schema(database_url: str) -> str:
    migrate_payment(database_url)
    return "payment"


@pytest.fixture(scope="session")
def payment_prefix(amqp_prefix: str) -> str:
    return f"{amqp_prefix}paytests."


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def world(
    database_url: str, amqp_url: str, payment_prefix: str, payment_schema: str
) -> AsyncIterator[PaymentWorld]:
    booking_server, booking_port, bookings = await start_fake_bookings()
    forwarder = WebhookForwarder()
    forwarder_server = await UvicornServer.start(forwarder.app())
    simulator = await start_simulator(f"{forwarder_server.url}{WEBHOOK_PATH}")
    target = urlsplit(amqp_url)
    broker_proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5672)
    await broker_proxy.start()
    app = await start_payment(
        database_url,
        _via_proxy(amqp_url, broker_proxy.port),
        payment_prefix,
        booking_addr=f"127.0.0.1:{booking_port}",
        provider_url=simulator.url,
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{app.port}")
    forwarder.connect(channel)
    test_amqp = AmqpConnection(amqp_url, payment_prefix, reconnect_interval=0.2)
    await test_amqp.connect()
    events = PaymentEventsReader(test_amqp)
    await events.start()
    engine = create_engine(database_url, application_name="payment-tests")
    http = httpx.AsyncClient(base_url=simulator.url, timeout=10)
    try:
        yield PaymentWorld(
            payment=payment_pb2_grpc.PaymentServiceStub(channel),
            bookings=bookings,
            simulator=simulator,
            forwarder=forwarder,
            events=events,
            booking_events=BookingEventsPublisher(test_amqp),
            engine=engine,
            broker_proxy=broker_proxy,
            http=http,
            app=app,
        )
    finally:
        await http.aclose()
        await app.stop()
        await channel.close()
        await simulator.stop()
        await forwarder_server.stop()
        await broker_proxy.stop()
        await booking_server.stop(0)
        await _delete_broker_names(test_amqp, payment_prefix)
        await test_amqp.close()
        await engine.dispose()


async def _delete_broker_names(amqp: AmqpConnection, prefix: str) -> None:
    channel = await amqp.channel()
    queue = f"{prefix}payment.booking-events"
    for name in (queue, f"{queue}.dlq"):
        await channel.queue_delete(name)
    for exchange in ("payment.events", "booking.events", "dlx"):
        await channel.exchange_delete(prefix + exchange)
    await channel.close()
