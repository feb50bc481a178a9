"""Steps most payment tests share: a caller's metadata, paying a booking, reading the DB."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.integration.payment.world import PaymentWorld
from tests.support.callers import as_user
from tests.support.wait import eventually
from ticketing.booking.v1 import booking_pb2
from ticketing.payment.v1 import payment_pb2

SUCCEEDED = payment_pb2.PAYMENT_STATUS_SUCCEEDED


def owner(booking: booking_pb2.Booking) -> tuple[tuple[str, str], ...]:
    return as_user(booking.user_id)


async def initiate(world: PaymentWorld, booking: booking_pb2.Booking) -> Any:
    return await world.payment.InitiatePayment(
        payment_pb2.InitiatePaymentRequest(booking_id=booking.id, user_id=booking.user_id),
        metadata=owner(booking),
        timeout=10,
    )


async def status(world: PaymentWorld, booking: booking_pb2.Booking) -> Any:
    return await world.payment.GetPaymentStatus(
        payment_pb2.GetPaymentStatusRequest(booking_id=booking.id),
        metadata=owner(booking),
        timeout=10,
    )


async def wait_payment_status(
    world: PaymentWorld, booking: booking_pb2.Booking, expected: int, within: float = 15
) -> Any:
    async def reached() -> Any:
        current = await status(world, booking)
        assert current.payments, "no payment yet"
        assert current.payments[0].status == expected, current.payments[0]
        return current

    return await eventually(reached, timeout=within, message="payment status not reached")


async def pay(world: PaymentWorld, booking: booking_pb2.Booking) -> Any:
    """Initiate, complete the session at the simulator, wait for the webhook's effect."""
    started = await initiate(world, booking)
    await world.payment.SimulatePayment(
        payment_pb2.SimulatePaymentRequest(
            session_id=started.session_id, outcome=payment_pb2.PAYMENT_OUTCOME_SUCCESS
        ),
        metadata=owner(booking),
        timeout=10,
    )
    await wait_payment_status(world, booking, SUCCEEDED)
    return started


async def count_rows(world: PaymentWorld, sql: str, **params: Any) -> int:
    async with world.engine.connect() as conn:
        return int((await conn.execute(sa.text(sql), params)).scalar_one())


async def outbox_count(world: PaymentWorld, routing_key: str, booking_id: str) -> int:
    """Outbox rows for one booking: the payload (protobuf) carries the booking id as text."""
    return await count_rows(
        world,
        "SELECT count(*) FROM payment.outbox WHERE routing_key = :key"
        " AND position(convert_to(:booking, 'UTF8') in payload) > 0",
        key=routing_key,
        booking=booking_id,
    )
