"""A show's waiting-room settings, asked of catalog over gRPC and remembered briefly.

Why ask rather than listen for an event: the settings are catalog's, change rarely, and are
needed only by rooms someone touches; a GetShow on first touch (then at most once per cache
period per show and process) costs less than an outbox, a relay and a consumer in catalog, and a
changed rate or cap reaches the room within ``ttl_seconds``. The room also keeps the settings it
last read in its own table, so admission (a job) never waits on catalog.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import grpc

from svckit.errors import UpstreamErrors
from svckit.proto_values import timestamp_field
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from waitingroom.domain.errors import CatalogUnavailable, ShowNotFound
from waitingroom.domain.model import RoomSettings

CATALOG_ERRORS = UpstreamErrors(
    "catalog",
    {grpc.StatusCode.NOT_FOUND: lambda call: ShowNotFound(call.request.show_id)},
    otherwise=lambda call: CatalogUnavailable(
        f"the show's settings could not be read from catalog: {call.code.name}"
    ),
)


def room_from_show(show: catalog_pb2.Show) -> RoomSettings | None:
    on_sale_at = timestamp_field(show, "on_sale_at")
    if not show.HasField("waiting_room") or on_sale_at is None:
        return None
    return RoomSettings(
        show_id=show.id,
        on_sale_at=on_sale_at,
        admit_per_minute=show.waiting_room.admit_per_minute,
        max_active=show.waiting_room.max_active,
    )


class GrpcShowSettings:
    def __init__(
        self,
        channel: grpc.aio.Channel,
        *,
        deadline_seconds: float,
        ttl_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        self._deadline = deadline_seconds
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, RoomSettings | None]] = {}
        self._pending: dict[str, asyncio.Future[RoomSettings | None]] = {}

    async def room_of(self, show_id: str) -> RoomSettings | None:
        cached = self._cache.get(show_id)
        if cached is not None and self._monotonic() < cached[0]:
            return cached[1]
        # Everyone asking about a show at the same moment (an on-sale opening) shares one read.
        pending = self._pending.get(show_id)
        if pending is None:
            pending = self._pending[show_id] = asyncio.ensure_future(self._read(show_id))
            pending.add_done_callback(lambda _: self._pending.pop(show_id, None))
        return await asyncio.shield(pending)

    async def _read(self, show_id: str) -> RoomSettings | None:
        request = catalog_pb2.GetShowRequest(show_id=show_id)
        with CATALOG_ERRORS.translated(request):
            show = await self._stub.GetShow(request, timeout=self._deadline)
        room = room_from_show(show)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[show_id] = (self._monotonic() + self._ttl, room)
        return room
