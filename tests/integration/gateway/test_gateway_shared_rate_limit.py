"""The per-user rate limit is one limit across gateway processes (buckets in real Redis), and a
gateway whose Redis is gone keeps limiting with its own buckets instead of failing requests."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.gateway.conftest import JWT_SECRET, StartGateway, auth
from tests.integration.gateway.fakes import SEAT_1, SHOW, Fakes
from tests.support.system import free_port
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

HOLD = {"showId": SHOW, "showSeatIds": [SEAT_1]}
# Six a minute: one token comes back every 10 s, far longer than the burst below takes, so the
# count allowed is exactly the limit.
PER_MINUTE = 6
REQUESTS = 30


@pytest.fixture
def two_gateways(
    database_url: str, gateway_schema: str, upstream: Fakes, redis_url: str, rate_limit_prefix: str
) -> Iterator[list[str]]:
    """Two real gateway processes (``python -m gateway serve``) sharing one Redis prefix."""
    ports = [free_port(), free_port()]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))},
        "DATABASE_URL": database_url,
        "JWT_SECRET": JWT_SECRET,
        "ACCESS_LOG": "false",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_SIZE": "2",
        "RATE_LIMIT_PER_MINUTE": str(PER_MINUTE),
        "REDIS_URL": redis_url,
        "RATE_LIMIT_KEY_PREFIX": f"{rate_limit_prefix}{uuid.uuid4().hex[:6]}:",
        **{name.upper(): address for name, address in upstream.addresses().items()},
    }
    processes = [
        subprocess.Popen([sys.executable, "-m", "gateway", "serve"], env={**env, "PORT": str(port)})
        for port in ports
    ]
    try:
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_two_gateway_processes_together_allow_exactly_the_limit(
    two_gateways: list[str], upstream: Fakes
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:

        async def up(base: str) -> bool:
            try:
                return (await client.get(f"{base}/api/v1/health")).status_code == 200
            except httpx.HTTPError:
                return False

        for base in two_gateways:
            await eventually(lambda base=base: up(base), timeout=60, message=f"{base} up")

        headers = auth(str(uuid.uuid4()))
        replies = await asyncio.gather(
            *(
                client.post(
                    f"{two_gateways[i % 2]}/api/v1/bookings/hold-seats", json=HOLD, headers=headers
                )
                for i in range(REQUESTS)
            )
        )
    codes = Counter(reply.status_code for reply in replies)
    assert codes == {201: PER_MINUTE, 429: REQUESTS - PER_MINUTE}, codes
    by_gateway = Counter(i % 2 for i, reply in enumerate(replies) if reply.status_code == 201)
    assert sum(by_gateway.values()) == PER_MINUTE  # drawn from one bucket, whichever gateway
    # Inventory saw exactly the holds let through, alone or in batches (gateway.holds).
    batched = sum(len(call.request.holds) for call in upstream.inventory.calls_to("HoldSeatsBatch"))
    assert len(upstream.inventory.calls_to("HoldSeats")) + batched == PER_MINUTE
    limited = next(reply for reply in replies if reply.status_code == 429)
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert int(limited.headers["retry-after"]) >= 1


async def test_without_redis_a_gateway_limits_with_its_own_buckets(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    client = await start_gateway(
        rate_limit_per_minute=2, redis_url=f"redis://127.0.0.1:{free_port()}/0"
    )

    holds = [
        await client.post("/api/v1/bookings/hold-seats", json=HOLD, headers=auth())
        for _ in range(3)
    ]

    assert [response.status_code for response in holds] == [201, 201, 429]
