"""New bookings of one show that arrive while calls for it are in flight go in one
CreateBookingBatch, each item for the caller who asked for it, and every client gets the answer a
CreateBooking call of its own would have given."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import grpc
import httpx
import pytest

from gateway.batched_calls import IN_FLIGHT_PER_SHOW
from gateway.bookings_batch import BatchedBookings
from svckit.identity import USER_ID_HEADER, caller_from_context
from tests.integration.gateway.conftest import StartGateway, app_of, auth
from tests.integration.gateway.fakes import (
    SHOW,
    AlreadyExists,
    Fakes,
    PermissionDenied,
    booking,
)
from tests.support.wait import eventually
from ticketing.booking.v1 import booking_pb2

pytestmark = pytest.mark.integration


def new_id() -> str:
    return str(uuid.uuid4())


def bookings_of(client: httpx.AsyncClient) -> BatchedBookings:
    bookings: BatchedBookings = app_of(client).state.gateway.bookings
    return bookings


def book(
    client: httpx.AsyncClient, user: str, seat: str, *, key: str | None = None
) -> asyncio.Task[httpx.Response]:
    body = {"showId": SHOW, "showSeatIds": [seat]}
    headers = {**auth(user), **({"Idempotency-Key": key} if key else {})}
    return asyncio.create_task(client.post("/api/v1/bookings", json=body, headers=headers))


def created_after(gate: asyncio.Event, refused: set[str] | None = None) -> Any:
    """CreateBooking that answers once ``gate`` is set, for the caller its context names (a
    caller booking for someone else is refused as booking does); users in ``refused`` find
    their seat taken."""

    async def create(request: booking_pb2.CreateBookingRequest, context: Any) -> Any:
        if caller_from_context(context).user_id != request.user_id:
            raise PermissionDenied("user_id must be the caller's own id")
        if refused and request.user_id in refused:
            raise AlreadyExists(
                "seats are held or booked by someone else",
                reason="SEATS_UNAVAILABLE",
                details={"seat_ids": ",".join(request.seat_ids), "show_id": request.show_id},
            )
        await gate.wait()
        return booking(booking_id=new_id(), user_id=request.user_id, seat_ids=request.seat_ids)

    return create


async def calls_in_flight(
    client: httpx.AsyncClient, upstream: Fakes
) -> list[asyncio.Task[httpx.Response]]:
    """Bookings of the show (as many as may be in flight) whose CreateBooking calls booking
    is still working on."""
    first = []
    for _ in range(
        IN_FLIGHT_PER_SHOW
    ):  # one after the other: bookings that arrive together are batched
        before = len(upstream.booking.calls_to("CreateBooking"))
        first.append(book(client, new_id(), new_id()))

        async def sent(before: int = before) -> bool:
            return len(upstream.booking.calls_to("CreateBooking")) == before + 1

        await eventually(sent, message="a CreateBooking call in flight")
    return first


async def queued(client: httpx.AsyncClient, count: int) -> None:
    async def all_queued() -> bool:
        return bookings_of(client).queued(SHOW) == count

    await eventually(all_queued, message="the later bookings wait for a batch")


async def test_bookings_arriving_while_calls_are_in_flight_go_in_one_batch_each_for_its_caller(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    gate = asyncio.Event()
    upstream.booking.on("CreateBooking", created_after(gate))
    first = await calls_in_flight(client, upstream)
    later = {new_id(): new_id() for _ in range(3)}  # user -> seat
    waiting = {user: book(client, user, seat) for user, seat in later.items()}

    await queued(client, len(later))
    gate.set()
    await asyncio.gather(*first)
    answers = {user: await task for user, task in waiting.items()}

    (batch,) = upstream.booking.calls_to("CreateBookingBatch")
    items = batch.request.bookings
    assert {item.booking.user_id: list(item.booking.seat_ids) for item in items} == {
        user: [seat] for user, seat in later.items()
    }
    assert all(item.caller_user_id == item.booking.user_id for item in items)
    assert all(list(item.caller_roles) == [] for item in items)
    assert USER_ID_HEADER not in batch.metadata
    for user, response in answers.items():
        assert response.status_code == 201, response.text
        assert response.json()["userId"] == user
        assert [seat["id"] for seat in response.json()["seats"]] == [later[user]]
    alone = upstream.booking.calls_to("CreateBooking")
    assert len(alone) == IN_FLIGHT_PER_SHOW
    for call in alone:
        assert call.metadata[USER_ID_HEADER] == call.request.user_id


async def test_a_refused_item_of_a_batch_answers_as_a_refused_call_of_its_own(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    loser, winner = new_id(), new_id()
    gate = asyncio.Event()
    upstream.booking.on("CreateBooking", created_after(gate, refused={loser}))
    seat = new_id()
    single = await book(client, loser, seat)
    assert single.status_code == 409

    first = await calls_in_flight(client, upstream)
    refused, created = book(client, loser, seat), book(client, winner, new_id())
    await queued(client, 2)
    gate.set()
    await asyncio.gather(*first)
    batched, other = await refused, await created

    assert len(upstream.booking.calls_to("CreateBookingBatch")) == 1
    assert batched.status_code == single.status_code == 409
    assert batched.json() == single.json()
    assert batched.json()["error"]["code"] == "SEATS_UNAVAILABLE"
    assert other.status_code == 201


async def test_an_idempotency_key_replays_the_answer_its_batched_booking_got(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    gate = asyncio.Event()
    upstream.booking.on("CreateBooking", created_after(gate))
    first = await calls_in_flight(client, upstream)
    user, seat, key = new_id(), new_id(), new_id()
    keyed = book(client, user, seat, key=key)
    other = book(client, new_id(), new_id())
    await queued(client, 2)
    gate.set()
    await asyncio.gather(*first, other)
    original = await keyed

    (batch,) = upstream.booking.calls_to("CreateBookingBatch")
    assert {item.booking.request_key for item in batch.request.bookings} == {key, ""}
    replayed = await book(client, user, seat, key=key)

    assert original.status_code == replayed.status_code == 201
    assert "idempotent-replayed" not in original.headers
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == original.json()
    assert len(upstream.booking.calls_to("CreateBookingBatch")) == 1
    assert len(upstream.booking.calls_to("CreateBooking")) == IN_FLIGHT_PER_SHOW


async def test_a_failed_batch_call_resends_alone_only_the_bookings_with_a_key(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def broken(request: Any, context: Any) -> Any:
        raise AlreadyExists("the batch failed", reason="BATCH_FAILED")

    upstream.booking.on("CreateBooking", broken)
    single = await book(client, new_id(), new_id())  # what a call that fails so answers
    gate = asyncio.Event()
    upstream.booking.on("CreateBooking", created_after(gate))
    upstream.booking.on("CreateBookingBatch", broken)
    first = await calls_in_flight(client, upstream)
    keyed_user, key = new_id(), new_id()
    keyed = book(client, keyed_user, new_id(), key=key)
    unkeyed = book(client, new_id(), new_id())
    await queued(client, 2)
    gate.set()
    await asyncio.gather(*first)
    resent, refused = await keyed, await unkeyed

    assert len(upstream.booking.calls_to("CreateBookingBatch")) == 1
    assert resent.status_code == 201
    assert resent.json()["userId"] == keyed_user
    assert refused.status_code == single.status_code == 409
    assert refused.json()["error"]["code"] == single.json()["error"]["code"] == "BATCH_FAILED"
    alone = upstream.booking.calls_to("CreateBooking")
    assert [call.request.request_key for call in alone[-1:]] == [key]
    # the single call, those in flight, the keyed resend
    assert len(alone) == 1 + IN_FLIGHT_PER_SHOW + 1


async def test_a_booking_that_does_not_know_the_batch_gets_every_booking_on_its_own(
    client: httpx.AsyncClient, upstream: Fakes
) -> None:
    async def unknown(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")

    gate = asyncio.Event()
    upstream.booking.on("CreateBooking", created_after(gate))
    upstream.booking.on("CreateBookingBatch", unknown)
    first = await calls_in_flight(client, upstream)
    later = [book(client, new_id(), new_id()) for _ in range(2)]
    await queued(client, 2)
    gate.set()
    responses = await asyncio.gather(*first, *later)

    assert [response.status_code for response in responses] == [201] * (IN_FLIGHT_PER_SHOW + 2)
    assert len(upstream.booking.calls_to("CreateBookingBatch")) == 1
    assert len(upstream.booking.calls_to("CreateBooking")) == IN_FLIGHT_PER_SHOW + 2


async def test_create_batch_size_one_sends_every_booking_on_its_own(
    start_gateway: StartGateway, upstream: Fakes
) -> None:
    client = await start_gateway(create_batch_size=1)
    gate = asyncio.Event()
    upstream.booking.on("CreateBooking", created_after(gate))
    waiting = [book(client, new_id(), new_id()) for _ in range(4)]

    async def all_sent() -> bool:
        return len(upstream.booking.calls_to("CreateBooking")) == 4

    await eventually(all_sent, message="every booking sent at once")
    gate.set()
    responses = await asyncio.gather(*waiting)

    assert [response.status_code for response in responses] == [201] * 4
    assert upstream.booking.calls_to("CreateBookingBatch") == []
