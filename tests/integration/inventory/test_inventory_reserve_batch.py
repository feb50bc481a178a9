"""ReserveSeatsBatch: several reservations in one call, each answered as ReserveSeats would.

Against the real inventory: the items of one show go in one transaction (the batch counter
says so), each refused item carries the status its own ReserveSeats call gets, and the rows
stored agree with what each item was told.
"""

from __future__ import annotations

import grpc
import pytest
from google.rpc import status_pb2
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.errors import error_info_from_rpc_error, rpc_error_of
from svckit.metrics import WRITE_BATCHES
from tests.integration.inventory.helpers import OpenedShow, ShowFactory, new_id, sales_of, seat_rows
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub
SEATS_UNAVAILABLE = inventory_pb2.ErrorReason.Name(inventory_pb2.SEATS_UNAVAILABLE)


def item(show: OpenedShow, seat_ids: list[str], *, booking_id: str | None = None) -> Request:
    return inventory_pb2.ReserveSeatsRequest(
        booking_id=booking_id or new_id(),
        user_id=new_id(),
        show_id=show.show_id,
        seat_ids=seat_ids,
    )


Request = inventory_pb2.ReserveSeatsRequest


def batches_together() -> float:
    return float(WRITE_BATCHES.labels("seats", "together")._value.get())


def described(status: status_pb2.Status) -> tuple[grpc.StatusCode, str, str, dict[str, str]]:
    """(code, message, ErrorInfo reason, metadata) of a failed item."""
    error = rpc_error_of(status)
    info = error_info_from_rpc_error(error)
    assert info is not None, f"no ErrorInfo on {error.code()}: {error.details()}"
    return error.code(), error.details() or "", info.reason, dict(info.metadata)


async def alone(
    inventory: Stub, request: Request
) -> tuple[grpc.StatusCode, str, str, dict[str, str]]:
    """What the same request gets from ReserveSeats on its own."""
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await inventory.ReserveSeats(request, timeout=30)
    info = error_info_from_rpc_error(failed.value)
    assert info is not None
    return failed.value.code(), failed.value.details() or "", info.reason, dict(info.metadata)


async def test_each_item_of_a_batch_gets_its_own_answer_and_the_good_ones_all_commit(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open(rows=2, per_row=5)
    contested, first_free, second_pair_a, second_pair_b, *_ = show.seat_ids
    contenders = [item(show, [contested]), item(show, [contested])]
    good = [item(show, [first_free]), item(show, [second_pair_a, second_pair_b])]
    unknown_seat = item(show, [new_id()])
    invalid = item(show, [show.seat_ids[-1]], booking_id="not-a-booking-id")
    batch = [contenders[0], unknown_seat, *good, invalid, contenders[1]]
    before = batches_together()

    reply = await inventory.ReserveSeatsBatch(
        inventory_pb2.ReserveSeatsBatchRequest(reservations=batch), timeout=30
    )

    results = dict(zip((request.booking_id for request in batch), reply.results, strict=True))
    assert len(reply.results) == len(batch)
    winners = [
        request for request in contenders if results[request.booking_id].HasField("reserved")
    ]
    assert len(winners) == 1
    (winner,) = winners
    (loser,) = [request for request in contenders if request is not winner]
    code, message, reason, metadata = described(results[loser.booking_id].failed)
    assert (code, reason) == (grpc.StatusCode.ALREADY_EXISTS, SEATS_UNAVAILABLE)
    assert metadata["booked_seat_ids"] == contested
    assert metadata["seats"] == show.labels[contested]
    # Exactly what the loser's own ReserveSeats call is told.
    assert (code, message, reason, metadata) == await alone(inventory, loser)
    assert described(results[unknown_seat.booking_id].failed)[0] is grpc.StatusCode.NOT_FOUND
    assert described(results[unknown_seat.booking_id].failed) == await alone(
        inventory, unknown_seat
    )
    invalid_status = described(results[invalid.booking_id].failed)
    assert invalid_status[0] is grpc.StatusCode.INVALID_ARGUMENT
    assert invalid_status[3]["field"] == "booking_id"
    for request in [winner, *good]:
        reserved = results[request.booking_id].reserved
        assert reserved.booking_id == request.booking_id
        assert sorted(seat.seat_id for seat in reserved.seats) == sorted(request.seat_ids)
    # The items of the show ran in one transaction.
    assert batches_together() > before

    rows = await seat_rows(db, show.show_id)
    for request in [winner, *good]:
        for seat_id in request.seat_ids:
            assert rows[seat_id] == ("RESERVED", request.booking_id)
            assert await sales_of(db, seat_id) == [request.booking_id]
    reserved_ids = {seat_id for request in [winner, *good] for seat_id in request.seat_ids}
    assert all(
        status == "AVAILABLE"
        for seat_id, (status, _) in rows.items()
        if seat_id not in reserved_ids
    )


async def test_a_batch_sent_again_finds_its_reservations_made_and_changes_nothing(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open(rows=1, per_row=4)
    batch = [item(show, [seat_id]) for seat_id in show.seat_ids[:3]]
    request = inventory_pb2.ReserveSeatsBatchRequest(reservations=batch)

    first = await inventory.ReserveSeatsBatch(request, timeout=30)
    rows_after_first = await seat_rows(db, show.show_id)
    again = await inventory.ReserveSeatsBatch(request, timeout=30)

    assert [result.WhichOneof("result") for result in again.results] == ["reserved"] * 3
    assert list(again.results) == list(first.results)
    assert await seat_rows(db, show.show_id) == rows_after_first


async def test_a_batch_over_the_bound_is_refused_whole_and_reserves_nothing(
    inventory: Stub, shows: ShowFactory, db: AsyncEngine
) -> None:
    show = await shows.open(rows=1, per_row=5)
    batch = [item(show, [show.seat_ids[n % 5]]) for n in range(65)]

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await inventory.ReserveSeatsBatch(
            inventory_pb2.ReserveSeatsBatchRequest(reservations=batch), timeout=30
        )

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert {status for status, _ in (await seat_rows(db, show.show_id)).values()} == {"AVAILABLE"}
