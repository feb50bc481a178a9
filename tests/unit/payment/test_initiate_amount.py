"""The seed's clients send the amount they expect to pay: a stale or tampered amount is refused
before a payment row or a provider session exists; the right amount (or none) goes ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import pytest

from payment.domain.errors import AmountMismatch, InvalidRequest
from payment.domain.values import BookingStatus, BookingView, Money, Requester
from payment.service_layer.payments import Payments

pytestmark = pytest.mark.unit

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
OWNER = "11111111-1111-4111-8111-111111111111"
BOOKING = "33333333-3333-4333-8333-333333333333"
VIEW = BookingView(
    booking_id=BOOKING,
    user_id=OWNER,
    status=BookingStatus.PENDING,
    total=Money(45_000, "INR"),
    expires_at=NOW + timedelta(minutes=10),
    show_starts_at=NOW + timedelta(days=2),
)


class Reached(Exception):
    """The use case got past its checks and asked for the database."""


class Clock:
    def now(self) -> datetime:
        return NOW


class Bookings:
    async def get_booking(self, booking_id: str, requester: Requester) -> BookingView:
        return VIEW


class Storage:
    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise Reached

    def __getattr__(self, name: str) -> NoReturn:
        raise Reached


def payments() -> Payments:
    return Payments(
        uow=Storage(),
        bookings=Bookings(),
        provider=Storage(),  # type: ignore[arg-type]
        clock=Clock(),
        simulation_enabled=True,
    )


@pytest.mark.parametrize("amount", [0, 44_999, 45_001, 4_500_000])
async def test_an_amount_other_than_the_bookings_total_is_refused(amount: int) -> None:
    with pytest.raises(AmountMismatch) as refused:
        await payments().initiate(
            booking_id=BOOKING,
            user_id=OWNER,
            requester=Requester(OWNER),
            expected_amount_minor=amount,
        )

    assert isinstance(refused.value, InvalidRequest)  # a 400 at the gateway
    assert refused.value.reason == "AMOUNT_MISMATCH"
    assert refused.value.details["total_amount"] == "45000"
    assert refused.value.details["amount"] == str(amount)


@pytest.mark.parametrize("amount", [45_000, None])
async def test_the_bookings_total_or_no_amount_goes_ahead(amount: int | None) -> None:
    with pytest.raises(Reached):
        await payments().initiate(
            booking_id=BOOKING,
            user_id=OWNER,
            requester=Requester(OWNER),
            expected_amount_minor=amount,
        )
