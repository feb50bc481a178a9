"""Initiate → checkout at the simulator → signed webhook → payment state and one event."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
import pytest

from tests.integration.payment.fake_booking import CONFIRMED
from tests.integration.payment.helpers import (
    SUCCEEDED,
    count_rows,
    initiate,
    outbox_count,
    owner,
    pay,
    wait_payment_status,
)
from tests.integration.payment.world import PaymentWorld
from tests.support.callers import as_user
from tests.support.wait import eventually
from ticketing.payment.v1 import payment_pb2

pytestmark = pytest.mark.integration


async def test_simulated_success_marks_the_payment_succeeded_and_publishes_once(
    world: PaymentWorld,
) -> None:
    booking = world.bookings.add(total_minor=45_000)

    started = await initiate(world, booking)

    assert started.session_id.startswith("sess_")
    assert started.payment_url == f"{world.simulator.url}/checkout/{started.session_id}"
    assert started.amount.amount_minor == 45_000 and started.amount.currency == "INR"
    assert started.expires_at == booking.expires_at
    page = await world.http.get(f"/checkout/{started.session_id}")
    assert page.status_code == 200 and "Pay</button>" in page.text

    simulated = await world.payment.SimulatePayment(
        payment_pb2.SimulatePaymentRequest(
            session_id=started.session_id, outcome=payment_pb2.PAYMENT_OUTCOME_SUCCESS
        ),
        metadata=owner(booking),
        timeout=10,
    )
    assert simulated.status == "paid"

    current = await wait_payment_status(world, booking, SUCCEEDED)
    assert current.payments[0].amount.amount_minor == 45_000
    received = await eventually(lambda: _events(world, "payment.succeeded", booking.id))
    event = received[0]
    assert event.message.payment_id == started.payment_id
    assert event.message.session_id == started.session_id
    assert event.message.amount.amount_minor == 45_000
    assert event.message_id == event.message.event_id
    assert event.message_type == "ticketing.events.v1.PaymentSucceeded"
    assert event.content_type == "application/x-protobuf"
    assert await outbox_count(world, "payment.succeeded", booking.id) == 1


async def test_the_checkout_page_pay_and_fail_buttons(world: PaymentWorld) -> None:
    paid, failed = world.bookings.add(), world.bookings.add()
    paid_session = (await initiate(world, paid)).session_id
    failed_session = (await initiate(world, failed)).session_id

    page = await world.http.post(f"/checkout/{paid_session}/pay")
    assert page.status_code == 200 and "Payment successful" in page.text
    page = await world.http.post(f"/checkout/{failed_session}/fail")
    assert page.status_code == 200 and "payment failed" in page.text.lower()

    await wait_payment_status(world, paid, SUCCEEDED)
    current = await wait_payment_status(world, failed, payment_pb2.PAYMENT_STATUS_FAILED)
    assert current.payments[0].failure_reason
    failed_events = await eventually(lambda: _events(world, "payment.failed", failed.id))
    assert failed_events[0].message.reason == current.payments[0].failure_reason
    again = await world.http.post(f"/checkout/{paid_session}/pay")
    assert again.status_code == 409


async def test_a_second_initiate_returns_the_open_session(world: PaymentWorld) -> None:
    booking = world.bookings.add()

    answers = await asyncio.gather(*(initiate(world, booking) for _ in range(6)))
    later = await initiate(world, booking)

    assert {answer.session_id for answer in [*answers, later]} == {later.session_id}
    assert {answer.payment_id for answer in [*answers, later]} == {later.payment_id}
    assert (
        await count_rows(
            world, "SELECT count(*) FROM payment.payments WHERE booking_id = :id", id=booking.id
        )
        == 1
    )
    sessions = await world.http.get("/v1/checkout/sessions", params={"booking_id": booking.id})
    assert len(sessions.json()["data"]) == 1


async def test_after_a_failed_payment_a_new_initiate_opens_a_new_session(
    world: PaymentWorld,
) -> None:
    booking = world.bookings.add()
    first = await initiate(world, booking)
    await world.http.post(f"/checkout/{first.session_id}/fail")
    await wait_payment_status(world, booking, payment_pb2.PAYMENT_STATUS_FAILED)

    second = await initiate(world, booking)

    assert second.session_id != first.session_id
    await pay(world, booking)


async def test_initiate_refuses_what_cannot_be_paid(world: PaymentWorld) -> None:
    confirmed = world.bookings.add(status=CONFIRMED)
    overdue = world.bookings.add(expires_in=timedelta(seconds=-1))
    someone_elses = world.bookings.add()

    with pytest.raises(grpc.aio.AioRpcError) as wrong_state:
        await initiate(world, confirmed)
    assert wrong_state.value.code() is grpc.StatusCode.ABORTED
    assert "CONFIRMED" in (wrong_state.value.details() or "")

    with pytest.raises(grpc.aio.AioRpcError) as expired:
        await initiate(world, overdue)
    assert expired.value.code() is grpc.StatusCode.ABORTED

    with pytest.raises(grpc.aio.AioRpcError) as not_yours:
        await world.payment.InitiatePayment(
            payment_pb2.InitiatePaymentRequest(booking_id=someone_elses.id),
            metadata=as_user("00000000-0000-4000-8000-000000000001"),
            timeout=10,
        )
    assert not_yours.value.code() is grpc.StatusCode.PERMISSION_DENIED

    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await world.payment.InitiatePayment(
            payment_pb2.InitiatePaymentRequest(booking_id=someone_elses.id), timeout=10
        )
    assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED

    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await world.payment.InitiatePayment(
            payment_pb2.InitiatePaymentRequest(booking_id="7d1f6a2e-0000-4000-8000-000000000000"),
            metadata=as_user(someone_elses.user_id),
            timeout=10,
        )
    assert unknown.value.code() is grpc.StatusCode.NOT_FOUND
    assert (
        await count_rows(
            world,
            "SELECT count(*) FROM payment.payments WHERE booking_id IN (:a, :b, :c)",
            a=confirmed.id,
            b=overdue.id,
            c=someone_elses.id,
        )
        == 0
    )


async def _events(world: PaymentWorld, key: str, booking_id: str) -> list:  # type: ignore[type-arg]
    return world.events.of(key, booking_id)
