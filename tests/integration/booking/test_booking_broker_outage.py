"""A broker outage delays booking events but loses none: the outbox keeps them until it is back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import grpc
import pytest
import pytest_asyncio
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.booking.conftest import StartBooking
from tests.integration.booking.helpers import events_for
from tests.integration.booking.upstreams import Upstreams
from tests.support.callers import as_user
from tests.support.tcp_proxy import TcpProxy
from tests.support.wait import eventually
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(loop_scope="session")
async def broker_proxy(amqp_url: str) -> AsyncIterator[TcpProxy]:
    target = urlsplit(amqp_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5672)
    await proxy.start()
    yield proxy
    await proxy.stop()


def through(proxy: TcpProxy, amqp_url: str) -> str:
    parts = urlsplit(amqp_url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


async def unsent(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM booking.outbox WHERE sent_at IS NULL"))
    return int(count or 0)


async def test_events_written_while_the_broker_is_away_arrive_once_it_is_back(
    start_app: StartBooking,
    upstreams: Upstreams,
    amqp_url: str,
    broker_proxy: TcpProxy,
    booking_engine: AsyncEngine,
    booking_events: list[AbstractIncomingMessage],
) -> None:
    app = await start_app(amqp_url=through(broker_proxy, amqp_url))
    user = str(uuid.uuid4())
    show_id, seats = await upstreams.new_show(seats=2)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        client = booking_pb2_grpc.BookingServiceStub(channel)
        booking = await client.CreateBooking(
            booking_pb2.CreateBookingRequest(user_id=user, show_id=show_id, seat_ids=seats),
            metadata=as_user(user),
        )
        await broker_proxy.stop()
        cancelled = await client.CancelBooking(
            booking_pb2.CancelBookingRequest(booking_id=booking.id), metadata=as_user(user)
        )
    assert cancelled.status == booking_pb2.BOOKING_STATUS_CANCELLED
    assert await unsent(booking_engine) >= 1
    assert {await upstreams.seat_status(seat) for seat in seats} == {"RESERVED"}

    await broker_proxy.start()

    async def delivered() -> list[object]:
        return events_for(booking_events, "booking.cancelled", booking.id)

    await eventually(delivered, timeout=30, message="booking.cancelled after the outage")

    async def released() -> bool:
        return {await upstreams.seat_status(seat) for seat in seats} == {"AVAILABLE"}

    await eventually(released, timeout=10, message="seats back on sale after the outage")
    assert len(events_for(booking_events, "booking.cancelled", booking.id)) == 1
