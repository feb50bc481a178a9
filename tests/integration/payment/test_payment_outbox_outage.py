"""Broker cut off while payment has events to publish: they wait in the outbox, then arrive once."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.integration.payment.helpers import (
    SUCCEEDED,
    count_rows,
    initiate,
    owner,
    wait_payment_status,
)
from tests.integration.payment.world import PaymentWorld
from tests.support.wait import eventually
from ticketing.payment.v1 import payment_pb2

pytestmark = pytest.mark.integration


async def test_events_written_while_the_broker_is_away_arrive_once_it_is_back(
    world: PaymentWorld,
) -> None:
    bookings = [world.bookings.add() for _ in range(3)]
    sessions = [(await initiate(world, booking)).session_id for booking in bookings]

    failures_before = _relay_failures()
    await world.broker_proxy.stop()
    try:
        for booking, session_id in zip(bookings, sessions, strict=True):
            await world.payment.SimulatePayment(
                payment_pb2.SimulatePaymentRequest(
                    session_id=session_id, outcome=payment_pb2.PAYMENT_OUTCOME_SUCCESS
                ),
                metadata=owner(booking),
                timeout=10,
            )
        for booking in bookings:
            await wait_payment_status(world, booking, SUCCEEDED)
        ids = [booking.id for booking in bookings]
        pending = await count_rows(
            world,
            "SELECT count(*) FROM payment.outbox WHERE sent_at IS NULL"
            " AND routing_key = 'payment.succeeded'",
        )
        assert pending >= len(ids)
        await eventually(lambda: _relay_failures_above(failures_before), timeout=15)
        assert not any(world.events.of("payment.succeeded", booking_id) for booking_id in ids)
    finally:
        await world.broker_proxy.start()

    async def all_arrived() -> bool:
        return all(world.events.of("payment.succeeded", booking.id) for booking in bookings)

    await eventually(all_arrived, timeout=40, message="outbox events did not arrive")

    async def outbox_drained() -> bool:
        return (
            await count_rows(world, "SELECT count(*) FROM payment.outbox WHERE sent_at IS NULL")
            == 0
        )

    await eventually(outbox_drained, timeout=20)
    for booking in bookings:
        received = world.events.of("payment.succeeded", booking.id)
        assert len(received) == 1, received


def _relay_failures() -> float:
    value = REGISTRY.get_sample_value("outbox_publish_failures_total", {"schema": "payment"})
    return value or 0.0


async def _relay_failures_above(before: float) -> bool:
    """The relay has tried to publish during the outage, and failed."""
    return _relay_failures() > before
