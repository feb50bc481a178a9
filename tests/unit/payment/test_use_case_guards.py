"""Requests that must be refused before any state is touched: no database, no provider call."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import pytest

from payment.domain.errors import (
    BookingExpired,
    InvalidRequest,
    InvalidWebhookPayload,
    NotAuthenticated,
    NotOwner,
    SignatureMismatch,
    SimulationDisabled,
    WrongBookingState,
)
from payment.domain.values import BookingStatus, BookingView, Money, Requester
from payment.service_layer.payments import Payments
from payment.service_layer.ports import SessionOutcome
from payment.service_layer.webhooks import Webhooks
from payment_simulator.signing import sign
from svckit.clock import FakeClock

pytestmark = pytest.mark.unit

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
OWNER = "11111111-1111-4111-8111-111111111111"
STRANGER = "22222222-2222-4222-8222-222222222222"
BOOKING = "33333333-3333-4333-8333-333333333333"


class OneBooking:
    def __init__(self, view: BookingView) -> None:
        self.view = view

    async def get_booking(self, booking_id: str, requester: Requester) -> BookingView:
        return self.view


class Untouchable:
    """Stands for the database and the provider: any use fails the test."""

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("state was touched")

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"state was touched ({name})")


def booking(
    status: BookingStatus = BookingStatus.PENDING, expires_in: timedelta = timedelta(minutes=10)
) -> BookingView:
    return BookingView(
        booking_id=BOOKING,
        user_id=OWNER,
        status=status,
        total=Money(45_000, "INR"),
        expires_at=NOW + expires_in,
        show_starts_at=NOW + timedelta(days=2),
    )


def payments(view: BookingView, *, simulation: bool = True) -> Payments:
    return Payments(
        uow=Untouchable(),
        bookings=OneBooking(view),
        provider=Untouchable(),  # type: ignore[arg-type]
        clock=FakeClock(NOW),
        simulation_enabled=simulation,
    )


@pytest.mark.parametrize(
    ("view", "user_id", "requester", "error"),
    [
        (booking(), OWNER, Requester(None), NotAuthenticated),
        (booking(), OWNER, Requester(STRANGER), NotOwner),
        (booking(), "not-a-uuid", Requester(OWNER, frozenset({"admin"})), InvalidRequest),
        (booking(), STRANGER, Requester(STRANGER, frozenset({"admin"})), NotOwner),
        (booking(BookingStatus.CONFIRMED), OWNER, Requester(OWNER), WrongBookingState),
        (booking(BookingStatus.EXPIRED), "", Requester(OWNER), WrongBookingState),
        (booking(expires_in=timedelta(0)), OWNER, Requester(OWNER), BookingExpired),
    ],
)
async def test_initiate_refuses_before_any_charge(
    view: BookingView, user_id: str, requester: Requester, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await payments(view).initiate(booking_id=BOOKING, user_id=user_id, requester=requester)


async def test_simulation_is_refused_outside_development() -> None:
    with pytest.raises(SimulationDisabled, match="ENV=development"):
        await payments(booking(), simulation=False).simulate(
            session_id="sess_1", outcome=SessionOutcome.SUCCESS, requester=Requester(OWNER)
        )


def webhooks() -> Webhooks:
    return Webhooks(
        uow=Untouchable(),
        clock=FakeClock(datetime.fromtimestamp(int(time.time()), UTC)),
        secrets=("whsec_a",),
    )


async def test_a_badly_signed_webhook_never_reaches_the_database() -> None:
    body = b'{"id":"evt_1","type":"payment.success","data":{}}'
    with pytest.raises(SignatureMismatch):
        await webhooks().handle(body, sign(body, "whsec_b", int(time.time())))


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"type":"payment.success"}',
        b'{"id":"evt_1"}',
        b'{"id":"e","type":"t","data":[]}',
    ],
)
async def test_a_signed_body_that_is_not_an_event_never_reaches_the_database(body: bytes) -> None:
    with pytest.raises(InvalidWebhookPayload):
        await webhooks().handle(body, sign(body, "whsec_a", int(time.time())))
