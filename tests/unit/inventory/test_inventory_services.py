"""Use cases through a fake unit of work: retries of deadlocked transactions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

import pytest

from inventory.domain.errors import ConcurrentUpdate
from inventory.service_layer.services import Policy, SeatService
from svckit.clock import SystemClock

pytestmark = pytest.mark.unit

POLICY = Policy(hold_ttl=timedelta(minutes=5), max_seats_per_hold=10)


class FlakySeats:
    """Fails the first ``failures`` confirmations with a deadlock."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def confirm(self, booking_id: str, now: datetime) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConcurrentUpdate()
        return 2


class FakeUnitOfWork:
    def __init__(self, seats: Any, *, retryable: bool) -> None:
        self.seats = seats
        self.retryable = retryable
        self.commits = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1


def service(seats: FlakySeats, *, retryable: bool) -> SeatService:
    return SeatService(
        lambda **_: FakeUnitOfWork(seats, retryable=retryable), SystemClock(), POLICY
    )


async def test_a_deadlocked_transaction_is_run_again() -> None:
    seats = FlakySeats(failures=2)
    assert await service(seats, retryable=True).confirm_seats(str(uuid.uuid4())) == 2
    assert seats.calls == 3


async def test_retries_are_bounded() -> None:
    seats = FlakySeats(failures=5)
    with pytest.raises(ConcurrentUpdate):
        await service(seats, retryable=True).confirm_seats(str(uuid.uuid4()))
    assert seats.calls == 3


async def test_a_joined_transaction_is_not_retried_in_place() -> None:
    seats = FlakySeats(failures=1)
    with pytest.raises(ConcurrentUpdate):
        await service(seats, retryable=False).confirm_seats(str(uuid.uuid4()))
    assert seats.calls == 1
