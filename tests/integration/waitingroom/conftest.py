"""The waiting room's use cases against real PostgreSQL (the real migrations), with catalog's
answer played by a dict of room settings and time by a FakeClock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.clock import FakeClock
from svckit.db import create_engine
from tests.support.services import migrate_schema
from waitingroom.adapters.unit_of_work import SqlUnitOfWork
from waitingroom.domain.model import RoomSettings
from waitingroom.service_layer.ports import UnitOfWork
from waitingroom.service_layer.services import QueueService

ON_SALE = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)
PASS_TTL = timedelta(minutes=10)


class RoomsOfShows:
    """ShowSettings as catalog would answer: the shows given a room here are guarded."""

    def __init__(self) -> None:
        self.rooms: dict[str, RoomSettings] = {}

    async def room_of(self, show_id: str) -> RoomSettings | None:
        return self.rooms.get(show_id)

    def guard(self, *, rate: int = 60, cap: int = 100, on_sale_at: datetime = ON_SALE) -> str:
        show_id = str(uuid.uuid4())
        self.rooms[show_id] = RoomSettings(show_id, on_sale_at, rate, cap)
        return show_id


@pytest.fixture(scope="session")
def waitingroom_schema(database_url: str) -> None:
    migrate_schema(database_url, "waitingroom")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def queue_db(database_url: str, waitingroom_schema: None) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=20, application_name="waitingroom-tests")
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(ON_SALE - timedelta(minutes=30))


@pytest.fixture
def rooms() -> RoomsOfShows:
    return RoomsOfShows()


@pytest.fixture
def queue(queue_db: AsyncEngine, rooms: RoomsOfShows, clock: FakeClock) -> QueueService:
    def unit_of_work(*, read_only: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(queue_db, read_only=read_only)

    return QueueService(unit_of_work, rooms, clock, pass_ttl=PASS_TTL)
