"""Anonymous seat maps kept per show: answered from memory until a change, a second, or a lost
feed of changes says they may be stale; concurrent misses share one call to inventory."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from gateway.seat_map_cache import SeatMapCache

pytestmark = pytest.mark.unit

SHOW = "show-1"
OTHER_SHOW = "show-2"


@dataclass
class Clock:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Inventory:
    """Answers each call with the next version of the map; can be made to wait or fail."""

    calls: int = 0
    gate: asyncio.Event | None = None
    failure: Exception | None = None
    asked: list[str] = field(default_factory=list)

    def fetch(self, show_id: str = SHOW) -> Callable[[], Awaitable[str]]:
        async def call() -> str:
            self.calls += 1
            version = self.calls
            self.asked.append(show_id)
            if self.gate is not None:
                await self.gate.wait()
            if self.failure is not None:
                raise self.failure
            return f"{show_id} v{version}"

        return call


def started(
    max_shows: int = 8, max_age: float = 1.0, clock: Clock | None = None
) -> SeatMapCache[str]:
    cache: SeatMapCache[str] = SeatMapCache(max_shows, max_age, clock=clock or Clock())
    cache.start()
    return cache


async def test_a_kept_map_is_answered_without_asking_inventory_again() -> None:
    cache, inventory = started(), Inventory()

    first = await cache.get(SHOW, inventory.fetch())
    again = await cache.get(SHOW, inventory.fetch())

    assert first == again == "show-1 v1"
    assert inventory.calls == 1


async def test_a_change_of_the_show_makes_the_next_read_ask_again() -> None:
    cache, inventory = started(), Inventory()
    await cache.get(SHOW, inventory.fetch())
    await cache.get(OTHER_SHOW, inventory.fetch(OTHER_SHOW))

    cache.invalidate(SHOW)

    assert await cache.get(SHOW, inventory.fetch()) == "show-1 v3"
    assert await cache.get(OTHER_SHOW, inventory.fetch(OTHER_SHOW)) == "show-2 v2"
    assert inventory.calls == 3


async def test_a_map_older_than_the_max_age_is_read_again_whatever_happened() -> None:
    clock = Clock()
    cache, inventory = started(max_age=1.0, clock=clock), Inventory()
    await cache.get(SHOW, inventory.fetch())

    clock.now += 0.9
    assert await cache.get(SHOW, inventory.fetch()) == "show-1 v1"
    clock.now += 0.1
    assert await cache.get(SHOW, inventory.fetch()) == "show-1 v2"


async def test_the_max_age_counts_from_when_inventory_was_asked() -> None:
    clock = Clock()
    cache, inventory = started(max_age=1.0, clock=clock), Inventory(gate=asyncio.Event())
    read = asyncio.create_task(cache.get(SHOW, inventory.fetch()))
    await asyncio.sleep(0)
    clock.now += 0.8  # inventory is slow to answer
    assert inventory.gate is not None
    inventory.gate.set()
    await read

    clock.now += 0.2
    inventory.gate = None
    assert await cache.get(SHOW, inventory.fetch()) == "show-1 v2"


async def test_nothing_is_kept_until_the_feed_of_changes_is_listening() -> None:
    cache: SeatMapCache[str] = SeatMapCache(8, 1.0, clock=Clock())
    inventory = Inventory()

    await cache.get(SHOW, inventory.fetch())
    await cache.get(SHOW, inventory.fetch())

    assert inventory.calls == 2 and len(cache) == 0


async def test_losing_the_feed_forgets_every_map_and_reads_through_until_it_is_back() -> None:
    cache, inventory = started(), Inventory()
    await cache.get(SHOW, inventory.fetch())

    cache.stop()
    assert len(cache) == 0
    await cache.get(SHOW, inventory.fetch())
    await cache.get(SHOW, inventory.fetch())
    assert inventory.calls == 3

    cache.start()
    await cache.get(SHOW, inventory.fetch())
    await cache.get(SHOW, inventory.fetch())
    assert inventory.calls == 4


@pytest.mark.parametrize(("max_shows", "max_age"), [(0, 1.0), (8, 0.0)])
async def test_zero_shows_or_zero_seconds_keeps_nothing(max_shows: int, max_age: float) -> None:
    cache, inventory = started(max_shows, max_age), Inventory()

    await cache.get(SHOW, inventory.fetch())
    await cache.get(SHOW, inventory.fetch())

    assert inventory.calls == 2


async def test_concurrent_misses_of_a_show_share_one_call() -> None:
    cache, inventory = started(), Inventory(gate=asyncio.Event())
    reads = [asyncio.create_task(cache.get(SHOW, inventory.fetch())) for _ in range(20)]
    other = asyncio.create_task(cache.get(OTHER_SHOW, inventory.fetch(OTHER_SHOW)))
    await asyncio.sleep(0)
    assert inventory.gate is not None
    inventory.gate.set()

    assert set(await asyncio.gather(*reads)) == {"show-1 v1"}
    assert await other == "show-2 v2"
    assert sorted(inventory.asked) == [SHOW, OTHER_SHOW]


async def test_a_read_after_a_change_does_not_join_a_call_that_started_before_it() -> None:
    cache, inventory = started(), Inventory(gate=asyncio.Event())
    before = asyncio.create_task(cache.get(SHOW, inventory.fetch()))
    await asyncio.sleep(0)

    cache.invalidate(SHOW)  # e.g. a hold committed while inventory was reading
    after = asyncio.create_task(cache.get(SHOW, inventory.fetch()))
    await asyncio.sleep(0)
    assert inventory.gate is not None
    inventory.gate.set()

    assert await before == "show-1 v1"
    assert await after == "show-1 v2"
    inventory.gate = None
    assert await cache.get(SHOW, inventory.fetch()) == "show-1 v2", "the overtaken v1 was kept"
    assert inventory.calls == 2


async def test_a_call_that_a_lost_feed_overtook_is_not_kept() -> None:
    cache, inventory = started(), Inventory(gate=asyncio.Event())
    read = asyncio.create_task(cache.get(SHOW, inventory.fetch()))
    await asyncio.sleep(0)

    cache.stop()
    cache.start()
    assert inventory.gate is not None
    inventory.gate.set()
    await read

    assert len(cache) == 0


async def test_a_failure_reaches_every_waiter_and_is_not_kept() -> None:
    cache = started()
    inventory = Inventory(gate=asyncio.Event(), failure=RuntimeError("inventory is down"))
    reads = [asyncio.create_task(cache.get(SHOW, inventory.fetch())) for _ in range(3)]
    await asyncio.sleep(0)
    assert inventory.gate is not None
    inventory.gate.set()

    outcomes = await asyncio.gather(*reads, return_exceptions=True)
    assert [str(outcome) for outcome in outcomes] == ["inventory is down"] * 3
    inventory.failure, inventory.gate = None, None
    assert await cache.get(SHOW, inventory.fetch()) == "show-1 v2"


async def test_a_waiter_that_gives_up_leaves_the_call_to_the_others() -> None:
    cache, inventory = started(), Inventory(gate=asyncio.Event())
    leaving = asyncio.create_task(cache.get(SHOW, inventory.fetch()))
    staying = asyncio.create_task(cache.get(SHOW, inventory.fetch()))
    await asyncio.sleep(0)

    leaving.cancel()
    assert inventory.gate is not None
    inventory.gate.set()

    assert await staying == "show-1 v1"
    assert leaving.cancelled()
    assert inventory.calls == 1


async def test_the_number_of_shows_kept_is_bounded_longest_kept_first() -> None:
    cache, inventory = started(max_shows=2), Inventory()
    for show in ("a", "b", "c"):
        await cache.get(show, inventory.fetch(show))

    assert len(cache) == 2
    await cache.get("b", inventory.fetch("b"))
    await cache.get("c", inventory.fetch("c"))
    assert inventory.calls == 3
    await cache.get("a", inventory.fetch("a"))
    assert inventory.calls == 4


async def test_invalidating_every_show_forgets_them_all() -> None:
    cache, inventory = started(), Inventory()
    await cache.get(SHOW, inventory.fetch())
    await cache.get(OTHER_SHOW, inventory.fetch(OTHER_SHOW))

    cache.invalidate_all()

    assert len(cache) == 0
    assert cache.enabled
