"""Holds and reservations of one show that arrive together, applied in one transaction.

The batch is made for real: a test transaction holds a row lock on one seat, so the show's
transactions in flight (two per process) wait on it and every request sent meanwhile queues.
When the lock goes, the queued requests run as one batch; the database says what each got.
"""

from __future__ import annotations

import asyncio

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.bootstrap import App
from svckit.metrics import WRITE_BATCHES
from tests.integration.inventory.helpers import (
    OpenedShow,
    ShowFactory,
    new_id,
    reason_of,
    sales_of,
    seat_rows,
)
from tests.support.wait import eventually
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub


def batches_together() -> float:
    return float(WRITE_BATCHES.labels("seats", "together")._value.get())


async def answer(call: object) -> str:
    """OK, or the refusal's reason."""
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return reason_of(error)[0]
    return "OK"


def reserve(stub: Stub, show: OpenedShow, seat_ids: list[str], booking_id: str) -> object:
    return stub.ReserveSeats(
        inventory_pb2.ReserveSeatsRequest(
            booking_id=booking_id, user_id=new_id(), show_id=show.show_id, seat_ids=seat_ids
        ),
        timeout=60,
    )


def hold(stub: Stub, show: OpenedShow, seat_ids: list[str], user_id: str) -> object:
    return stub.HoldSeats(
        inventory_pb2.HoldSeatsRequest(show_id=show.show_id, user_id=user_id, seat_ids=seat_ids),
        timeout=60,
    )


async def waiting_on_locks(db: AsyncEngine) -> int:
    async with db.connect() as conn:
        return int(
            (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE application_name = 'inventory' AND wait_event_type = 'Lock'"
                    )
                )
            ).scalar_one()
        )


async def test_requests_queued_behind_busy_transactions_run_as_one_batch_each_with_its_answer(
    inventory: Stub, inventory_app: App, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open(rows=2, per_row=5)
    blocked, contested, *free = show.seat_ids
    async with db.connect() as locker:
        await locker.execute(
            text("SELECT 1 FROM inventory.show_seats WHERE show_id = :s AND id = :id FOR UPDATE"),
            {"s": show.show_id, "id": blocked},
        )
        # Both transactions of the show a process runs at once wait on the locked seat...
        first_blockers = [new_id(), new_id()]
        blockers = [
            asyncio.ensure_future(answer(reserve(inventory, show, [blocked], booking)))
            for booking in first_blockers
        ]

        async def both_waiting() -> bool:
            return await waiting_on_locks(db) == 2

        await eventually(both_waiting, message="two transactions waiting on the locked seat")
        # ... so everything sent now queues for the next batch.
        before = batches_together()
        contenders = [new_id() for _ in range(5)]
        holders = [new_id() for _ in range(3)]
        late_for_blocked = new_id()
        crowd = [
            *(answer(reserve(inventory, show, [contested], booking)) for booking in contenders),
            *(
                answer(hold(inventory, show, [seat], user))
                for seat, user in zip(free, holders, strict=False)
            ),
            answer(reserve(inventory, show, [blocked], late_for_blocked)),
        ]
        sent = [asyncio.ensure_future(call) for call in crowd]

        async def all_queued() -> bool:
            return inventory_app.seats.queued(show.show_id) == len(sent)

        await eventually(all_queued, message="the crowd queued for the next batch")
        await locker.rollback()

    blocker_answers = await asyncio.gather(*blockers)
    answers = await asyncio.gather(*sent)

    assert batches_together() > before
    assert sorted(blocker_answers) == ["OK", "SEATS_UNAVAILABLE"]
    contested_answers = answers[: len(contenders)]
    assert contested_answers.count("OK") == 1
    assert contested_answers.count("SEATS_UNAVAILABLE") == len(contenders) - 1
    assert answers[len(contenders) : len(contenders) + len(holders)] == ["OK"] * len(holders)
    assert answers[-1] == "SEATS_UNAVAILABLE"

    rows = await seat_rows(db, show.show_id)
    winner = contenders[contested_answers.index("OK")]
    assert rows[contested] == ("RESERVED", winner)
    assert await sales_of(db, contested) == [winner]
    blocker = first_blockers[blocker_answers.index("OK")]
    assert rows[blocked] == ("RESERVED", blocker)
    assert await sales_of(db, blocked) == [blocker]
    async with db.connect() as conn:
        held: dict[str, str] = dict(
            (
                await conn.execute(
                    text(
                        "SELECT id::text, hold_user_id::text FROM inventory.show_seats"
                        " WHERE show_id = :s AND status = 'HELD'"
                    ),
                    {"s": show.show_id},
                )
            ).all()
        )
    assert held == dict(zip(free, holders, strict=False))
    untouched = free[len(holders) :]
    assert all(rows[seat] == ("AVAILABLE", None) for seat in untouched)
