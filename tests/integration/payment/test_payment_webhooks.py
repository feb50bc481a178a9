"""Signed webhooks: each provider event has its effect once; unsigned or stale ones none at all."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import grpc
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
from ticketing.payment.v1 import payment_pb2

pytestmark = pytest.mark.integration

PENDING = payment_pb2.PAYMENT_STATUS_PENDING


def provider_event(event_type: str, started: Any, booking_id: str, **data: Any) -> bytes:
    event = {
        "id": f"evt_test_{uuid.uuid4().hex}",
        "type": event_type,
        "created": int(time.time()),
        "data": {
            "sessionId": started.session_id,
            "bookingId": booking_id,
            "amount": started.amount.amount_minor,
            "currency": started.amount.currency,
            "metadata": {"paymentId": started.payment_id},
            **data,
        },
    }
    return json.dumps(event).encode()


async def deliver(world: PaymentWorld, body: bytes, signature: str) -> Any:
    return await world.payment.HandleWebhook(
        payment_pb2.HandleWebhookRequest(payload=body, signature=signature), timeout=10
    )


def signed(body: bytes, secret: str = PAYMENT_WEBHOOK_SECRET, at: float | None = None) -> str:
    return sign(body, secret, int(time.time() if at is None else at))


async def test_one_event_delivered_ten_times_changes_the_payment_once(world: PaymentWorld) -> None:
    booking = world.bookings.add()
    started = await initiate(world, booking)
    body = provider_event("payment.success", started, booking.id)

    concurrent = await asyncio.gather(*(deliver(world, body, signed(body)) for _ in range(5)))
    sequential = [await deliver(world, body, signed(body)) for _ in range(5)]

    answers = sorted(answer.status for answer in [*concurrent, *sequential])
    assert answers == ["duplicate"] * 9 + ["processed"]
    assert {answer.event_id for answer in concurrent} == {json.loads(body)["id"]}
    await wait_payment_status(world, booking, SUCCEEDED)
    assert await outbox_count(world, "payment.succeeded", booking.id) == 1
    await eventually(lambda: _published(world, "payment.succeeded", booking.id))
    assert len(world.events.of("payment.succeeded", booking.id)) == 1


async def test_the_simulator_retries_until_the_webhook_is_accepted(world: PaymentWorld) -> None:
    booking = world.bookings.add()
    world.forwarder.fail_next = 2
    await pay(world, booking)

    # The simulator records the 200 after payment has committed the event, so wait for it.
    async def delivered() -> Any:
        deliveries = world.simulator.app.state.webhooks.deliveries.values()
        delivery = next(d for d in deliveries if d.event["data"]["bookingId"] == booking.id)
        assert delivery.delivered and delivery.statuses == [503, 503, 200]
        return delivery

    await eventually(delivered, message="the simulator recorded its third delivery as accepted")
    assert await outbox_count(world, "payment.succeeded", booking.id) == 1


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda body: (body.replace(b"payment.success", b"payment.succesS"), signed(body)),
            id="tampered body",
        ),
        pytest.param(lambda body: (body, signed(body, "whsec_someone_else")), id="wrong secret"),
        pytest.param(lambda body: (body, signed(body, at=time.time() - 301)), id="stale"),
        pytest.param(lambda body: (body, signed(body, at=time.time() + 301)), id="future"),
        pytest.param(lambda body: (body, ""), id="missing"),
    ],
)
async def test_a_webhook_without_a_valid_signature_changes_nothing(
    world: PaymentWorld, forge: Any
) -> None:
    booking = world.bookings.add()
    started = await initiate(world, booking)
    body, signature = forge(provider_event("payment.success", started, booking.id))

    with pytest.raises(grpc.aio.AioRpcError) as rejected:
        await deliver(world, body, signature)

    assert rejected.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert (await status(world, booking)).payments[0].status == PENDING
    event_id = json.loads(body)["id"]
    assert (
        await count_rows(
            world, "SELECT count(*) FROM payment.webhook_events WHERE event_id = :id", id=event_id
        )
        == 0
    )
    assert await outbox_count(world, "payment.succeeded", booking.id) == 0


@pytest.mark.parametrize(
    ("signature", "body"),
    [
        pytest.param("t=abc,v1=00", None, id="unparseable header"),
        pytest.param("v1=" + "0" * 64, None, id="no timestamp"),
        pytest.param(None, b"{not json", id="signed garbage"),
        pytest.param(None, b'{"type": "payment.success"}', id="signed, no event id"),
    ],
)
async def test_malformed_webhooks_are_invalid_arguments(
    world: PaymentWorld, signature: str | None, body: bytes | None
) -> None:
    payload = body if body is not None else b'{"id": "evt_x", "type": "payment.success"}'

    with pytest.raises(grpc.aio.AioRpcError) as rejected:
        await deliver(world, payload, signature if signature is not None else signed(payload))

    assert rejected.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_a_rotated_secret_and_several_signatures_are_accepted(world: PaymentWorld) -> None:
    booking = world.bookings.add()
    started = await initiate(world, booking)
    body = provider_event("payment.success", started, booking.id)
    stamp = int(time.time())
    header = sign(body, ["whsec_retired_elsewhere", PAYMENT_WEBHOOK_SECRET], stamp)

    answer = await deliver(world, body, header)

    assert answer.status == "processed"
    await wait_payment_status(world, booking, SUCCEEDED)


async def test_late_failure_and_expiry_do_not_undo_a_success(world: PaymentWorld) -> None:
    booking = world.bookings.add()
    started = await pay(world, booking)

    for event_type in ("payment.failed", "payment.expired"):
        body = provider_event(event_type, started, booking.id)
        assert (await deliver(world, body, signed(body))).status == "processed"

    assert (await status(world, booking)).payments[0].status == SUCCEEDED
    assert await outbox_count(world, "payment.failed", booking.id) == 0
    assert await outbox_count(world, "payment.expired", booking.id) == 0


async def test_unknown_event_types_and_sessions_are_acknowledged_and_ignored(
    world: PaymentWorld,
) -> None:
    booking = world.bookings.add()
    started = await initiate(world, booking)
    odd_type = provider_event("charge.dispute.created", started, booking.id)
    odd_session = json.dumps(
        {"id": f"evt_{uuid.uuid4().hex}", "type": "payment.success", "data": {"sessionId": "x"}}
    ).encode()

    assert (await deliver(world, odd_type, signed(odd_type))).status == "processed"
    assert (await deliver(world, odd_session, signed(odd_session))).status == "processed"
    assert (await deliver(world, odd_type, signed(odd_type))).status == "duplicate"
    assert (await status(world, booking)).payments[0].status == PENDING


async def _published(world: PaymentWorld, key: str, booking_id: str) -> bool:
    return bool(world.events.of(key, booking_id))
