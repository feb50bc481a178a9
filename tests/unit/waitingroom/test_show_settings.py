"""A show's waiting room as catalog says: read once for everyone asking at the same moment,
reused for a short while, and no room when the show has none."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from svckit.proto_values import to_timestamp
from ticketing.catalog.v1 import catalog_pb2
from waitingroom.adapters.catalog_client import GrpcShowSettings, room_from_show
from waitingroom.domain.model import RoomSettings

pytestmark = pytest.mark.unit

SHOW = "6f0f7c4e-0000-4000-8000-000000000001"
ON_SALE = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)


class Catalog:
    """GetShow as catalog would answer, counting the questions (and a channel for the stub)."""

    def __init__(self, show: catalog_pb2.Show) -> None:
        self.show = show
        self.calls = 0

    async def __call__(self, request: Any, **options: Any) -> catalog_pb2.Show:
        self.calls += 1
        await asyncio.sleep(0.01)
        return self.show

    def unary_unary(self, path: str, **options: Any) -> Catalog:
        return self


def guarded_show() -> catalog_pb2.Show:
    return catalog_pb2.Show(
        id=SHOW,
        on_sale_at=to_timestamp(ON_SALE),
        waiting_room=catalog_pb2.WaitingRoom(admit_per_minute=90, max_active=30),
    )


async def test_everyone_asking_at_once_shares_one_read_and_it_is_reused() -> None:
    now = [0.0]
    catalog = Catalog(guarded_show())
    settings = GrpcShowSettings(
        catalog,  # type: ignore[arg-type]
        deadline_seconds=1,
        ttl_seconds=5,
        monotonic=lambda: now[0],
    )
    rooms = await asyncio.gather(*(settings.room_of(SHOW) for _ in range(100)))
    assert set(rooms) == {RoomSettings(SHOW, ON_SALE, 90, 30)}
    await settings.room_of(SHOW)
    assert catalog.calls == 1
    now[0] = 6.0
    await settings.room_of(SHOW)
    assert catalog.calls == 2, "read again once the cache period is over"


def test_a_show_without_a_waiting_room_has_no_room() -> None:
    assert room_from_show(catalog_pb2.Show(id=SHOW)) is None
    assert room_from_show(catalog_pb2.Show(id=SHOW, on_sale_at=to_timestamp(ON_SALE))) is None
