"""The clock port: the system clock tells UTC, the fake one moves only when told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from svckit.clock import Clock, FakeClock, SystemClock

pytestmark = pytest.mark.unit

NOON = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def test_the_system_clock_tells_aware_utc_time() -> None:
    clock: Clock = SystemClock()
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_the_fake_clock_stands_still_until_advanced_or_set() -> None:
    clock = FakeClock(NOON)
    assert clock.now() == clock.now() == NOON
    clock.advance(timedelta(minutes=15))
    assert clock.now() == NOON + timedelta(minutes=15)
    assert clock.advance(seconds=30) == NOON + timedelta(minutes=15, seconds=30)
    clock.set(NOON)
    assert clock.now() == NOON


def test_the_fake_clock_keeps_utc_and_refuses_naive_time() -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    clock = FakeClock(datetime(2030, 1, 1, 17, 30, tzinfo=ist))
    assert clock.now() == NOON
    assert clock.now().tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2030, 1, 1, 12, 0))
