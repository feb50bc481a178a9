"""Best available and the no-orphan rule over real gRPC and real PostgreSQL connections."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.proto_values import to_timestamp
from tests.integration.inventory.helpers import PRICES, new_id, reason_of
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub
REGULAR = common_pb2.SEAT_TIER_REGULAR


async def open_show(stub: Stub, rows: dict[str, list[int]], *, no_orphan: bool = False) -> str:
    """A show whose rows have exactly these seat numbers (a missing number is an aisle)."""
    show_id = new_id()
    await stub.OpenShow(
        inventory_pb2.OpenShowRequest(
            show_id=show_id,
            screen_id=new_id(),
            currency="INR",
            start_time=to_timestamp(datetime.now(UTC) + timedelta(days=2)),
            seats=[
                inventory_pb2.OpenShowSeat(
                    row_label=row, number=n, tier=REGULAR, price_minor=PRICES[REGULAR]
                )
                for row, numbers in rows.items()
                for n in numbers
            ],
        )
    )
    if no_orphan:
        await stub.SetShowRules(
            inventory_pb2.SetShowRulesRequest(show_id=show_id, no_orphan_seats=True)
        )
    return show_id


async def seat_ids(stub: Stub, show_id: str) -> dict[str, str]:
    """label → seat id"""
    seat_map = await stub.GetSeatMap(inventory_pb2.GetSeatMapRequest(show_id=show_id))
    return {f"{s.row_label}{s.number}": s.id for s in seat_map.seats}


async def hold_best(
    stub: Stub, show_id: str, count: int, user_id: str | None = None
) -> inventory_pb2.HoldBestSeatsResponse | grpc.aio.AioRpcError:
    try:
        return await stub.HoldBestSeats(
            inventory_pb2.HoldBestSeatsRequest(
                show_id=show_id, user_id=user_id or new_id(), count=count
            ),
            timeout=120,
        )
    except grpc.aio.AioRpcError as error:
        return error


async def held_rows(db: AsyncEngine, show_id: str) -> list[tuple[str, int, str, str]]:
    async with db.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT row_label, number, status, coalesce(hold_user_id::text, '')"
                " FROM inventory.show_seats WHERE show_id = :s ORDER BY row_label, number"
            ),
            {"s": show_id},
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]


async def test_200_concurrent_requests_for_pairs_get_distinct_adjacent_pairs_or_a_clear_409(
    inventory: Stub, db: AsyncEngine
) -> None:
    # 8 rows of 12 seats with an aisle after seat 6: at most 8 * 2 * 3 = 48 pairs for 200 people.
    layout = {row: [*range(1, 7), *range(8, 14)] for row in "ABCDEFGH"}
    show_id = await open_show(inventory, layout)
    users = [new_id() for _ in range(200)]

    results = await asyncio.gather(*(hold_best(inventory, show_id, 2, u) for u in users))

    granted = {u: r for u, r in zip(users, results, strict=True) if not isinstance(r, Exception)}
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert all(r.code() == grpc.StatusCode.ABORTED for r in refused), {r.code() for r in refused}
    assert all(reason_of(r)[0] == "NO_ADJACENT_SEATS" for r in refused)
    for reply in granted.values():
        a, b = reply.seats
        assert a.row_label == b.row_label and b.number == a.number + 1, reply
        assert a.number != 6  # never across the aisle
    held = [seat.seat_id for reply in granted.values() for seat in reply.seats]
    assert len(held) == len(set(held)), "two requests were given the same seat"
    rows = await held_rows(db, show_id)
    by_user: dict[str, set[tuple[str, int]]] = {}
    for row, number, status, holder in rows:
        if status == "HELD":
            by_user.setdefault(holder, set()).add((row, number))
    assert {u: {(s.row_label, s.number) for s in r.seats} for u, r in granted.items()} == by_user
    # Every refusal was right: no two adjacent free seats are left anywhere.
    free = {(row, number) for row, number, status, _ in rows if status == "AVAILABLE"}
    assert not [s for s in free if (s[0], s[1] + 1) in free and s[1] != 6]
    assert len(granted) >= 32 and refused


async def test_best_available_gives_the_centre_of_the_best_row_first(inventory: Stub) -> None:
    show_id = await open_show(inventory, {row: list(range(1, 11)) for row in "ABCD"})

    first = await hold_best(inventory, show_id, 3)
    second = await hold_best(inventory, show_id, 3)

    assert not isinstance(first, Exception) and not isinstance(second, Exception)
    assert [f"{s.row_label}{s.number}" for s in first.seats] == ["C4", "C5", "C6"]
    assert [f"{s.row_label}{s.number}" for s in second.seats] == ["C7", "C8", "C9"]
    assert list(first.stranded_seats) == []


async def test_a_hold_that_would_strand_a_seat_is_refused_naming_it(inventory: Stub) -> None:
    show_id = await open_show(inventory, {"A": [1, 2, 3, 4, 5, 6]}, no_orphan=True)
    ids = await seat_ids(inventory, show_id)
    user = new_id()

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await inventory.HoldSeats(
            inventory_pb2.HoldSeatsRequest(
                show_id=show_id, user_id=user, seat_ids=[ids["A2"], ids["A3"]]
            )
        )

    assert refused.value.code() == grpc.StatusCode.ABORTED
    assert reason_of(refused.value) == (
        "SEAT_WOULD_BE_STRANDED",
        {"seat_id": ids["A1"], "seat": "A1"},
    )
    await inventory.HoldSeats(
        inventory_pb2.HoldSeatsRequest(
            show_id=show_id, user_id=user, seat_ids=[ids["A1"], ids["A2"]]
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as booked:
        await inventory.ReserveSeats(
            inventory_pb2.ReserveSeatsRequest(
                booking_id=new_id(), user_id=new_id(), show_id=show_id, seat_ids=[ids["A4"]]
            )
        )
    assert reason_of(booked.value)[1]["seat"] == "A3"


async def test_without_the_rule_the_same_hold_is_granted(inventory: Stub) -> None:
    show_id = await open_show(inventory, {"A": [1, 2, 3, 4, 5, 6]})
    ids = await seat_ids(inventory, show_id)

    await inventory.HoldSeats(
        inventory_pb2.HoldSeatsRequest(
            show_id=show_id, user_id=new_id(), seat_ids=[ids["A2"], ids["A3"]]
        )
    )


async def test_a_pair_may_strand_a_seat_when_every_pair_would(inventory: Stub) -> None:
    show_id = await open_show(inventory, {"A": [1, 2, 3], "B": [1, 2, 3]}, no_orphan=True)
    ids = await seat_ids(inventory, show_id)

    await inventory.HoldSeats(
        inventory_pb2.HoldSeatsRequest(
            show_id=show_id, user_id=new_id(), seat_ids=[ids["A1"], ids["A2"]]
        )
    )
    best = await hold_best(inventory, show_id, 2)

    assert not isinstance(best, Exception)
    assert list(best.stranded_seats) in (["B1"], ["B3"])


async def test_best_available_on_a_no_orphan_show_prefers_a_block_that_strands_nothing(
    inventory: Stub,
) -> None:
    show_id = await open_show(inventory, {"A": [1, 2, 3, 4, 5]}, no_orphan=True)

    best = await hold_best(inventory, show_id, 2)

    assert not isinstance(best, Exception)
    assert [s.number for s in best.seats] in ([1, 2], [4, 5])
    assert list(best.stranded_seats) == []
