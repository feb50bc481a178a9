"""Holds of one show that arrive while calls for it are in flight go in one HoldSeatsBatch,
and every client gets the answer a HoldSeats call of its own would have given."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from gateway.batched_calls import IN_FLIGHT_PER_SHOW
from gateway.holds import BatchedHolds
from svckit.identity import USER_ID_HEADER
from tests.integration.gateway.conftest import StartGateway, app_of, auth
from tests.integration.gateway.fakes import SHOW, AlreadyExists, FailedPrecondition, Fakes
from tests.support.wait import eventually
from ticketing.inventory.v1 import inventory_pb2

pytestmark = pytest.mark.integration


def new_id() -> str:
    return str(uuid.uuid4())


def holds_of(client: httpx.AsyncClient) -> BatchedHolds:
    holds: BatchedHolds = app_of(client).state.gateway.holds
    return holds


def hold_seat(client: httpx.AsyncClient, user: str, seat: str) -> asyncio.Task[httpx.Response]:
    body = {"showId": SHOW, "showSeatIds": [seat]}
    return asyncio.create_task(
        client.post("/api/v1/bookings/hold-seats", json=body, headers=auth(user))
    )


def held_after(gate: asyncio.Event, refused: set[str] | None = None) -> Any:
    """HoldSeats that answers once ``gate`` is set; users in ``refused`` find their seat taken."""

    async def hold(request: inventory_pb2.HoldSeatsRequest, context: Any) -> Any:
        if refused and request.user_id in refused:
            raise AlreadyExists(
                "seat A1 is held by another user",
                reason="SEATS_UNAVAILABLE",
                details={"seat_ids": ",".join(request.seat_ids), "show_id": request.show_id},
            )
        await gate.wait()
        return inventory_pb2.HoldSeatsResponse(
            holds=[inventory_pb2.SeatHold(seat_id=seat) for seat in request.seat_ids],
            expires_in_seconds=300,
        )

    return hold


async def calls_in_flight(
    client: httpx.AsyncClient, upstream: Fakes
) -> list[asyncio.Task[httpx.Response]]:
    """Holds of the show (as many as may be in flight) whose HoldSeats calls inventory is
    still working on."""
    first = []
    for _ in range(
        IN_FLIGHT_PER_SHOW
    ):  # one after the other: holds that arrive together are batched
        before = len(upstream.inventory.calls_to("HoldSeats"))
        first.append(hold_seat(client, new_id(), new_id()))

        async def sent(before: int = before) -> bool:
            return len(upstream.inventory.calls_to("HoldSeats")) == before + 1

        await eventually(sent, message="a HoldSeats call in flight")
    return first


async def test_holds_arriving_while_calls_are_in_flight_go_in_one_batch_each_answered_as_its_own(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    gate = asyncio.Event()
    upstream.inventory.on("HoldSeats", held_after(gate))
    first = await calls_in_flight(client, upstream)
    later = {new_id(): new_id() for _ in range(3)}  # user -> seat
    waiting = {user: hold_seat(client, user, seat) for user, seat in later.items()}

    async def all_queued() -> bool:
        return holds_of(client).queued(SHOW) == len(later)

    await eventually(all_queued, message="the later holds wait for a batch")
    gate.set()
    await asyncio.gather(*first)
    answers = {user: await task for user, task in waiting.items()}

    (batch,) = upstream.inventory.calls_to("HoldSeatsBatch")
    assert {hold.user_id: list(hold.seat_ids) for hold in batch.request.holds} == {
        user: [seat] for user, seat in later.items()
    }
    assert USER_ID_HEADER not in batch.metadata
    for user, response in answers.items():
        assert response.status_code == 201, response.text
        assert [hold["seatId"] for hold in response.json()["holds"]] == [later[user]]
    alone = upstream.inventory.calls_to("HoldSeats")
    assert len(alone) == IN_FLIGHT_PER_SHOW
    for call in alone:
        assert call.metadata[USER_ID_HEADER] == call.request.user_id


async def test_a_refused_item_of_a_batch_answers_as_a_refused_call_of_its_own(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    loser, winner = new_id(), new_id()
    gate = asyncio.Event()
    upstream.inventory.on("HoldSeats", held_after(gate, refused={loser}))
    seat = new_id()
    single = await hold_seat(client, loser, seat)
    assert single.status_code == 409

    first = await calls_in_flight(client, upstream)
    refused, held = hold_seat(client, loser, seat), hold_seat(client, winner, new_id())

    async def both_queued() -> bool:
        return holds_of(client).queued(SHOW) == 2

    await eventually(both_queued, message="the later holds wait for a batch")
    gate.set()
    await asyncio.gather(*first)
    batched, other = await refused, await held

    assert len(upstream.inventory.calls_to("HoldSeatsBatch")) == 1
    assert batched.status_code == single.status_code == 409
    assert batched.json() == single.json()
    assert batched.json()["error"]["code"] == "SEATS_UNAVAILABLE"
    assert other.status_code == 201


async def test_a_failed_batch_call_sends_each_hold_again_on_its_own(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def broken(request: Any, context: Any) -> Any:
        raise FailedPrecondition("no batches here")

    gate = asyncio.Event()
    upstream.inventory.on("HoldSeats", held_after(gate))
    upstream.inventory.on("HoldSeatsBatch", broken)
    first = await calls_in_flight(client, upstream)
    later = [hold_seat(client, new_id(), new_id()) for _ in range(2)]

    async def both_queued() -> bool:
        return holds_of(client).queued(SHOW) == 2

    await eventually(both_queued, message="the later holds wait for a batch")
    gate.set()
    responses = await asyncio.gather(*first, *later)

    assert [response.status_code for response in responses] == [201] * (IN_FLIGHT_PER_SHOW + 2)
    assert len(upstream.inventory.calls_to("HoldSeatsBatch")) == 1
    assert len(upstream.inventory.calls_to("HoldSeats")) == IN_FLIGHT_PER_SHOW + 2


async def test_hold_batch_size_one_sends_every_hold_on_its_own(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    client = await start_gateway(hold_batch_size=1)
    gate = asyncio.Event()
    upstream.inventory.on("HoldSeats", held_after(gate))
    waiting = [hold_seat(client, new_id(), new_id()) for _ in range(4)]

    async def all_sent() -> bool:
        return len(upstream.inventory.calls_to("HoldSeats")) == 4

    await eventually(all_sent, message="every hold sent at once")
    gate.set()
    responses = await asyncio.gather(*waiting)

    assert [response.status_code for response in responses] == [201] * 4
    assert upstream.inventory.calls_to("HoldSeatsBatch") == []
