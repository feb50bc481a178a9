"""Seat-map reads shared by concurrent viewers: fewer queries, never an answer older than the
call that gets it."""

from __future__ import annotations

import asyncio

import pytest

from inventory.service_layer.shared_reads import SharedReads

pytestmark = pytest.mark.unit


class Database:
    """Counts reads; each read returns the version current when it started."""

    def __init__(self) -> None:
        self.version = 0
        self.reads = 0
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def read(self, key: str) -> int:
        self.reads += 1
        self.started.set()
        seen = self.version
        await self.release.wait()
        return seen


async def test_a_call_during_a_read_waits_for_the_next_one_and_shares_it() -> None:
    db = Database()
    shared = SharedReads(db.read)
    first = asyncio.ensure_future(shared.get("show"))
    await db.started.wait()
    db.version = 1  # a hold commits while the first read runs
    later = [asyncio.ensure_future(shared.get("show")) for _ in range(5)]
    await asyncio.sleep(0)
    assert db.reads == 1
    db.release.set()
    assert await first == 0
    assert await asyncio.gather(*later) == [1] * 5  # they see the hold
    assert db.reads == 2


async def test_other_keys_are_read_on_their_own() -> None:
    db = Database()
    db.release.set()
    shared = SharedReads(db.read)
    assert await asyncio.gather(shared.get("a"), shared.get("b")) == [0, 0]
    assert db.reads == 2


async def test_a_failed_read_fails_its_callers_and_the_next_read_runs() -> None:
    calls = 0

    async def flaky(key: str) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database restarted")
        return "ok"

    shared = SharedReads(flaky)
    with pytest.raises(ConnectionError):
        await shared.get("show")
    assert await shared.get("show") == "ok"
