"""Per-user token buckets for the calls that take seats (holds, bookings), shared by every
gateway process.

A bucket holds up to ``per_minute`` tokens and refills at ``per_minute / 60`` per second, so a
user may burst up to the minute's allowance and then continue at the steady rate. The buckets
live in Redis (:class:`RedisRateLimiter`): one Lua script per request reads, refills and takes
a token atomically on Redis's own clock, so every gateway worker and replica draws from the
same bucket and a user gets the limit once, whatever the number of gateways. A bucket's key
expires once it would be full again (a full bucket and a missing one are the same).

When Redis does not answer within ``timeout`` (down, restarting, unreachable) the limit fails
*open to the process*: the request is checked against this process's own buckets
(:class:`LocalRateLimiter`, the same arithmetic) and a warning is logged at most every 10 s;
Redis is asked again after ``retry_seconds``. For that time a user may get up to N times the
limit across N gateway processes — the guard against runaway clients stays, and no booking
fails because the limiter's store did.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from gateway.errors import RateLimited
from svckit.logging import get_logger

__all__ = ["LocalRateLimiter", "RateLimiter", "RedisRateLimiter", "create_rate_limiter"]

_MAX_BUCKETS = 100_000
_WARN_EVERY_S = 10.0

log = get_logger(__name__)

# KEYS[1] bucket; ARGV[1] capacity (tokens), ARGV[2] refill per millisecond.
# Returns {1, 0} when a token was taken, else {0, milliseconds until one is there}.
_TAKE_TOKEN = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local taken, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return {taken, wait}
"""


class RateLimiter(Protocol):
    """``await check(group, user)`` takes one token or raises :class:`RateLimited` (429)."""

    per_minute: int

    async def check(self, group: str, user_id: str) -> None: ...

    async def close(self) -> None: ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class LocalRateLimiter:
    """Buckets in this process only: the fallback while Redis is away, and tests' limiter."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    async def check(self, group: str, user_id: str) -> None:
        self.take(group, user_id)

    def take(self, group: str, user_id: str) -> None:
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

    async def close(self) -> None:
        return None

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: they behave exactly like new ones."""
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self._rate >= self.per_minute
        ]
        for key in full:
            del self._buckets[key]


class RedisRateLimiter:
    """Buckets in Redis under ``key_prefix`` (``<prefix><group>:<user>``), shared by every
    process; this process's own buckets while Redis does not answer."""

    def __init__(
        self,
        redis: Redis,
        per_minute: int,
        *,
        key_prefix: str = "ratelimit:",
        retry_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self._redis = redis
        self._prefix = key_prefix
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._script = redis.register_script(_TAKE_TOKEN)
        self._fallback = LocalRateLimiter(per_minute, clock=clock)
        self._redis_down_until = 0.0
        self._warned_at = -math.inf

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    async def check(self, group: str, user_id: str) -> None:
        if self.per_minute <= 0:
            return
        if self._clock() < self._redis_down_until:
            self._fallback.take(group, user_id)
            return
        try:
            taken, wait_ms = await self._script(
                keys=[f"{self._prefix}{group}:{user_id}"],
                args=[self.per_minute, self.per_minute / 60_000],
            )
        except (RedisError, OSError) as exc:
            self._redis_unavailable(exc)
            self._fallback.take(group, user_id)
            return
        if not taken:
            raise RateLimited(group, self.per_minute, max(1, math.ceil(int(wait_ms) / 1000)))

    async def close(self) -> None:
        await self._redis.aclose()

    def _redis_unavailable(self, exc: BaseException) -> None:
        now = self._clock()
        self._redis_down_until = now + self._retry_seconds
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            log.warning(
                "rate_limit.redis_unavailable",
                error=repr(exc),
                fallback="per-process buckets",
                retry_in=self._retry_seconds,
            )


def create_rate_limiter(
    per_minute: int, redis_url: str, *, key_prefix: str, timeout: float = 0.25
) -> RateLimiter:
    """Redis-backed unless ``redis_url`` is ``none``: then this process's own buckets. ``timeout``
    bounds each Redis round trip, so a hung Redis costs one request at most twice that (one
    immediate retry, for a pooled connection Redis closed when it restarted) per
    ``retry_seconds``; redis-py's default of 10 retries with backoff would stall requests."""
    if redis_url in ("", "none") or per_minute <= 0:
        return LocalRateLimiter(per_minute)
    redis = Redis.from_url(
        redis_url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1),
    )
    return RedisRateLimiter(redis, per_minute, key_prefix=key_prefix)
