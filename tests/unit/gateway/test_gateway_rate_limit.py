"""Per-user token buckets on holds and bookings."""

from __future__ import annotations

import pytest

from gateway.errors import ApiError
from gateway.rate_limit import LocalRateLimiter

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limited(limiter: LocalRateLimiter, group: str = "holds", user: str = "u1") -> ApiError:
    with pytest.raises(ApiError) as raised:
        limiter.take(group, user)
    return raised.value


def test_a_user_may_burst_up_to_the_minutes_allowance_then_gets_429() -> None:
    limiter = LocalRateLimiter(3, clock=Clock())
    for _ in range(3):
        limiter.take("holds", "u1")

    error = limited(limiter)

    assert (error.status, error.code) == (429, "RATE_LIMITED")
    assert error.headers == {"Retry-After": "20"}


def test_tokens_come_back_at_the_steady_rate() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(60, clock=clock)
    for _ in range(60):
        limiter.take("holds", "u1")
    limited(limiter)

    clock.now += 1.0
    limiter.take("holds", "u1")
    assert limited(limiter).headers["Retry-After"] == "1"


def test_users_and_groups_have_their_own_buckets() -> None:
    limiter = LocalRateLimiter(1, clock=Clock())
    limiter.take("holds", "u1")

    limiter.take("holds", "u2")
    limiter.take("bookings", "u1")
    limited(limiter, "holds", "u1")


def test_zero_disables_the_limit() -> None:
    limiter = LocalRateLimiter(0, clock=Clock())

    for _ in range(10_000):
        limiter.take("holds", "u1")
    assert not limiter.enabled
