"""An in-process cache of catalog shows in front of the CatalogClient port.

Shows are immutable once bookable, so a bookable show's snapshot can be reused for every booking
of that show without asking the catalog again; that keeps one gRPC round trip off the hot path.
Shows that are not bookable yet are never cached (they become bookable), neither are errors.
Concurrent misses for one show share a single catalog call.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from booking.service_layer.ports import CatalogClient, CatalogShow, Clock


class CachedCatalog:
    def __init__(
        self, catalog: CatalogClient, clock: Clock, *, max_entries: int, ttl_seconds: float
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self._max_entries = max_entries
        self._ttl = ttl_seconds
        self._entries: OrderedDict[str, tuple[float, CatalogShow]] = OrderedDict()
        self._in_flight: dict[str, asyncio.Future[CatalogShow]] = {}

    async def get_show(self, show_id: str) -> CatalogShow:
        cached = self._lookup(show_id)
        if cached is not None:
            return cached
        fetch = self._in_flight.get(show_id)
        if fetch is None:
            fetch = asyncio.ensure_future(self._fetch(show_id))
            self._in_flight[show_id] = fetch
            fetch.add_done_callback(lambda done: self._fetched(show_id, done))
        # A caller that gives up (deadline, cancel) must not cancel the fetch others wait on.
        return await asyncio.shield(fetch)

    async def _fetch(self, show_id: str) -> CatalogShow:
        show = await self._catalog.get_show(show_id)
        if show.bookable:
            self._store(show_id, show)
        return show

    def _fetched(self, show_id: str, done: asyncio.Future[CatalogShow]) -> None:
        self._in_flight.pop(show_id, None)
        if not done.cancelled():
            done.exception()  # retrieved here so an unawaited failure is not logged as lost

    def _lookup(self, show_id: str) -> CatalogShow | None:
        entry = self._entries.get(show_id)
        if entry is None:
            return None
        stored_at, show = entry
        if self._clock.now().timestamp() - stored_at > self._ttl:
            del self._entries[show_id]
            return None
        self._entries.move_to_end(show_id)
        return show

    def _store(self, show_id: str, show: CatalogShow) -> None:
        if self._max_entries <= 0:
            return
        self._entries[show_id] = (self._clock.now().timestamp(), show)
        self._entries.move_to_end(show_id)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
