"""Per-user token buckets for the calls that take seats (holds, bookings).

A bucket holds up to ``per_minute`` tokens and refills at ``per_minute / 60`` per second, so a
user may burst up to the minute's allowance and then continue at the steady rate. The buckets
live in this process: with N gateway replicas (or WEB_CONCURRENCY workers) a user gets up to N
times the limit. That is the intended trade-off for a guard against runaway clients; a shared
limit would need a Redis or PostgreSQL round-trip per request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from gateway.errors import RateLimited

__all__ = ["RateLimiter"]

_MAX_BUCKETS = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``check(group, user)`` takes one token or raises 429 with ``Retry-After``."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def check(self, group: str, user_id: str) -> None:
        if self.per_minute <= 0:
            return
        now = self._clock()
        key = (group, user_id)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_BUCKETS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
        else:
            bucket.tokens = min(
                float(self.per_minute), bucket.tokens + (now - bucket.updated) * self._rate
            )
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return
        retry_after = max(1, math.ceil((1.0 - bucket.tokens) / self._rate))
        raise RateLimited(group, self.per_minute, retry_after)

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: they behave exactly like new ones."""
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self._rate >= self.per_minute
        ]
        for key in full:
            del self._buckets[key]
