"""HoldSeatsBatch: several holds in one call, each answered as HoldSeats would.

Against the real inventory: the items of one show go in one transaction (the batch counter
says so), each refused item carries the status its own HoldSeats call gets, and the rows stored
agree with what each item was told.
"""

from __future__ import annotations

import grpc
import pytest
from google.rpc import status_pb2
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.errors import error_info_from_rpc_error, rpc_error_of
from svckit.metrics import WRITE_BATCHES
from tests.integration.inventory.helpers import OpenedShow, ShowFactory, new_id
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub
Request = inventory_pb2.HoldSeatsRequest
SEATS_UNAVAILABLE = inventory_pb2.ErrorReason.Name(inventory_pb2.SEATS_UNAVAILABLE)
Described = tuple[grpc.StatusCode, str, str, dict[str, str]]


def item(show: OpenedShow, seat_ids: list[str], *, user_id: str | None = None) -> Request:
    return Request(show_id=show.show_id, user_id=user_id or new_id(), seat_ids=seat_ids)


def batches_together() -> float:
    return float(WRITE_BATCHES.labels("seats", "together")._value.get())


def described(status: status_pb2.Status) -> Described:
    """(code, message, ErrorInfo reason, metadata) of a failed item."""
    error = rpc_error_of(status)
    info = error_info_from_rpc_error(error)
    assert info is not None, f"no ErrorInfo on {error.code()}: {error.details()}"
    return error.code(), error.details() or "", info.reason, dict(info.metadata)


async def alone(inventory: Stub, request: Request) -> Described:
    """What the same request gets from HoldSeats on its own."""
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await inventory.HoldSeats(request, timeout=30)
    info = error_info_from_rpc_error(failed.value)
    assert info is not None
    return failed.value.code(), failed.value.details() or "", info.reason, dict(info.metadata)


async def hold_rows(db: AsyncEngine, show_id: str) -> dict[str, tuple[str, str | None]]:
    """seat id → (status, holding user) as stored."""
    async with db.connect() as conn:
        rows = await conn.execute(
            text("SELECT id, status, hold_user_id FROM inventory.show_seats WHERE show_id = :s"),
            {"s": show_id},
        )
        return {
            str(row.id): (row.status, None if row.hold_user_id is None else str(row.hold_user_id))
            for row in rows
        }


async def test_each_item_of_a_batch_gets_its_own_answer_and_the_good_ones_all_hold(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open(rows=2, per_row=5)
    contested, free, pair_a, pair_b, *_ = show.seat_ids
    contenders = [item(show, [contested]), item(show, [contested])]
    good = [item(show, [free]), item(show, [pair_a, pair_b])]
    unknown_seat = item(show, [new_id()])
    invalid = item(show, [show.seat_ids[-1]], user_id="not-a-user-id")
    batch = [contenders[0], unknown_seat, *good, invalid, contenders[1]]
    before = batches_together()

    reply = await inventory.HoldSeatsBatch(
        inventory_pb2.HoldSeatsBatchRequest(holds=batch), timeout=30
    )

    assert len(reply.results) == len(batch)
    results = dict(zip((request.user_id for request in batch), reply.results, strict=True))
    winners = [request for request in contenders if results[request.user_id].HasField("held")]
    assert len(winners) == 1
    (winner,) = winners
    (loser,) = [request for request in contenders if request is not winner]
    code, message, reason, metadata = described(results[loser.user_id].failed)
    assert (code, reason) == (grpc.StatusCode.ALREADY_EXISTS, SEATS_UNAVAILABLE)
    assert metadata["seat_ids"] == contested
    # Exactly what the loser's own HoldSeats call is told.
    assert (code, message, reason, metadata) == await alone(inventory, loser)
    assert described(results[unknown_seat.user_id].failed)[0] is grpc.StatusCode.NOT_FOUND
    assert described(results[unknown_seat.user_id].failed) == await alone(inventory, unknown_seat)
    invalid_status = described(results[invalid.user_id].failed)
    assert invalid_status[0] is grpc.StatusCode.INVALID_ARGUMENT
    assert invalid_status[3]["field"] == "user_id"
    for request in [winner, *good]:
        held = results[request.user_id].held
        assert sorted(hold.seat_id for hold in held.holds) == sorted(request.seat_ids)
        assert held.expires_in_seconds > 0
    # The items of the show ran in one transaction.
    assert batches_together() > before

    rows = await hold_rows(db, show.show_id)
    held_ids = set()
    for request in [winner, *good]:
        for seat_id in request.seat_ids:
            assert rows[seat_id] == ("HELD", request.user_id)
            held_ids.add(seat_id)
    assert all(
        status == "AVAILABLE" and holder is None
        for seat_id, (status, holder) in rows.items()
        if seat_id not in held_ids
    )


async def test_a_batch_sent_again_holds_the_same_seats_for_the_same_users(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open(rows=1, per_row=4)
    batch = [item(show, [seat_id]) for seat_id in show.seat_ids[:3]]
    request = inventory_pb2.HoldSeatsBatchRequest(holds=batch)

    await inventory.HoldSeatsBatch(request, timeout=30)
    rows_after_first = await hold_rows(db, show.show_id)
    again = await inventory.HoldSeatsBatch(request, timeout=30)

    assert [result.WhichOneof("result") for result in again.results] == ["held"] * 3
    assert await hold_rows(db, show.show_id) == rows_after_first


async def test_a_batch_over_the_bound_is_refused_whole_and_holds_nothing(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open(rows=1, per_row=5)
    batch = [item(show, [show.seat_ids[n % 5]]) for n in range(65)]

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await inventory.HoldSeatsBatch(inventory_pb2.HoldSeatsBatchRequest(holds=batch), timeout=30)

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert {status for status, _ in (await hold_rows(db, show.show_id)).values()} == {"AVAILABLE"}
