"""Refunds by the time-based policy, idempotent, through the provider, published once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import grpc
import pytest

from svckit.errors import error_info_from_rpc_error
from tests.integration.payment.fake_booking import CONFIRMED, PENDING, REFUNDED
from tests.integration.payment.helpers import count_rows, owner, pay, status
from tests.integration.payment.world import PaymentWorld
from tests.support.callers import as_user
from tests.support.wait import eventually
from ticketing.booking.v1 import booking_pb2
from ticketing.payment.v1 import payment_pb2

pytestmark = pytest.mark.integration


async def paid_and_confirmed(
    world: PaymentWorld, show_starts_in: timedelta, total_minor: int = 45_000
) -> booking_pb2.Booking:
    booking = world.bookings.add(show_starts_in=show_starts_in, total_minor=total_minor)
    await pay(world, booking)
    world.bookings.set_status(booking.id, CONFIRMED)
    return booking


async def refund(world: PaymentWorld, booking: booking_pb2.Booking, **kwargs: Any) -> Any:
    return await world.payment.RefundBooking(
        payment_pb2.RefundBookingRequest(booking_id=booking.id, user_id=booking.user_id, **kwargs),
        metadata=owner(booking),
        timeout=10,
    )


async def refunded_events(world: PaymentWorld, booking_id: str, count: int = 1) -> list[Any]:
    async def published() -> list[Any]:
        found = world.events.of("payment.refunded", booking_id)
        assert len(found) >= count, found
        return found

    return await eventually(published)


async def provider_webhook_delivered(
    world: PaymentWorld, refund_amount: int, booking_id: str
) -> None:
    """The simulator's refund.succeeded webhook reached payment (and was answered 2xx)."""

    async def delivered() -> bool:
        return any(
            delivery.delivered
            for delivery in world.simulator.app.state.webhooks.deliveries.values()
            if delivery.event["type"] == "refund.succeeded"
            and delivery.event["data"]["bookingId"] == booking_id
            and delivery.event["data"]["amount"] == refund_amount
        )

    await eventually(delivered)


async def test_more_than_24_hours_before_the_show_refunds_in_full(world: PaymentWorld) -> None:
    booking = await paid_and_confirmed(world, timedelta(hours=30))

    answer = await refund(world, booking, reason="plans changed")

    assert answer.status == payment_pb2.REFUND_STATUS_SUCCEEDED
    assert answer.percent == 100 and answer.amount.amount_minor == 45_000
    assert answer.reason == "plans changed"
    current = await status(world, booking)
    assert current.payments[0].status == payment_pb2.PAYMENT_STATUS_REFUNDED
    assert [item.id for item in current.refunds] == [answer.id]
    event = (await refunded_events(world, booking.id))[0].message
    assert (event.refund_id, event.percent, event.amount.amount_minor) == (answer.id, 100, 45_000)
    assert event.automatic is False
    session = world.simulator.app.state.store.get(current.payments[0].session_id)
    assert session.refunded == 45_000
    await provider_webhook_delivered(world, 45_000, booking.id)
    assert len(world.events.of("payment.refunded", booking.id)) == 1


async def test_between_2_and_24_hours_refunds_half(world: PaymentWorld) -> None:
    booking = await paid_and_confirmed(world, timedelta(hours=10), total_minor=45_001)

    answer = await refund(world, booking)

    assert answer.percent == 50 and answer.amount.amount_minor == 22_500
    current = await status(world, booking)
    assert current.payments[0].status == payment_pb2.PAYMENT_STATUS_PARTIALLY_REFUNDED
    assert (await refunded_events(world, booking.id))[0].message.percent == 50


@pytest.mark.parametrize(
    ("starts_in", "reason"),
    [
        (timedelta(hours=1, minutes=59), "REFUND_WINDOW_CLOSED"),
        (-timedelta(minutes=5), "SHOW_STARTED"),
    ],
)
async def test_less_than_2_hours_before_the_show_is_refused(
    world: PaymentWorld, starts_in: timedelta, reason: str
) -> None:
    booking = await paid_and_confirmed(world, starts_in)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await refund(world, booking)

    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "before the show" in (refused.value.details() or "") or "started" in (
        refused.value.details() or ""
    )
    info = error_info_from_rpc_error(refused.value)
    assert info is not None and info.reason == reason
    assert (await status(world, booking)).payments[0].status == payment_pb2.PAYMENT_STATUS_SUCCEEDED
    assert not (await status(world, booking)).refunds


async def test_repeated_and_concurrent_requests_make_one_refund(world: PaymentWorld) -> None:
    booking = await paid_and_confirmed(world, timedelta(days=3))

    answers = await asyncio.gather(*(refund(world, booking) for _ in range(5)))
    world.bookings.set_status(booking.id, REFUNDED)
    again = await refund(world, booking)

    assert {answer.id for answer in [*answers, again]} == {again.id}
    assert (
        await count_rows(
            world, "SELECT count(*) FROM payment.refunds WHERE booking_id = :id", id=booking.id
        )
        == 1
    )
    assert len(world.simulator.app.state.store.refunds) >= 1
    provider_refunds = [
        item
        for item in world.simulator.app.state.store.refunds.values()
        if item.metadata.get("bookingId") == booking.id
    ]
    assert len(provider_refunds) == 1
    await refunded_events(world, booking.id)
    await provider_webhook_delivered(world, 45_000, booking.id)
    assert len(world.events.of("payment.refunded", booking.id)) == 1


async def test_only_a_confirmed_booking_of_the_caller_is_refunded(world: PaymentWorld) -> None:
    unpaid = world.bookings.add(status=PENDING)
    confirmed = await paid_and_confirmed(world, timedelta(days=3))

    with pytest.raises(grpc.aio.AioRpcError) as wrong_state:
        await refund(world, unpaid)
    assert wrong_state.value.code() is grpc.StatusCode.ABORTED

    with pytest.raises(grpc.aio.AioRpcError) as not_yours:
        await world.payment.RefundBooking(
            payment_pb2.RefundBookingRequest(booking_id=confirmed.id),
            metadata=as_user("00000000-0000-4000-8000-000000000002"),
            timeout=10,
        )
    assert not_yours.value.code() is grpc.StatusCode.PERMISSION_DENIED

    by_admin = await world.payment.RefundBooking(
        payment_pb2.RefundBookingRequest(booking_id=confirmed.id, user_id=confirmed.user_id),
        metadata=as_user("00000000-0000-4000-8000-000000000003", "admin"),
        timeout=10,
    )
    assert by_admin.percent == 100
