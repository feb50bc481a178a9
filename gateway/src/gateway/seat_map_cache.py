"""The anonymous seat map of each show, kept by each gateway process for at most a second.

Everyone who is not signed in sees the same map of a show, and an on-sale brings thousands of
them to the same few shows at once. Asking inventory for each costs a gRPC round trip and a
database read per viewer; this cache answers them from memory and stays correct because it is
told of every change:

* every committed seat change arrives on the process's LISTEN (``gateway.seat_changes``), whoever
  made it: this gateway, another gateway process, inventory's consumers of booking expiries,
  cancellations and refunds, its hold cleanup. The show's entry is dropped.
* a write this gateway forwards drops the show's entry when its reply arrives, before the client
  sees the reply: a client reads its own write through the same gateway even while the
  notification is still on its way.
* an entry is never older than ``max_age_seconds``. A hold that runs out changes the map without
  any write (inventory counts expired holds as free when it reads), and this bounds how long such
  a seat still shows as held here.
* while the LISTEN connection is down or not listening yet a change could go unseen: nothing is
  kept and every read goes to inventory.

Concurrent misses of a show share one inventory call. A read that arrives after the show was
invalidated never joins a call that started before (that call may have missed the change), and
a call overtaken by an invalidation answers those already waiting for it but is not kept.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["SeatMapCache"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    value: T
    fresh_until: float


class SeatMapCache(Generic[T]):
    def __init__(
        self,
        max_shows: int,
        max_age_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_shows = max_shows
        self._max_age = max_age_seconds
        self._clock = clock
        self._entries: OrderedDict[str, _Entry[T]] = OrderedDict()
        self._fills: dict[str, asyncio.Task[T]] = {}
        self._running: set[asyncio.Task[T]] = set()
        self._told = False

    @property
    def enabled(self) -> bool:
        """Entries are kept: every change is being told, and the settings allow any."""
        return self._told and self._max_shows > 0 and self._max_age > 0

    def __len__(self) -> int:
        return len(self._entries)

    def start(self) -> None:
        """Every change is told from now on (the LISTEN is established)."""
        self._forget()
        self._told = True

    def stop(self) -> None:
        """Changes may go unseen from now on: keep nothing, read through."""
        self._told = False
        self._forget()

    def invalidate(self, show_id: str) -> None:
        self._entries.pop(show_id, None)
        self._fills.pop(show_id, None)

    def invalidate_all(self) -> None:
        self._forget()

    async def get(self, show_id: str, fetch: Callable[[], Awaitable[T]]) -> T:
        """The show's map: kept, or from ``fetch`` (one call for every concurrent miss)."""
        if not self.enabled:
            return await fetch()
        entry = self._entries.get(show_id)
        if entry is not None:
            if entry.fresh_until > self._clock():
                return entry.value
            del self._entries[show_id]
        fill = self._fills.get(show_id)
        if fill is None:
            # The map is no newer than this moment, when it is asked for.
            fresh_until = self._clock() + self._max_age
            fill = asyncio.ensure_future(self._fill(show_id, fetch, fresh_until))
            self._fills[show_id] = fill
            self._running.add(fill)
            fill.add_done_callback(self._done)
        # A waiter that gives up (its client went away) leaves the call to the others.
        return await asyncio.shield(fill)

    async def _fill(self, show_id: str, fetch: Callable[[], Awaitable[T]], fresh_until: float) -> T:
        this = asyncio.current_task()
        try:
            value = await fetch()
        finally:
            # Still the show's call: nothing invalidated the show while it ran.
            current = self._fills.get(show_id) is this
            if current:
                del self._fills[show_id]
        if current:
            self._keep(show_id, _Entry(value, fresh_until))
        return value

    def _keep(self, show_id: str, entry: _Entry[T]) -> None:
        self._entries[show_id] = entry
        self._entries.move_to_end(show_id)
        while len(self._entries) > self._max_shows:
            self._entries.popitem(last=False)  # the longest kept first

    def _done(self, fill: asyncio.Task[T]) -> None:
        self._running.discard(fill)
        # Retrieved here, so a failure whose waiters all gave up is not logged as lost.
        if not fill.cancelled():
            fill.exception()

    def _forget(self) -> None:
        self._entries.clear()
        self._fills.clear()
