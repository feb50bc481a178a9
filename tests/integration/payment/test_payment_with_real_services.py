"""Payment with the real booking, inventory and catalog services (all in-process, real gRPC).

The other payment tests use a fake BookingService to put bookings in exact states; these check
the contract end to end: a paid booking is confirmed and its seats sold; a refund frees them; a
payment that arrives after the booking expired is refunded in full and the seats stay free.
Catalog and inventory come from booking's test support (`Upstreams`). This system gets a
database and a broker prefix of its own: a second payment deployment on the session's payment
schema would share its outbox and refund-retry job with the other tests' payment app.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import grpc
import httpx
import pytest
import pytest_asyncio

from tests.integration.booking.upstreams import Upstreams
from tests.integration.payment.webhook_forwarder import WEBHOOK_PATH, WebhookForwarder
from tests.support.broker_cleanup import delete_topology
from tests.support.callers import as_user
from tests.support.databases import own_database
from tests.support.services import (
    UvicornServer,
    migrate_booking,
    migrate_payment,
    start_booking,
    start_payment,
    start_simulator,
)
from tests.support.wait import eventually
from ticketing.booking.v1 import booking_pb2, booking_pb2_grpc
from ticketing.payment.v1 import payment_pb2, payment_pb2_grpc

pytestmark = pytest.mark.integration

BOOKING_EXPIRY_MINUTES = 0.15  # 9 s: long enough to pay, short enough to wait out


@dataclass
class System:
    upstreams: Upstreams
    booking: booking_pb2_grpc.BookingServiceStub
    payment: payment_pb2_grpc.PaymentServiceStub
    simulator: UvicornServer
    http: httpx.AsyncClient


@pytest.fixture(scope="module")
def system_database_url(postgres_server_url: str, database_url: str) -> Iterator[str]:
    with own_database(
        postgres_server_url, f"{urlsplit(database_url).path.lstrip('/')}_paysys"
    ) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(
    system_database_url: str, amqp_url: str, amqp_prefix: str
) -> AsyncIterator[System]:
    database_url = system_database_url
    prefix = f"{amqp_prefix}paysys."
    migrate_booking(database_url)
    migrate_payment(database_url)
    upstreams = await Upstreams.start(database_url, amqp_url, prefix)
    booking_app = await start_booking(
        database_url,
        amqp_url,
        prefix,
        catalog_addr=upstreams.catalog_addr,
        inventory_addr=upstreams.inventory_addr,
        booking_expiry_minutes=BOOKING_EXPIRY_MINUTES,
        expiry_sweep_seconds=0.2,
    )
    forwarder = WebhookForwarder()
    forwarder_server = await UvicornServer.start(forwarder.app())
    simulator = await start_simulator(f"{forwarder_server.url}{WEBHOOK_PATH}")
    payment_app = await start_payment(
        database_url,
        amqp_url,
        prefix,
        booking_addr=f"127.0.0.1:{booking_app.port}",
        provider_url=simulator.url,
    )
    payment_channel = grpc.aio.insecure_channel(f"127.0.0.1:{payment_app.port}")
    booking_channel = grpc.aio.insecure_channel(f"127.0.0.1:{booking_app.port}")
    forwarder.connect(payment_channel)
    http = httpx.AsyncClient(base_url=simulator.url, timeout=10)
    try:
        yield System(
            upstreams=upstreams,
            booking=booking_pb2_grpc.BookingServiceStub(booking_channel),
            payment=payment_pb2_grpc.PaymentServiceStub(payment_channel),
            simulator=simulator,
            http=http,
        )
    finally:
        await http.aclose()
        await payment_app.stop()
        await payment_channel.close()
        await booking_channel.close()
        await simulator.stop()
        await forwarder_server.stop()
        await booking_app.stop()
        await upstreams.stop()
        await delete_topology(amqp_url, prefix)


async def new_booking(system: System, user: str) -> tuple[booking_pb2.Booking, list[str]]:
    show_id, seats = await system.upstreams.new_show(seats=2)
    booking = await system.booking.CreateBooking(
        booking_pb2.CreateBookingRequest(user_id=user, show_id=show_id, seat_ids=seats),
        metadata=as_user(user),
        timeout=10,
    )
    return booking, seats


async def booking_in(system: System, booking_id: str, user: str, status: int, within: float) -> Any:
    async def reached() -> Any:
        current = await system.booking.GetBooking(
            booking_pb2.GetBookingRequest(booking_id=booking_id), metadata=as_user(user)
        )
        assert current.status == status, (current.status, current.status_reason)
        return current

    return await eventually(reached, timeout=within, message="booking status not reached")


async def seats_are(system: System, seats: list[str], status: str) -> None:
    async def reached() -> bool:
        return all([await system.upstreams.seat_status(seat) == status for seat in seats])

    await eventually(reached, timeout=15, message=f"seats not {status}")


async def payment_state(system: System, booking_id: str, user: str) -> Any:
    return await system.payment.GetPaymentStatus(
        payment_pb2.GetPaymentStatusRequest(booking_id=booking_id), metadata=as_user(user)
    )


async def test_paying_confirms_the_booking_and_a_refund_frees_the_seats(system: System) -> None:
    user = str(uuid.uuid4())
    booking, seats = await new_booking(system, user)

    started = await system.payment.InitiatePayment(
        payment_pb2.InitiatePaymentRequest(booking_id=booking.id, user_id=user),
        metadata=as_user(user),
    )
    assert started.amount == booking.total and started.expires_at == booking.expires_at
    page = await system.http.post(f"/checkout/{started.session_id}/pay")
    assert page.status_code == 200

    confirmed = await booking_in(system, booking.id, user, booking_pb2.BOOKING_STATUS_CONFIRMED, 15)
    assert confirmed.payment.status == "SUCCEEDED"
    await seats_are(system, seats, "SOLD")
    overview = await payment_state(system, booking.id, user)
    assert overview.booking_status == booking_pb2.BOOKING_STATUS_CONFIRMED

    refund = await system.payment.RefundBooking(
        payment_pb2.RefundBookingRequest(booking_id=booking.id, user_id=user),
        metadata=as_user(user),
    )

    assert refund.percent == 100 and refund.amount == booking.total
    await booking_in(system, booking.id, user, booking_pb2.BOOKING_STATUS_REFUNDED, 15)
    await seats_are(system, seats, "AVAILABLE")


async def test_a_payment_after_expiry_is_refunded_in_full_and_the_seats_stay_free(
    system: System,
) -> None:
    user = str(uuid.uuid4())
    booking, seats = await new_booking(system, user)
    started = await system.payment.InitiatePayment(
        payment_pb2.InitiatePaymentRequest(booking_id=booking.id), metadata=as_user(user)
    )
    await booking_in(system, booking.id, user, booking_pb2.BOOKING_STATUS_EXPIRED, 40)
    await seats_are(system, seats, "AVAILABLE")

    async def checkout_closed() -> bool:
        overview = await payment_state(system, booking.id, user)
        return overview.payments[0].status == payment_pb2.PAYMENT_STATUS_EXPIRED

    await eventually(checkout_closed, timeout=15)

    # The customer's payment raced the expiry and the provider reports it anyway.
    await system.payment.SimulatePayment(
        payment_pb2.SimulatePaymentRequest(
            session_id=started.session_id, outcome=payment_pb2.PAYMENT_OUTCOME_SUCCESS
        ),
        metadata=as_user(user),
    )

    async def refunded() -> Any:
        overview = await payment_state(system, booking.id, user)
        assert overview.payments[0].status == payment_pb2.PAYMENT_STATUS_REFUNDED, overview
        return overview

    overview = await eventually(refunded, timeout=20)
    (refund,) = overview.refunds
    assert refund.percent == 100 and refund.amount == booking.total
    assert overview.booking_status == booking_pb2.BOOKING_STATUS_EXPIRED
    session = system.simulator.app.state.store.get(started.session_id)
    assert session.refunded == booking.total.amount_minor
    final = await booking_in(system, booking.id, user, booking_pb2.BOOKING_STATUS_EXPIRED, 5)
    assert final.status_reason
    await seats_are(system, seats, "AVAILABLE")
