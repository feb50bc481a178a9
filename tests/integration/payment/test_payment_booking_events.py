"""booking.events → payment: automatic full refunds, closing checkouts of gone bookings."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from payment_simulator.signing import sign
from tests.integration.payment.helpers import (
    SUCCEEDED,
    count_rows,
    initiate,
    outbox_count,
    pay,
    status,
    wait_payment_status,
)
from tests.integration.payment.world import PaymentWorld
from tests.support.services import PAYMENT_WEBHOOK_SECRET
from tests.support.wait import eventually
from ticketing.common.v1 import common_pb2
from ticketing.events.v1 import events_pb2
from ticketing.payment.v1 import payment_pb2

pytestmark = pytest.mark.integration


def rejection(booking_id: str, user_id: str, payment_id: str) -> events_pb2.BookingPaymentRejected:
    return events_pb2.BookingPaymentRejected(
        event_id=str(uuid.uuid4()),
        booking_id=booking_id,
        user_id=user_id,
        payment_id=payment_id,
        amount=common_pb2.Money(amount_minor=45_000, currency="INR"),
        reason="payment arrived after the booking expired",
    )


async def test_a_rejected_payment_is_refunded_in_full_automatically(world: PaymentWorld) -> None:
    booking = world.bookings.add()
    started = await pay(world, booking)
    event = rejection(booking.id, booking.user_id, started.payment_id)

    await world.booking_events.publish("booking.payment_rejected", event, event.event_id)
    # Redelivered, and rejected a second time under another event id: still one refund.
    await world.booking_events.publish("booking.payment_rejected", event, event.event_id)
    again = rejection(booking.id, booking.user_id, started.payment_id)
    await world.booking_events.publish("booking.payment_rejected", again, again.event_id)

    current = await wait_payment_status(world, booking, payment_pb2.PAYMENT_STATUS_REFUNDED)
    (refund,) = current.refunds
    assert refund.status == payment_pb2.REFUND_STATUS_SUCCEEDED
    assert (refund.percent, refund.amount.amount_minor) == (100, 45_000)
    published = await eventually(lambda: _refunded(world, booking.id))
    assert published[0].message.automatic is True
    assert published[0].message.refund_id == refund.id
    assert world.simulator.app.state.store.get(started.session_id).refunded == 45_000
    assert (
        await count_rows(
            world,
            "SELECT count(*) FROM payment.processed_messages WHERE message_id IN (:a, :b)",
            a=event.event_id,
            b=again.event_id,
        )
        == 2
    )
    assert await outbox_count(world, "payment.refunded", booking.id) == 1


@pytest.mark.parametrize("closed_by", ["booking.expired", "booking.cancelled"])
async def test_a_closed_booking_closes_its_open_checkout(
    world: PaymentWorld, closed_by: str
) -> None:
    booking = world.bookings.add()
    started = await initiate(world, booking)
    event_id = str(uuid.uuid4())
    message = (
        events_pb2.BookingExpired(event_id=event_id, booking_id=booking.id, user_id=booking.user_id)
        if closed_by == "booking.expired"
        else events_pb2.BookingCancelled(
            event_id=event_id, booking_id=booking.id, user_id=booking.user_id, reason="user"
        )
    )

    await world.booking_events.publish(closed_by, message, event_id)

    current = await wait_payment_status(world, booking, payment_pb2.PAYMENT_STATUS_EXPIRED)
    # Whichever closes it first, payment's reaction or the provider's expiry webhook, wins.
    assert current.payments[0].failure_reason in (
        "the checkout session expired",
        "the booking expired" if closed_by == "booking.expired" else "the booking was cancelled",
    )
    assert world.simulator.app.state.store.get(started.session_id).status == "expired"
    page = await world.http.post(f"/checkout/{started.session_id}/pay")
    assert page.status_code == 409
    await eventually(lambda: _expired(world, booking.id))
    # The provider's own payment.expired webhook for that session changes nothing more.
    await eventually(lambda: _expiry_webhook_answered(world, started.session_id))
    assert await outbox_count(world, "payment.expired", booking.id) == 1


async def test_a_success_that_arrives_after_the_checkout_closed_is_still_recorded(
    world: PaymentWorld,
) -> None:
    booking = world.bookings.add()
    started = await initiate(world, booking)
    event_id = str(uuid.uuid4())
    expired = events_pb2.BookingExpired(event_id=event_id, booking_id=booking.id)
    await world.booking_events.publish("booking.expired", expired, event_id)
    await wait_payment_status(world, booking, payment_pb2.PAYMENT_STATUS_EXPIRED)

    late = json.dumps(
        {
            "id": f"evt_late_{uuid.uuid4().hex}",
            "type": "payment.success",
            "created": int(time.time()),
            "data": {"sessionId": started.session_id, "bookingId": booking.id},
        }
    ).encode()
    await world.payment.HandleWebhook(
        payment_pb2.HandleWebhookRequest(
            payload=late, signature=sign(late, PAYMENT_WEBHOOK_SECRET, int(time.time()))
        ),
        timeout=10,
    )

    assert (await status(world, booking)).payments[0].status == SUCCEEDED
    assert await outbox_count(world, "payment.succeeded", booking.id) == 1


async def _refunded(world: PaymentWorld, booking_id: str) -> list:  # type: ignore[type-arg]
    return world.events.of("payment.refunded", booking_id)


async def _expired(world: PaymentWorld, booking_id: str) -> list:  # type: ignore[type-arg]
    return world.events.of("payment.expired", booking_id)


async def _expiry_webhook_answered(world: PaymentWorld, session_id: str) -> bool:
    return any(
        delivery.delivered and delivery.event["type"] == "payment.expired"
        for delivery in world.simulator.app.state.webhooks.deliveries.values()
        if delivery.event["data"]["sessionId"] == session_id
    )
