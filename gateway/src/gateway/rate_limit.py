"""Per-user token buckets for the calls that take seats (holds, bookings), shared by every
gateway process.

A bucket holds up to ``per_minute`` tokens and refills at ``per_minute / 60`` per second, so a
user may burst up to the minute's allowance and then continue at the steady rate. The buckets
live in Redis (:class:`RedisRateLimiter`): a Lua script reads, refills and takes a token
atomically on Redis's own clock, so every gateway worker and replica draws from the same bucket
and a user gets the limit once, whatever the number of gateways. A bucket's key expires once it
would be full again (a full bucket and a missing one are the same).

The checks in flight in one process share one round trip (svckit.batching): a check that finds
no script call running is sent at once (with those asked in the same turn of the event loop),
so an idle gateway adds no latency; the checks that arrive meanwhile go together in the next
call, one key each, which takes their tokens in order (the same bucket twice takes two tokens,
one after the other) and answers each with its own 429 or not.

When Redis does not answer within ``timeout`` (down, restarting, unreachable) the limit fails
*open to the process*: the request is checked against this process's own buckets
(:class:`LocalRateLimiter`, the same arithmetic) and a warning is logged at most every 10 s;
Redis is asked again after ``retry_seconds`` (a call that fails sends every check in it to
those buckets). For that time a user may get up to N times the limit across N gateway
processes — the guard against runaway clients stays, and no booking fails because the
limiter's store did.
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
from svckit.batching import Batcher
from svckit.logging import get_logger

__all__ = [
    "BATCH_SIZE",
    "LocalRateLimiter",
    "RateLimiter",
    "RedisRateLimiter",
    "create_rate_limiter",
]

_MAX_BUCKETS = 100_000
_WARN_EVERY_S = 10.0

log = get_logger(__name__)

# Checks per script call. A call costs this process ~120 µs of CPU plus ~6 µs a key (pure-Python
# redis-py): at 64 keys the fixed part is ~2 µs a check, so bigger calls would save little and
# would hold Redis (one script at a time, for every gateway) longer than the ~0.2 ms of 64 keys.
BATCH_SIZE = 64
# One script call in flight per process: Redis runs scripts one at a time anyway, so a second
# call would mostly wait there while halving the batches (twice the calls' fixed cost). A lone
# check still goes at once; one that arrives meanwhile goes in the next call, as soon as the
# running one is answered.
_IN_FLIGHT = 1
# The batcher's one queue: every bucket lives in the same Redis.
_ONE_REDIS = "redis"

_Check = tuple[str, str]  # (group, user)

# KEYS[i] the bucket of request i; ARGV[1] capacity (tokens), ARGV[2] refill per millisecond.
# Returns, per key in order, {1, 0} when a token was taken, else {0, milliseconds until one is
# there}. The keys are taken one after the other, so a bucket named twice gives two tokens. One
# call touches many users' keys: that needs them in one hash slot on a Redis Cluster (a `{}`
# hash tag in the key); the buckets live in a single Redis, not a cluster.
_TAKE_TOKENS = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local replies = {}
for i, key in ipairs(KEYS) do
  local state = redis.call('HMGET', key, 'tokens', 'at')
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
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', key, math.ceil((capacity - tokens) / rate) + 1000)
  replies[i] = {taken, wait}
end
return replies
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
    process; this process's own buckets while Redis does not answer. The checks in flight share
    one script call (at most ``batch_size`` of them in it)."""

    def __init__(
        self,
        redis: Redis,
        per_minute: int,
        *,
        key_prefix: str = "ratelimit:",
        retry_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        batch_size: int = BATCH_SIZE,
        on_batch: Callable[[int, str], None] | None = None,
    ) -> None:
        """``on_batch(checks, how)`` is told of every script call (svckit.batching)."""
        self.per_minute = per_minute
        self._redis = redis
        self._prefix = key_prefix
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._script = redis.register_script(_TAKE_TOKENS)
        self._args = (per_minute, per_minute / 60_000)
        self._fallback = LocalRateLimiter(per_minute, clock=clock)
        self._redis_down_until = 0.0
        self._warned_at = -math.inf
        self._closed = False
        self._batcher = Batcher[str, _Check](
            self._together,
            self._alone,
            max_size=batch_size,
            in_flight=_IN_FLIGHT,
            on_batch=on_batch,
        )

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    async def check(self, group: str, user_id: str) -> None:
        if self.per_minute <= 0:
            return
        if self._closed or self._clock() < self._redis_down_until:
            self._fallback.take(group, user_id)
            return
        await self._batcher.submit(_ONE_REDIS, (group, user_id))

    async def close(self) -> None:
        """The checks already in a call get their answer, later ones use this process's buckets
        (no new connection to a closed client); then the connections close."""
        self._closed = True
        await self._batcher.close()
        await self._redis.aclose()

    async def _alone(self, check: _Check) -> None:
        (refusal,) = await self._take([check])
        if refusal is not None:
            raise refusal

    async def _together(self, _key: str, checks: list[_Check]) -> list[RateLimited | None]:
        return await self._take(checks)

    async def _take(self, checks: list[_Check]) -> list[RateLimited | None]:
        """One token per check, in order, in one script call: ``None`` where one was taken, the
        429 to raise where not. While Redis does not answer, this process's buckets decide."""
        if self._clock() >= self._redis_down_until:
            prefix = self._prefix
            try:
                replies = await self._script(
                    keys=[f"{prefix}{group}:{user_id}" for group, user_id in checks],
                    args=self._args,
                )
            except (RedisError, OSError) as exc:
                self._redis_unavailable(exc)
            else:
                return [
                    None
                    if taken
                    else RateLimited(group, self.per_minute, max(1, math.ceil(int(wait) / 1000)))
                    for (group, _user), (taken, wait) in zip(checks, replies, strict=True)
                ]
        return [self._take_here(group, user_id) for group, user_id in checks]

    def _take_here(self, group: str, user_id: str) -> RateLimited | None:
        try:
            self._fallback.take(group, user_id)
        except RateLimited as refusal:
            return refusal
        return None

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
    per_minute: int,
    redis_url: str,
    *,
    key_prefix: str,
    timeout: float = 0.25,
    on_batch: Callable[[int, str], None] | None = None,
) -> RateLimiter:
    """Redis-backed unless ``redis_url`` is ``none``: then this process's own buckets. ``timeout``
    bounds each Redis round trip, so a hung Redis delays the checks of one call, and those
    queued behind it, at most twice that (one immediate retry, for a pooled connection Redis
    closed when it restarted) per ``retry_seconds``; redis-py's default of 10 retries with
    backoff would stall requests.
    ``on_batch`` is told of every script call (:class:`RedisRateLimiter`)."""
    if redis_url in ("", "none") or per_minute <= 0:
        return LocalRateLimiter(per_minute)
    redis = Redis.from_url(
        redis_url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1),
    )
    return RedisRateLimiter(redis, per_minute, key_prefix=key_prefix, on_batch=on_batch)
