"""The seat map as the holder, another user and an anonymous viewer see it, in one query."""

from __future__ import annotations

from collections import Counter
from typing import Any

import psycopg
import pytest

from tests.integration.inventory.helpers import ShowFactory, new_id
from ticketing.inventory.v1 import inventory_pb2, inventory_pb2_grpc

pytestmark = pytest.mark.integration

Stub = inventory_pb2_grpc.InventoryServiceStub
STATUS = {
    inventory_pb2.SEAT_STATUS_AVAILABLE: "available",
    inventory_pb2.SEAT_STATUS_HELD: "held",
    inventory_pb2.SEAT_STATUS_HELD_BY_ME: "held_by_me",
    inventory_pb2.SEAT_STATUS_BOOKED: "booked",
}


async def view(stub: Stub, show_id: str, viewer: str = "") -> dict[str, Any]:
    seat_map = await stub.GetSeatMap(
        inventory_pb2.GetSeatMapRequest(show_id=show_id, viewer_user_id=viewer)
    )
    summary = seat_map.summary
    return {
        "statuses": {f"{s.row_label}{s.number}": STATUS[s.status] for s in seat_map.seats},
        "expiry": {
            f"{s.row_label}{s.number}" for s in seat_map.seats if s.HasField("hold_expires_at")
        },
        "summary": (
            summary.total,
            summary.available,
            summary.booked,
            summary.held,
            summary.held_by_me,
        ),
        "currency": seat_map.currency,
        "holders": sorted(seat_map.holder_user_ids),
    }


async def test_statuses_and_summary_depend_on_the_viewer(
    inventory: Stub, shows: ShowFactory
) -> None:
    show = await shows.open(rows=2, per_row=5)
    alice, bob, carol = new_id(), new_id(), new_id()
    await inventory.HoldSeats(
        inventory_pb2.HoldSeatsRequest(
            show_id=show.show_id, user_id=alice, seat_ids=[show.seat("A1"), show.seat("A2")]
        )
    )
    await inventory.HoldSeats(
        inventory_pb2.HoldSeatsRequest(
            show_id=show.show_id, user_id=bob, seat_ids=[show.seat("B5")]
        )
    )
    reserved, sold = new_id(), new_id()
    for booking, label in ((reserved, "A5"), (sold, "B1")):
        await inventory.ReserveSeats(
            inventory_pb2.ReserveSeatsRequest(
                booking_id=booking, user_id=carol, show_id=show.show_id, seat_ids=[show.seat(label)]
            )
        )
    await inventory.ConfirmSeats(inventory_pb2.ConfirmSeatsRequest(booking_id=sold))

    as_alice = await view(inventory, show.show_id, alice)
    as_bob = await view(inventory, show.show_id, bob)
    anonymous = await view(inventory, show.show_id)

    assert as_alice["summary"] == (10, 5, 2, 3, 2)
    assert as_bob["summary"] == (10, 5, 2, 3, 1)
    assert anonymous["summary"] == (10, 5, 2, 3, 0)
    assert {k: v for k, v in as_alice["statuses"].items() if v != "available"} == {
        "A1": "held_by_me",
        "A2": "held_by_me",
        "B5": "held",
        "A5": "booked",
        "B1": "booked",
    }
    assert as_bob["statuses"]["A1"] == "held" and as_bob["statuses"]["B5"] == "held_by_me"
    assert Counter(anonymous["statuses"].values()) == {"available": 5, "held": 3, "booked": 2}
    assert (as_alice["expiry"], as_bob["expiry"], anonymous["expiry"]) == (
        {"A1", "A2"},
        {"B5"},
        set(),
    )
    assert anonymous["currency"] == "INR"
    # Only the map without a viewer names who holds seats (the gateway shares it with the rest).
    assert anonymous["holders"] == sorted([alice, bob])
    assert as_alice["holders"] == as_bob["holders"] == []

    available = await inventory.ListAvailableSeats(
        inventory_pb2.ListAvailableSeatsRequest(show_id=show.show_id)
    )
    assert [f"{s.row_label}{s.number}" for s in available.seats] == ["A3", "A4", "B2", "B3", "B4"]


async def test_the_seat_map_is_one_query_and_in_layout_order(
    inventory: Stub, shows: ShowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    show = await shows.open(rows=3, per_row=10)
    statements: list[str] = []
    execute = psycopg.AsyncConnection.execute

    async def record(conn: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(statement))
        return await execute(conn, statement, *args, **kwargs)

    # The seat paths run on psycopg directly (svckit.pg): every statement passes here.
    monkeypatch.setattr(psycopg.AsyncConnection, "execute", record)
    seat_map = await inventory.GetSeatMap(
        inventory_pb2.GetSeatMapRequest(show_id=show.show_id, viewer_user_id=new_id())
    )
    monkeypatch.undo()

    assert len(statements) == 1, statements
    labels = [f"{s.row_label}{s.number}" for s in seat_map.seats]
    assert labels == [f"{row}{n}" for row in "ABC" for n in range(1, 11)]
