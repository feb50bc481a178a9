"""Wall-clock time in UTC: the one port shape every service layer asks for, and its two clocks.

Use cases never call ``datetime.now``: they take a ``Clock`` so tests can stand still or jump
ahead (``FakeClock``) while processes read the system clock (``SystemClock``). Durations
measured inside one process (timeouts, the one-second memory of hot seats) use monotonic time
instead, which this is not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that moves only when told to: ``set`` it, or ``advance`` it by a duration."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = _utc(now) if now is not None else datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = _utc(now)

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**units)`` (``advance(minutes=5)``)."""
        self._now += (delta or timedelta()) + timedelta(**units)
        return self._now


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"a clock tells aware time; got the naive {moment.isoformat()}")
    return moment.astimezone(UTC)
