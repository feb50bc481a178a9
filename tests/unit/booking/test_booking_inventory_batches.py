"""Reservations sent to inventory together, each answered as its own ReserveSeats call would be.

GrpcInventoryClient over a fake channel that plays inventory: what each reservation is told
(its seats, or the same booking error) does not depend on whether it went alone or in a batch.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from booking.adapters.inventory_client import GrpcInventoryClient
from booking.adapters.upstream_errors import INVENTORY_ERRORS, inventory_item_error
from booking.domain import commands
from booking.domain.errors import (
    AdmissionRequired,
    Conflict,
    DependencyTimeout,
    InvalidRequest,
    NotFound,
    RuleViolated,
    SeatsTaken,
)
from booking.domain.values import Requester
from booking.service_layer.ports import Reservation
from booking.service_layer.services import BookingPolicy, Bookings, ReleaseRetry
from svckit.clock import FakeClock
from svckit.errors import rich_status, rpc_error_of, status_message
from tests.support.wait import eventually
from tests.unit.booking.fakes import (
    NOW,
    FakeCatalog,
    FakeNewBookings,
    FakeUnitOfWork,
    Store,
)
from ticketing.common.v1 import common_pb2
from ticketing.inventory.v1 import inventory_pb2

pytestmark = pytest.mark.unit

SHOW = str(uuid.uuid4())
SEATS_UNAVAILABLE = inventory_pb2.ErrorReason.Name(inventory_pb2.SEATS_UNAVAILABLE)
ADMISSION_REQUIRED = inventory_pb2.ErrorReason.Name(inventory_pb2.ADMISSION_REQUIRED)
Code = grpc.StatusCode


def status(code: Code, message: str, reason: str, **metadata: str) -> status_pb2.Status:
    """A failed item as inventory writes it (svckit's rich status, as a call of its own)."""
    return status_message(
        rich_status(code, message, reason=reason, metadata=metadata, domain="inventory")
    )


def a_request(seat_ids: list[str] | None = None) -> inventory_pb2.ReserveSeatsRequest:
    return inventory_pb2.ReserveSeatsRequest(
        booking_id=str(uuid.uuid4()),
        user_id=str(uuid.uuid4()),
        show_id=SHOW,
        seat_ids=seat_ids or [str(uuid.uuid4())],
    )


@pytest.mark.parametrize(
    ("item", "error", "reason"),
    [
        (
            status(
                Code.ALREADY_EXISTS,
                "seats A1 are not available",
                SEATS_UNAVAILABLE,
                seat_ids="s-1",
                seats="A1",
                booked_seat_ids="s-1",
                booked_seats="A1",
            ),
            SeatsTaken,
            SEATS_UNAVAILABLE,
        ),
        (
            status(Code.ABORTED, "seats are busy", "SEATS_BUSY", seat_ids="s-2"),
            Conflict,
            "SEATS_BUSY",
        ),
        (
            status(Code.NOT_FOUND, "no seat s-9", "SEATS_NOT_FOUND", seat_ids="s-9"),
            NotFound,
            "SEATS_NOT_FOUND",
        ),
        (
            status(Code.FAILED_PRECONDITION, "show started", "SHOW_ALREADY_STARTED", show_id=SHOW),
            RuleViolated,
            "SHOW_ALREADY_STARTED",
        ),
        (
            status(Code.PERMISSION_DENIED, "join the queue", ADMISSION_REQUIRED, show_id=SHOW),
            AdmissionRequired,
            ADMISSION_REQUIRED,
        ),
        (
            status(Code.INVALID_ARGUMENT, "bad id", "INVALID_ARGUMENT", field="booking_id"),
            InvalidRequest,
            "INVALID_ARGUMENT",
        ),
    ],
)
def test_a_failed_item_is_the_booking_error_its_own_call_raises(
    item: status_pb2.Status, error: type[Exception], reason: str
) -> None:
    request = a_request()

    translated = inventory_item_error(item, request)
    alone = INVENTORY_ERRORS.translate(rpc_error_of(item), request)
    info = error_details_pb2.ErrorInfo()
    item.details[0].Unpack(info)

    assert type(translated) is error
    assert str(translated) == item.message
    assert translated.reason == reason  # type: ignore[attr-defined]
    assert translated.details == dict(info.metadata) != {}  # type: ignore[attr-defined]
    assert (type(alone), str(alone), alone.details) == (  # type: ignore[attr-defined]
        error,
        item.message,
        translated.details,  # type: ignore[attr-defined]
    )
    if isinstance(translated, InvalidRequest):
        assert translated.field == "booking_id"
    if isinstance(translated, SeatsTaken):
        assert translated.details["booked_seat_ids"] == "s-1"


def test_an_item_inventory_failed_on_stays_the_grpc_error_booking_answers_internal_to() -> None:
    translated = inventory_item_error(
        status(Code.INTERNAL, "internal error", "INTERNAL"), a_request()
    )
    assert isinstance(translated, grpc.aio.AioRpcError)
    assert translated.code() is Code.INTERNAL


class FakeInventory:
    """Inventory behind a fake channel: a seat goes to the first booking that asks for it."""

    def __init__(self) -> None:
        self.owners: dict[str, str] = {}
        self.calls: list[tuple[str, int]] = []  # (method, reservations)
        self.released: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.batch_fails: Code | None = None
        self.alone_fails: Code | None = None
        self.unavailable_items_once: set[str] = set()

    def unary_unary(self, path: str, **_: Any) -> Callable[..., Any]:
        method = path.rsplit("/", 1)[-1]
        return lambda request, **kwargs: getattr(self, method)(request)

    def reserve(
        self, request: inventory_pb2.ReserveSeatsRequest
    ) -> inventory_pb2.ReserveSeatsResult:
        if request.booking_id in self.unavailable_items_once:
            self.unavailable_items_once.discard(request.booking_id)
            return inventory_pb2.ReserveSeatsResult(
                failed=status(
                    Code.UNAVAILABLE, "the database is unavailable", "DATABASE_UNAVAILABLE"
                )
            )
        taken = [
            s
            for s in request.seat_ids
            if self.owners.get(s, request.booking_id) != request.booking_id
        ]
        if taken:
            return inventory_pb2.ReserveSeatsResult(
                failed=status(
                    Code.ALREADY_EXISTS,
                    "seats taken",
                    SEATS_UNAVAILABLE,
                    seat_ids=",".join(taken),
                    booked_seat_ids=",".join(taken),
                )
            )
        for seat_id in request.seat_ids:
            self.owners[seat_id] = request.booking_id
        return inventory_pb2.ReserveSeatsResult(
            reserved=inventory_pb2.ReserveSeatsResponse(
                booking_id=request.booking_id,
                show_id=request.show_id,
                seats=[
                    inventory_pb2.ReservedSeat(
                        seat_id=seat_id,
                        row_label="A",
                        number=n,
                        tier=common_pb2.SEAT_TIER_REGULAR,
                        price_minor=20_000,
                    )
                    for n, seat_id in enumerate(request.seat_ids, 1)
                ],
                total=common_pb2.Money(amount_minor=20_000 * len(request.seat_ids), currency="INR"),
            )
        )

    async def ReserveSeats(self, request: inventory_pb2.ReserveSeatsRequest) -> Any:
        self.calls.append(("ReserveSeats", 1))
        await self.gate.wait()
        if self.alone_fails is not None:
            raise grpc.aio.AioRpcError(self.alone_fails, grpc.aio.Metadata(), grpc.aio.Metadata())
        result = self.reserve(request)
        if result.HasField("failed"):
            raise rpc_error_of(result.failed)
        return result.reserved

    async def ReserveSeatsBatch(self, request: inventory_pb2.ReserveSeatsBatchRequest) -> Any:
        self.calls.append(("ReserveSeatsBatch", len(request.reservations)))
        if self.batch_fails is not None:
            raise grpc.aio.AioRpcError(self.batch_fails, grpc.aio.Metadata(), grpc.aio.Metadata())
        return inventory_pb2.ReserveSeatsBatchResponse(
            results=[self.reserve(item) for item in request.reservations]
        )

    async def ReleaseSeats(self, request: inventory_pb2.ReleaseSeatsRequest) -> Any:
        self.released.append(request.booking_id)
        for seat_id, owner in list(self.owners.items()):
            if owner == request.booking_id:
                del self.owners[seat_id]
        return inventory_pb2.ReleaseSeatsResponse()


def client_of(inventory: FakeInventory, runs: list[tuple[int, str]]) -> GrpcInventoryClient:
    return GrpcInventoryClient(
        inventory,  # type: ignore[arg-type]
        deadline_seconds=5,
        batch_size=32,
        on_batch=lambda size, how: runs.append((size, how)),
    )


async def reserve(client: GrpcInventoryClient, seat_ids: list[str]) -> Reservation | Exception:
    request = a_request(seat_ids)
    try:
        return await client.reserve_seats(
            booking_id=request.booking_id,
            user_id=request.user_id,
            show_id=SHOW,
            seat_ids=list(request.seat_ids),
        )
    except Exception as exc:
        return exc


async def behind_two_in_flight(
    inventory: FakeInventory, client: GrpcInventoryClient, calls: list[Callable[[], Awaitable[Any]]]
) -> list[Any]:
    """The first two calls keep inventory busy (each alone, in flight) while the rest queue;
    then inventory answers. What each call returned or raised, in order."""
    inventory.gate.clear()
    sent: list[asyncio.Future[Any]] = []
    for in_flight, call in enumerate(calls[:2], 1):
        sent.append(asyncio.ensure_future(call()))

        async def started(count: int = in_flight) -> bool:
            return len(inventory.calls) == count

        await eventually(started, timeout=5, interval=0.001, message=f"{in_flight} in flight")
    sent += [asyncio.ensure_future(call()) for call in calls[2:]]

    async def all_queued() -> bool:
        return client.queued(SHOW) == len(calls) - 2

    await eventually(all_queued, timeout=5, interval=0.001, message="the rest queued")
    inventory.gate.set()
    return await asyncio.gather(*sent, return_exceptions=True)


async def crowd(
    inventory: FakeInventory, client: GrpcInventoryClient, wanted: list[list[str]]
) -> list[Any]:
    return await behind_two_in_flight(
        inventory, client, [lambda seats=seats: reserve(client, seats) for seats in wanted]
    )


async def test_a_lone_reservation_goes_at_once_as_reserve_seats() -> None:
    inventory, runs = FakeInventory(), []
    reserved = await reserve(client_of(inventory, runs), ["s-1"])
    assert isinstance(reserved, Reservation)
    assert inventory.calls == [("ReserveSeats", 1)]
    assert runs == [(1, "alone")]


async def test_reservations_arriving_while_two_are_in_flight_go_in_one_batch() -> None:
    inventory, runs = FakeInventory(), []
    wanted = [["s-1"], ["s-2"], ["s-3"], ["s-3"], ["s-4", "s-5"], ["s-5"]]

    answers = await crowd(inventory, client_of(inventory, runs), wanted)

    assert inventory.calls == [("ReserveSeats", 1), ("ReserveSeats", 1), ("ReserveSeatsBatch", 4)]
    assert (4, "together") in runs
    assert [type(answer).__name__ for answer in answers] == [
        "Reservation",
        "Reservation",
        "Reservation",
        "SeatsTaken",
        "Reservation",
        "SeatsTaken",
    ]
    assert answers[3].details["booked_seat_ids"] == "s-3"
    assert [seat.seat_id for seat in answers[4].seats] == ["s-4", "s-5"]


async def test_a_failed_batch_call_sends_each_reservation_again_on_its_own() -> None:
    inventory, runs = FakeInventory(), []
    inventory.batch_fails = Code.UNAVAILABLE

    answers = await crowd(
        inventory, client_of(inventory, runs), [["s-1"], ["s-2"], ["s-3"], ["s-4"]]
    )

    assert all(isinstance(answer, Reservation) for answer in answers)
    assert inventory.calls.count(("ReserveSeatsBatch", 2)) == 1
    assert inventory.calls.count(("ReserveSeats", 1)) == 4
    assert (2, "split") in runs


async def test_an_item_inventory_could_not_serve_just_then_is_sent_again_on_its_own() -> None:
    inventory, runs = FakeInventory(), []
    client = client_of(inventory, runs)
    unlucky = a_request(["s-3"])
    inventory.unavailable_items_once.add(unlucky.booking_id)

    def reserve_unlucky() -> Awaitable[Reservation]:
        return client.reserve_seats(
            booking_id=unlucky.booking_id, user_id=unlucky.user_id, show_id=SHOW, seat_ids=["s-3"]
        )

    answers = await behind_two_in_flight(
        inventory,
        client,
        [
            lambda: reserve(client, ["s-1"]),
            lambda: reserve(client, ["s-2"]),
            reserve_unlucky,
            lambda: reserve(client, ["s-4"]),
        ],
    )

    assert [seat.seat_id for seat in answers[2].seats] == ["s-3"]
    assert inventory.owners["s-3"] == unlucky.booking_id
    assert inventory.calls[-2:] == [("ReserveSeatsBatch", 2), ("ReserveSeats", 1)]


async def test_bookings_whose_batch_and_own_calls_time_out_are_each_compensated() -> None:
    inventory, runs = FakeInventory(), []
    client = client_of(inventory, runs)
    store = Store()
    catalog = FakeCatalog()
    catalog.add_show(SHOW, NOW + timedelta(days=1))
    bookings = Bookings(
        uow=lambda: FakeUnitOfWork(store),
        new_bookings=FakeNewBookings(store),
        catalog=catalog,
        inventory=client,
        clock=FakeClock(NOW),
        policy=BookingPolicy(),
        release_retry=ReleaseRetry(first_seconds=0, longest_seconds=0),
    )
    inventory.batch_fails = Code.DEADLINE_EXCEEDED
    inventory.alone_fails = Code.DEADLINE_EXCEEDED
    users = [str(uuid.uuid4()) for _ in range(5)]

    answers = await behind_two_in_flight(
        inventory,
        client,
        [
            lambda user=user: bookings.create(
                commands.CreateBooking(user, SHOW, [str(uuid.uuid4())]), Requester(user)
            )
            for user in users
        ],
    )

    assert all(isinstance(answer, DependencyTimeout) for answer in answers)
    assert ("ReserveSeatsBatch", 3) in inventory.calls
    assert len(inventory.released) == len(users)  # every booking's seats released, once each
    assert len(set(inventory.released)) == len(users)
    assert store.bookings == {}
