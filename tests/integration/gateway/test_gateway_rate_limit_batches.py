"""The rate-limit checks in flight share one script call against real Redis, and each check
still gets exactly the answer its own call would have given: the tokens of a bucket are taken
one after the other, a 429 goes to the request it belongs to, and a Redis that does not answer
sends the whole batch to this process's buckets."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from gateway.errors import RateLimited
from gateway.rate_limit import BATCH_SIZE, RedisRateLimiter
from tests.support.system import free_port

pytestmark = pytest.mark.integration

# The single-key script of the gateways before checks were batched: during a rolling upgrade
# both kinds draw from the same buckets.
SINGLE_KEY_SCRIPT = """
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


class Limiters:
    """Limiters on real Redis under a prefix of their own; counts every script call sent."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.redis = Redis.from_url(redis_url, decode_responses=True)
        self.script_calls = 0
        self.batches: list[tuple[int, str]] = []
        self._opened: list[RedisRateLimiter] = []

    def new(self, per_minute: int, *, redis_url: str | None = None) -> RedisRateLimiter:
        client: Redis = Redis.from_url(
            redis_url or self.redis_url, socket_timeout=1, socket_connect_timeout=1
        )
        sent = client.evalsha

        def counted(*args: Any, **kwargs: Any) -> Awaitable[Any]:
            self.script_calls += 1
            return sent(*args, **kwargs)  # type: ignore[no-any-return]

        client.evalsha = counted  # type: ignore[method-assign]
        limiter = RedisRateLimiter(
            client,
            per_minute,
            key_prefix=self.prefix,
            on_batch=lambda size, how: self.batches.append((size, how)),
        )
        self._opened.append(limiter)
        return limiter

    async def bucket(self, group: str, user: str) -> dict[str, str]:
        state = await self.redis.hgetall(f"{self.prefix}{group}:{user}")
        return {str(field): str(value) for field, value in state.items()}

    async def keys(self) -> list[str]:
        return [key async for key in self.redis.scan_iter(match=f"{self.prefix}*", count=1000)]

    async def close(self) -> None:
        for limiter in self._opened:
            await limiter.close()
        keys = await self.keys()
        if keys:
            await self.redis.delete(*keys)
        await self.redis.aclose()


@pytest_asyncio.fixture
async def limiters(redis_url: str, rate_limit_prefix: str) -> AsyncIterator[Limiters]:
    made = Limiters(redis_url, f"{rate_limit_prefix}{uuid.uuid4().hex[:8]}:")
    yield made
    await made.close()


async def outcomes(checks: list[Awaitable[None]]) -> list[BaseException | None]:
    return list(await asyncio.gather(*checks, return_exceptions=True))


def user() -> str:
    return str(uuid.uuid4())


async def test_a_hundred_concurrent_checks_of_one_user_take_exactly_the_minutes_tokens(
    limiters: Limiters,
) -> None:
    limiter = limiters.new(10)
    me = user()

    results = await outcomes([limiter.check("holds", me) for _ in range(100)])

    assert Counter(type(result) for result in results) == {type(None): 10, RateLimited: 90}
    assert all(
        result.status == 429 and int(result.headers["Retry-After"]) >= 1
        for result in results
        if isinstance(result, RateLimited)
    )
    bucket = await limiters.bucket("holds", me)
    assert float(bucket["tokens"]) < 1
    assert await limiters.redis.pttl(f"{limiters.prefix}holds:{me}") > 0
    assert {how for _, how in limiters.batches} <= {"alone", "together"}  # none split


async def test_the_checks_in_flight_share_a_few_script_calls(limiters: Limiters) -> None:
    limiter = limiters.new(1000)
    me = user()

    await outcomes([limiter.check("holds", me) for _ in range(100)])

    # Asked together, they go in ceil(100 / 64) calls instead of a hundred.
    assert limiters.script_calls == 2
    assert limiters.batches == [(BATCH_SIZE, "together"), (100 - BATCH_SIZE, "together")]
    bucket = await limiters.bucket("holds", me)
    assert 899 <= float(bucket["tokens"]) < 901  # a hundred tokens taken (plus refill)


async def test_a_lone_check_goes_at_once_and_those_meanwhile_go_in_the_next_call(
    limiters: Limiters,
) -> None:
    limiter = limiters.new(1000)
    me = user()
    await limiter.check("holds", me)
    assert limiters.batches == [(1, "alone")]

    first = asyncio.ensure_future(limiter.check("holds", me))
    await asyncio.sleep(0)  # it asked
    await asyncio.sleep(0)  # its call went out alone and waits for Redis
    meanwhile = await outcomes([limiter.check("holds", me) for _ in range(20)])

    await first
    assert meanwhile == [None] * 20
    assert limiters.batches == [(1, "alone"), (1, "alone"), (20, "together")]
    assert limiters.script_calls == 3


async def test_many_users_in_one_batch_each_draw_from_their_own_bucket(
    limiters: Limiters,
) -> None:
    limiter = limiters.new(10)
    users = [user() for _ in range(50)]

    results = await outcomes([limiter.check("bookings", each) for each in users])

    assert results == [None] * 50
    assert sorted(await limiters.keys()) == sorted(f"{limiters.prefix}bookings:{u}" for u in users)
    for each in users:
        assert 9 <= float((await limiters.bucket("bookings", each))["tokens"]) < 9.01
    assert limiters.batches == [(50, "together")]


async def test_only_the_exhausted_users_request_in_a_batch_gets_429(limiters: Limiters) -> None:
    limiter = limiters.new(2)
    exhausted, others = user(), [user() for _ in range(9)]
    for _ in range(2):
        await limiter.check("holds", exhausted)
    limiters.batches.clear()
    askers = [*others[:5], exhausted, *others[5:]]

    results = await outcomes([limiter.check("holds", each) for each in askers])

    refused = [asker for asker, result in zip(askers, results, strict=True) if result is not None]
    assert refused == [exhausted]
    refusal = results[5]
    assert isinstance(refusal, RateLimited) and refusal.headers["Retry-After"] == "30"
    assert limiters.batches == [(10, "together")]  # its 429 came from a batch


async def test_a_bucket_named_twice_in_a_batch_gives_two_tokens_one_after_the_other(
    limiters: Limiters,
) -> None:
    limiter = limiters.new(3)
    first, second = user(), user()
    askers = [second, first, first, second, first, first, second]

    results = await outcomes([limiter.check("holds", each) for each in askers])

    assert [result is None for result in results] == [True, True, True, True, True, False, True]
    assert float((await limiters.bucket("holds", first))["tokens"]) < 1


async def test_old_and_new_gateways_draw_from_the_same_bucket(limiters: Limiters) -> None:
    limiter = limiters.new(6)
    single = limiters.redis.register_script(SINGLE_KEY_SCRIPT)
    me = user()
    key = f"{limiters.prefix}holds:{me}"

    old_taken = [(await single(keys=[key], args=[6, 6 / 60_000]))[0] for _ in range(3)]
    new_results = await outcomes([limiter.check("holds", me) for _ in range(5)])
    taken, wait_ms = await single(keys=[key], args=[6, 6 / 60_000])

    assert old_taken == [1, 1, 1]
    assert [result is None for result in new_results] == [True, True, True, False, False]
    assert (taken, 9_000 <= wait_ms <= 10_000) == (0, True)
    assert set(await limiters.redis.hkeys(key)) == {"tokens", "at"}


async def test_a_caller_that_gives_up_does_not_break_the_batch(limiters: Limiters) -> None:
    limiter = limiters.new(5)
    me = user()
    checks = [asyncio.ensure_future(limiter.check("holds", me)) for _ in range(8)]
    await asyncio.sleep(0)  # all of them asked; the first call is in flight, the rest queued
    checks[3].cancel()

    results = await asyncio.wait_for(asyncio.gather(*checks, return_exceptions=True), timeout=10)

    assert isinstance(results[3], asyncio.CancelledError)
    others = results[:3] + results[4:]
    # The cancelled caller's token was still taken by the batch it was in.
    assert [result is None for result in others] == [True, True, True, True, False, False, False]
    assert all(isinstance(result, RateLimited) for result in others[4:])


async def test_without_redis_every_check_of_a_batch_uses_this_processs_buckets(
    limiters: Limiters,
) -> None:
    limiter = limiters.new(3, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    users = [user() for _ in range(20)]
    me = user()

    first = asyncio.ensure_future(limiter.check("holds", users[0]))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # its call is on its way to the closed port
    behind = await outcomes([limiter.check("holds", each) for each in users[1:]])
    mine = await outcomes([limiter.check("holds", me) for _ in range(10)])

    await first
    assert behind == [None] * 19
    assert Counter(type(result) for result in mine) == {type(None): 3, RateLimited: 7}
    # One call found Redis gone; the checks queued behind it and those after it went straight
    # to the process's buckets.
    assert limiters.script_calls == 1
    assert limiters.batches[:2] == [(1, "alone"), (19, "together")]


async def test_a_check_racing_close_gets_an_answer(limiters: Limiters) -> None:
    limiter = limiters.new(100)
    me = user()
    checks = [asyncio.ensure_future(limiter.check("holds", me)) for _ in range(50)]
    await asyncio.sleep(0)

    await asyncio.wait_for(limiter.close(), timeout=10)
    sent = limiters.script_calls
    late = limiter.check("holds", me)

    results = await asyncio.wait_for(asyncio.gather(*checks, late, return_exceptions=True), 10)
    assert results == [None] * 51
    assert limiters.script_calls == sent  # a check after close opens no new connection
