"""A show's guard (a waiting room in front of it) as OpenShow stores it: set when the show is
opened, turned on by opening again a show stored without one (opened before inventory stored
guards), never turned off. Runs on both schema variants."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.inventory.helpers import new_id, open_show_request
from ticketing.inventory.v1 import inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub


async def guarded(db: AsyncEngine, show_id: str) -> bool:
    async with db.connect() as conn:
        row = await conn.execute(
            text("SELECT guarded FROM inventory.shows WHERE show_id = :s"), {"s": show_id}
        )
        return bool(row.scalar_one())


async def test_a_show_is_stored_with_its_guard(inventory: Stub, db: AsyncEngine) -> None:
    plain, guarded_show = new_id(), new_id()
    await inventory.OpenShow(open_show_request(plain))
    request = open_show_request(guarded_show)
    request.guarded = True
    await inventory.OpenShow(request)
    assert not await guarded(db, plain)
    assert await guarded(db, guarded_show)


async def test_opening_again_can_guard_a_show_but_never_unguard_it(
    inventory: Stub, db: AsyncEngine
) -> None:
    show_id = new_id()
    request = open_show_request(show_id)
    await inventory.OpenShow(request)  # as a show opened before guards were stored

    request.guarded = True
    again = await inventory.OpenShow(request)
    assert not again.created and again.seat_count == 10
    assert await guarded(db, show_id)

    request.guarded = False
    await inventory.OpenShow(request)
    assert await guarded(db, show_id)
