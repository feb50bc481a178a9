"""Seat changes pushed to seat-map streams: one LISTEN per gateway process, fanned out in memory.

Inventory NOTIFYs every committed seat change on ``inventory_seat_changes`` (its migration 0004:
a trigger in the seat transaction, one notification per show and statement, each with an id from
a sequence). PostgreSQL delivers notifications on commit, in commit order, to every listener
alike, so every gateway process (of every replica) sees the same changes in the same order.

This process holds one connection that LISTENs, keeps the last changes of each show in a ring
buffer, and puts each change on the queue of every subscriber of its show: the cost of a change
is one JSON decode and encode plus one queue put per subscriber. A client that reconnects with
``Last-Event-ID`` gets the changes after that id from the buffer; when the id is no longer (or
not yet) there, or while the listening connection was lost, it is told to reload the map.

The same feed keeps the process's anonymous seat maps (``gateway.seat_map_cache``) honest: each
change drops its show's map, and the cache keeps maps only while this connection is listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import psycopg

from gateway.seat_map_cache import SeatMapCache
from svckit.db import libpq_url
from svckit.logging import get_logger

__all__ = ["CHANNEL", "RELOAD", "SeatChange", "SeatChangeHub", "Subscription"]

log = get_logger(__name__)

CHANNEL = "inventory_seat_changes"
BUFFER_PER_SHOW = 512
MAX_SHOWS = 2048
QUEUE_SIZE = 256
RECONNECT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class SeatChange:
    id: int
    show_id: str
    data: str  # the event's JSON, encoded once for every subscriber


RELOAD = SeatChange(0, "", "")
"""Put on a subscription when its stream can no longer be trusted to be complete."""


@dataclass(eq=False)
class Subscription:
    show_id: str
    queue: asyncio.Queue[SeatChange] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, change: SeatChange) -> None:
        """A subscriber that does not keep up loses its backlog and is told to reload."""
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RELOAD)


def render(payload: dict[str, Any]) -> SeatChange:
    """The notification as the stream's event: the API's camelCase shape."""
    seats = [
        {
            "seatId": seat["id"],
            "row": seat["row"],
            "number": seat["number"],
            "change": seat["change"],
            "status": seat["status"],
            "holdExpiresAt": seat.get("holdExpiresAt"),
        }
        for seat in payload["seats"]
    ]
    show_id = str(payload["show"])
    event = {"id": payload["id"], "showId": show_id, "seats": seats}
    return SeatChange(int(payload["id"]), show_id, json.dumps(event, separators=(",", ":")))


class SeatChangeHub:
    def __init__(
        self,
        database_url: str,
        *,
        buffer_per_show: int = BUFFER_PER_SHOW,
        seat_maps: SeatMapCache[Any] | None = None,
    ) -> None:
        self._conninfo = libpq_url(database_url)
        self._seat_maps = seat_maps if seat_maps is not None else SeatMapCache[Any](0, 0.0)
        self._buffer_per_show = buffer_per_show
        self._buffers: OrderedDict[str, deque[SeatChange]] = OrderedDict()
        self._subscribers: dict[str, set[Subscription]] = {}
        self.listening = asyncio.Event()
        self.delivered = 0

    @property
    def subscriber_count(self) -> int:
        return sum(len(subs) for subs in self._subscribers.values())

    async def run(self) -> None:
        """LISTEN until cancelled, reconnecting after a lost connection."""
        try:
            while True:
                try:
                    conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                except psycopg.Error as exc:
                    log.warning("seat_changes.connect_failed", error=str(exc))
                    await asyncio.sleep(RECONNECT_SECONDS)
                    continue
                try:
                    async with conn:
                        await conn.execute(f"LISTEN {CHANNEL}")
                        self.listening.set()
                        self._seat_maps.start()
                        log.info("seat_changes.listening", channel=CHANNEL)
                        async for notify in conn.notifies():
                            self._received(notify.payload)
                except psycopg.Error as exc:
                    log.warning("seat_changes.connection_lost", error=str(exc))
                self._lost()
                await asyncio.sleep(RECONNECT_SECONDS)
        finally:
            self._seat_maps.stop()  # nobody tells it of changes any more

    def _received(self, payload: str) -> None:
        try:
            change = render(json.loads(payload))
        except (ValueError, KeyError, TypeError) as exc:
            # Not inventory's shape: which show changed cannot be told, so nothing is trusted.
            log.warning("seat_changes.unreadable", error=repr(exc), payload=payload[:200])
            self._seat_maps.invalidate_all()
            self._reload_everyone()
            return
        self.publish(change)

    def _lost(self) -> None:
        """Changes may have been missed: no buffer can be trusted, every stream must reload."""
        self.listening.clear()
        self._seat_maps.stop()
        self._buffers.clear()
        self._reload_everyone()

    def _reload_everyone(self) -> None:
        for subscriptions in self._subscribers.values():
            for subscription in subscriptions:
                subscription.offer(RELOAD)

    def publish(self, change: SeatChange) -> None:
        self._seat_maps.invalidate(change.show_id)
        buffer = self._buffers.get(change.show_id)
        if buffer is None:
            buffer = self._buffers[change.show_id] = deque(maxlen=self._buffer_per_show)
            while len(self._buffers) > MAX_SHOWS:
                self._buffers.popitem(last=False)
        else:
            self._buffers.move_to_end(change.show_id)
        buffer.append(change)
        for subscription in self._subscribers.get(change.show_id, ()):
            subscription.offer(change)
            self.delivered += 1

    def missed(self, show_id: str, last_event_id: int) -> list[SeatChange] | None:
        """The show's changes after ``last_event_id``, or None when they cannot be told."""
        buffer = self._buffers.get(show_id, ())
        for index, change in enumerate(buffer):
            if change.id == last_event_id:
                return list(buffer)[index + 1 :]
        return None

    @contextlib.asynccontextmanager
    async def subscribe(self, show_id: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(show_id)
        self._subscribers.setdefault(show_id, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscribers.get(show_id)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[show_id]
